"""Spot inspections (飞行检查, plan 三(三)): record one with its checklist, turn its findings into tasks for the
inspected committee, give a team member found working badly (工作不力) a talk, put findings right, and the year's
scores for the year's evaluation (评先创优). Adds to the session and never commits (the view commits)."""
from __future__ import annotations

import datetime as dt
import json
from typing import Iterable, Mapping, Optional

from flask_babel import gettext as _
from sqlalchemy import func

from app.access import scoping
from app.domain import inspection as checklist
from app.domain.clock import local_today, utcnow
from app.errors import UserFacingError
from app.extensions import db
from app.inspections.models import STATE_FIXED, STATE_OPEN, InspectionFinding
from app.models import Committee, PortalUser
from app.monthly.models import RUNG_SPOT_INSPECTION, TARGET_MEMBER, SpotInspection, Talk
from app.settings import current_rules
from app.access.roles import COMMITTEE_DIRECTOR, SOCIAL_WORKER, TEAM_MEMBER
from app.monthly.service import talk_issued
from app.notifications.service import committee_users, notify_many


def body_labels() -> dict[str, str]:
    return {checklist.BODY_OFFICE: _("Street population office"), checklist.BODY_POLICE: _("Police station"),
            checklist.BODY_PATROL: _("Citizens' patrol group")}


def unit_labels() -> dict[str, str]:
    return {checklist.UNIT_COMMITTEE: _("Committee's population service and management team"),
            checklist.UNIT_WORKSTATION: _("Service point")}


def item_labels() -> dict[str, str]:
    return {"register_accuracy": _("Population information accurate"),
            "changes_on_time": _("Changes collected and entered on time"),
            "monthly_verification": _("Monthly verification done"),
            "ledgers": _("Ledgers and forms kept"),
            "service_point": _("Service point serving residents")}


def _team_member_of(committee: Committee, user_id: int) -> Optional[PortalUser]:
    from flask_appbuilder.security.sqla.models import Role

    return (db.session.query(PortalUser)
            .filter(PortalUser.id == user_id, PortalUser.zone_id == committee.zone_id,
                    PortalUser.roles.any(Role.name == TEAM_MEMBER)).one_or_none())


def record_inspection(*, committee_id: int, body: str, unit: str, inspected_on: dt.date,
                      points: Mapping[str, float], findings: Iterable[str], weak_member_id: Optional[int],
                      note: str, user) -> SpotInspection:
    """One inspection with its checklist; each finding a task due in ``inspection_fix_days``. Everything is
    checked before anything is added, so a refusal leaves nothing behind."""
    if committee_id is None or not scoping.can_see_committee(committee_id, user):
        raise UserFacingError(_("Choose a residential committee."))
    committee = db.session.get(Committee, committee_id)
    if committee is None:
        raise UserFacingError(_("Choose a residential committee."))
    if body not in checklist.BODIES:
        raise UserFacingError(_("Say who inspected."))
    if unit not in checklist.UNITS:
        raise UserFacingError(_("Say which unit was inspected."))
    today = local_today()
    if inspected_on > today:
        raise UserFacingError(_("The inspection date cannot be in the future."))
    try:
        score = checklist.score(points)
    except checklist.ChecklistError as exc:
        label = item_labels().get(exc.code, exc.code)
        raise UserFacingError(_("%(item)s: give points from 0 to %(max)s.", item=label,
                                max=exc.max_points if exc.max_points is not None else "—")) from None
    texts = [t.strip() for t in findings if t and t.strip()]
    if any(len(t) > 500 for t in texts):
        raise UserFacingError(_("A finding has at most 500 characters."))
    member = None
    if weak_member_id is not None:
        member = _team_member_of(committee, weak_member_id)
        if member is None:
            raise UserFacingError(_("The team member found working badly must be a team member of the "
                                    "committee's zone."))
    rules = current_rules()
    row = SpotInspection(year=inspected_on.year, month=inspected_on.month, committee_id=committee.id,
                         inspected_on=inspected_on, inspector=body_labels()[body][:128], score=score,
                         note=(note or "").strip()[:500] or None, body=body, unit=unit,
                         checklist_json=json.dumps(dict(points), sort_keys=True),
                         weak_member_user_id=member.id if member else None,
                         recorded_by=getattr(user, "username", None))
    db.session.add(row)
    db.session.flush()
    due = inspected_on + dt.timedelta(days=rules.inspection_fix_days)
    made = [InspectionFinding(inspection_id=row.id, committee_id=committee.id, text=t, due_on=due, state=STATE_OPEN)
            for t in texts]
    db.session.add_all(made)
    _tell_committee(committee, row, len(made), due)
    if member is not None:
        _talk_for_weak_member(row, committee, member)
    return row


def _tell_committee(committee: Committee, row: SpotInspection, n_findings: int, due: dt.date) -> None:
    text = f"{row.inspected_on:%Y年%m月%d日}飞行检查（{row.inspector}）：{committee.name}得分{row.score:g}"
    if n_findings:
        text += f"，发现问题{n_findings}项，请于{due:%Y年%m月%d日}前整改"
    people = committee_users(committee.id, COMMITTEE_DIRECTOR) + committee_users(committee.id, SOCIAL_WORKER)
    notify_many(people, text, "/inspections/findings", committee_id=committee.id)


def _talk_for_weak_member(row: SpotInspection, committee: Committee, member: PortalUser) -> Talk:
    """约谈 of a team member found working badly in a spot inspection (plan 五): by the team's supervisor
    (综合协管队主管), on the member's ladder, outside the monthly ranking's recomputation."""
    name = (f"{member.first_name or ''}{member.last_name or ''}".strip() or member.username)[:128]
    times = db.session.query(func.count(Talk.id)).filter(
        Talk.year == row.year, Talk.member_user_id == member.id, Talk.superseded_at.is_(None)).scalar() + 1
    talk = Talk(year=row.year, month=row.month, target=TARGET_MEMBER, member_user_id=member.id, member_name=name,
                times_last=times, rung=1, rung_code=RUNG_SPOT_INSPECTION, kind="约谈",
                who_talks="综合协管队主管", participants="综合协管队主管", to_whom=f"综合协管队员{name}"[:128],
                reason=f"{row.inspected_on:%Y年%m月%d日}飞行检查发现工作不力、问题突出（{committee.name}）"[:500])
    db.session.add(talk)
    db.session.flush()
    talk_issued(talk)
    return talk


def fix_finding(finding_id: int, note: str, user) -> InspectionFinding:
    finding = db.session.get(InspectionFinding, finding_id)
    if finding is None or not scoping.can_see_committee(finding.committee_id, user):
        raise LookupError(finding_id)
    if finding.state != STATE_OPEN:
        raise UserFacingError(_("This finding has already been put right."))
    note = (note or "").strip()
    if not note:
        raise UserFacingError(_("Say how the finding was put right."))
    finding.state, finding.fixed_at, finding.fixed_by = STATE_FIXED, utcnow(), getattr(user, "username", None)
    finding.fix_note = note[:500]
    return finding


def inspections(year: int, user) -> list[SpotInspection]:
    query = scoping.scoped_query(SpotInspection, user).filter(SpotInspection.year == year)
    return query.order_by(SpotInspection.inspected_on.desc(), SpotInspection.id.desc()).all()


def findings(user, open_only: bool = False) -> list[InspectionFinding]:
    query = scoping.scoped_query(InspectionFinding, user)
    if open_only:
        query = query.filter(InspectionFinding.state == STATE_OPEN)
    return query.order_by(InspectionFinding.state, InspectionFinding.due_on, InspectionFinding.id).all()


def year_scores(year: int, user=None) -> dict[int, dict]:
    """Per committee: the year's inspections, their average score, per unit — the reference for the year's
    evaluation (检查成绩作为…年度评先创优的参考依据之一). ``user`` None: street-wide (the evaluation's task)."""
    query = db.session.query(SpotInspection.committee_id, SpotInspection.unit, func.count(SpotInspection.id),
                             func.avg(SpotInspection.score)).filter(SpotInspection.year == year)
    if user is not None:
        query = scoping.restrict(query, SpotInspection.committee_id, user)
    out: dict[int, dict] = {}
    for committee_id, unit, n, avg in query.group_by(SpotInspection.committee_id, SpotInspection.unit):
        entry = out.setdefault(committee_id, {"count": 0, "total": 0.0, "units": {}})
        entry["count"] += n
        entry["total"] += float(avg) * n
        entry["units"][unit or checklist.UNIT_COMMITTEE] = round(float(avg), 1)
    for entry in out.values():
        entry["average"] = round(entry.pop("total") / entry["count"], 1)
    return out
