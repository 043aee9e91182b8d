"""The record of one spot inspection (飞行检查记录: who inspected which unit, the checklist's points, the score, the
findings with their due dates and state), a document of the inspected committee, requested from the inspections page
(params: {"inspection_id": n}); readable by whoever reads spot inspections of that committee."""
from __future__ import annotations

import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.documents.registry import DocumentKind, register_kind
from app.domain import clock
from app.domain import inspection as checklist
from app.access.users import person_name
from app.extensions import db
from app.settings import current_rules
from app.inspections.models import InspectionFinding
from app.models import PortalUser
from app.monthly.models import SpotInspection

ISSUER = "上钢新村街道社区平安办（街道人口办）"
# The printed words of the checklist and its parties (a document is Chinese whatever the screen's language).
BODY_TITLES = {checklist.BODY_OFFICE: "街道人口办", checklist.BODY_POLICE: "派出所",
               checklist.BODY_PATROL: "街道社会治安市民巡访团"}
UNIT_TITLES = {checklist.UNIT_COMMITTEE: "居民区人口服务和管理工作小组", checklist.UNIT_WORKSTATION: "服务站点"}
ITEM_TITLES = {"register_accuracy": "人口信息准确", "changes_on_time": "变动信息采集录入及时",
               "monthly_verification": "每月核查完成", "ledgers": "台账表单齐全", "service_point": "站点服务居民"}


def spot_inspection_title(committee) -> str:
    return _("Spot inspection record")


def spot_inspection_context(document) -> dict:
    row = db.session.get(SpotInspection, int(document.params["inspection_id"]))
    if row is None or row.committee_id != document.committee_id:
        raise ValueError("spot inspection not found for this document")
    points = json.loads(row.checklist_json) if row.checklist_json else {}
    items = [{"title": ITEM_TITLES.get(i.code, i.code), "max": i.max_points, "points": points.get(i.code)}
             for i in checklist.CHECKLIST]
    findings = (db.session.query(InspectionFinding).filter(InspectionFinding.inspection_id == row.id)
                .order_by(InspectionFinding.id).all())
    weak = db.session.get(PortalUser, row.weak_member_user_id) if row.weak_member_user_id else None
    weak_name = person_name(weak)
    rules = current_rules()
    return {"inspection": row, "body": BODY_TITLES.get(row.body, row.inspector or ""),
            "unit": UNIT_TITLES.get(row.unit or checklist.UNIT_COMMITTEE, ""), "items": items,
            "has_checklist": bool(points), "full_score": checklist.FULL_SCORE, "findings": findings,
            "weak_member": weak_name, "today": clock.local_today(rules), "date": clock.local_today(rules),
            "issuer": ISSUER}


def init_app(app) -> None:
    register_kind(DocumentKind(key="spot_inspection", label=_l("Spot inspection record"),
                               template="spot_inspection.html", title=spot_inspection_title,
                               context=spot_inspection_context, permission=("read", "SpotInspection"),
                               on_request_form=False))
