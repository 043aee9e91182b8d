"""专项联勤联动: escalate a refusal (from a change case or a verification record), the police's application to the
城运平台, the joint visit, the closure; overdue flags; counts per committee per month. Never commits."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func

from app.access import scoping
from app.domain import jointaction as clock_rules
from app.domain.clock import local_today, utcnow
from app.domain.months import month_bounds
from app.errors import UserFacingError
from app.extensions import db
from app.jointaction.models import APPLIED, CLOSED, ESCALATED, VISITED, JointAction
from app.settings import current_rules
from app.access.roles import COMMUNITY_POLICE
from app.changes.models import ChangeCase
from app.notifications.service import committee_users, notify_many
from app.verification.models import VerificationRecord


def _date(value: Optional[dt.date], what: str) -> dt.date:
    if value is None:
        raise UserFacingError(_("Give the date: %(what)s.", what=what))
    if value > local_today():
        raise UserFacingError(_("The date cannot be in the future."))
    return value


def _text(value: str, limit: int = 500) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise UserFacingError(_("At most %(n)s characters.", n=limit))
    return value


def escalate(*, change_case_id: Optional[int] = None, verification_record_id: Optional[int] = None,
             reason: str, user) -> JointAction:
    """From the case or the record (in the user's scope) the household refused on: committee and house follow."""
    source = None
    if change_case_id is not None:
        source = db.session.get(ChangeCase, change_case_id)
    elif verification_record_id is not None:
        source = db.session.get(VerificationRecord, verification_record_id)
    if source is None or not scoping.can_see_committee(source.committee_id, user):
        raise LookupError("source")
    reason = _text(reason)
    if not reason:
        raise UserFacingError(_("Say what the household refused."))
    action = JointAction(committee_id=source.committee_id, house_id=getattr(source, "house_id", None),
                         change_case_id=change_case_id if change_case_id is not None else None,
                         verification_record_id=verification_record_id if change_case_id is None else None,
                         reason=reason, stage=ESCALATED, escalated_on=local_today(),
                         escalated_by=user.username)
    db.session.add(action)
    db.session.flush()
    _tell_police(action)
    return action


def _tell_police(action: JointAction) -> None:
    notify_many(committee_users(action.committee_id, COMMUNITY_POLICE),
                f"专项联勤联动：{action.committee.name}上报拒不配合人口信息采集的住户，请向街道城运平台申请",
                f"/joint/show/{action.id}", committee_id=action.committee_id)


def _get(action_id: int, user) -> JointAction:
    action = db.session.get(JointAction, action_id)
    if action is None or not scoping.can_see_committee(action.committee_id, user):
        raise LookupError(action_id)
    return action


def apply(action_id: int, applied_on: Optional[dt.date], platform_ref: str, user) -> JointAction:
    action = _get(action_id, user)
    if action.stage != ESCALATED:
        raise UserFacingError(_("This joint action is not waiting for an application."))
    applied_on = _date(applied_on, _("application date"))
    if applied_on < action.escalated_on:
        raise UserFacingError(_("The application cannot be dated before the escalation."))
    action.stage, action.applied_on, action.applied_by = APPLIED, applied_on, user.username
    action.platform_ref = _text(platform_ref, 64) or None
    return action


def record_visit(action_id: int, visited_on: Optional[dt.date], visitors: str, user) -> JointAction:
    action = _get(action_id, user)
    if action.stage != APPLIED:
        raise UserFacingError(_("This joint action has no application yet."))
    visited_on = _date(visited_on, _("visit date"))
    if visited_on < action.applied_on:
        raise UserFacingError(_("The joint visit cannot be dated before the application."))
    visitors = _text(visitors)
    if not visitors:
        raise UserFacingError(_("Say who went on the joint visit."))
    action.stage, action.visited_on, action.visitors = VISITED, visited_on, visitors
    return action


def close(action_id: int, outcome: str, collected: bool, user) -> JointAction:
    action = _get(action_id, user)
    if action.stage != VISITED:
        raise UserFacingError(_("A joint action is closed after its joint visit."))
    outcome = _text(outcome)
    if not outcome:
        raise UserFacingError(_("Say what the joint visit achieved."))
    action.stage, action.outcome, action.collected = CLOSED, outcome, bool(collected)
    action.closed_at, action.closed_by = utcnow(), user.username
    return action


def due_on(action: JointAction) -> Optional[dt.date]:
    return clock_rules.due_on(action.stage, action.escalated_on, action.applied_on, current_rules())


def overdue(action: JointAction) -> bool:
    return clock_rules.is_overdue(action.stage, action.escalated_on, action.applied_on, local_today(),
                                  current_rules())


def listing(user, open_only: bool = False) -> list[JointAction]:
    query = scoping.scoped_query(JointAction, user)
    if open_only:
        query = query.filter(JointAction.stage != CLOSED)
    return query.order_by(JointAction.escalated_on.desc(), JointAction.id.desc()).all()


def monthly_counts(year: int, month: int, user) -> dict[int, dict[str, int]]:
    """Per committee in scope: joint actions escalated in the month, and how many of those are closed."""
    first, last = month_bounds(year, month)
    query = (db.session.query(JointAction.committee_id, JointAction.stage, func.count(JointAction.id))
             .filter(JointAction.escalated_on >= first, JointAction.escalated_on <= last))
    query = scoping.restrict(query, JointAction.committee_id, user)
    out: dict[int, dict[str, int]] = {}
    for committee_id, stage, n in query.group_by(JointAction.committee_id, JointAction.stage):
        entry = out.setdefault(committee_id, {"escalated": 0, "closed": 0})
        entry["escalated"] += n
        if stage == CLOSED:
            entry["closed"] += n
    return out
