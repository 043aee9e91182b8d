"""The record of one special joint action (专项联勤联动处置记录: the refusal, the escalation to the community police,
the application to the 城运平台, the joint visit, the outcome), a document of the action's committee, requested from
its page (params: {"action_id": n}); readable by whoever reads joint actions of that committee."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.documents.registry import DocumentKind, register_kind
from app.domain import clock
from app.domain import jointaction as clock_rules
from app.extensions import db
from app.settings import current_rules
from app.jointaction.models import JointAction
from app.models import House

ISSUER = "上钢新村派出所\n上钢新村街道社区平安办"
STAGE_TITLES = {"escalated": "已上报社区民警", "applied": "已向城运平台申请", "visited": "已联合上门",
                "closed": "已办结"}


def joint_action_title(committee) -> str:
    return _("Special joint action record")


def joint_action_context(document) -> dict:
    action = db.session.get(JointAction, int(document.params["action_id"]))
    if action is None or action.committee_id != document.committee_id:
        raise ValueError("joint action not found for this document")
    rules = current_rules()
    today = clock.local_today(rules)
    house = db.session.get(House, action.house_id) if action.house_id else None
    return {"a": action, "house": house.address if house else "", "stage": STAGE_TITLES.get(action.stage, ""),
            "due": clock_rules.due_on(action.stage, action.escalated_on, action.applied_on, rules),
            "overdue": clock_rules.is_overdue(action.stage, action.escalated_on, action.applied_on, today, rules),
            "closed_on": clock.aware(action.closed_at, rules).date() if action.closed_at else None,
            "date": today, "issuer": ISSUER}


def init_app(app) -> None:
    register_kind(DocumentKind(key="joint_action", label=_l("Special joint action record"),
                               template="joint_action.html", title=joint_action_title, context=joint_action_context,
                               permission=("read", "JointAction"), on_request_form=False))
