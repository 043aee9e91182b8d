"""Cross checks (交叉核查): a zone leader sends a member of his zone to a committee of another zone in a cross-check
month; the summary compares what the cross checks found with the committee's own checks."""
from __future__ import annotations

from sqlalchemy import func, select

from app.access import scoping
from app.access.roles import TEAM_MEMBER
from app.domain.months import month_bounds
from app.domain.monthly_table import CORRECT, CROSS_CHECK, SHOULD_CANCEL, SHOULD_REGISTER
from app.extensions import db
from app.models import Committee, PortalUser
from app.notifications.service import notify_cross_check
from app.settings import current_rules
from app.verification.models import CrossCheckAssignment, VerificationRecord
from app.verification.service.reach import VerificationRefused, role_names


def assign_cross_check(actor, member_id: int, committee_id: int, year: int, month: int) -> CrossCheckAssignment:
    """The zone leader sends a member of his zone to a committee of ANOTHER zone for a cross-check month."""
    rules = current_rules()
    if month not in rules.cross_check_months:
        raise VerificationRefused("not_cross_month")
    member = db.session.get(PortalUser, member_id) if member_id else None
    committee = db.session.get(Committee, committee_id) if committee_id else None
    if member is None or TEAM_MEMBER not in role_names(member) or member.zone_id is None:
        raise VerificationRefused("not_team_member")
    if committee is None:
        raise VerificationRefused("no_committee")
    own = db.session.scalars(select(Committee.id).where(Committee.zone_id == member.zone_id)).all()
    if not own or not all(scoping.can_see_committee(c, actor) for c in own):
        raise VerificationRefused("member_out_of_scope")
    if committee.zone_id == member.zone_id:
        raise VerificationRefused("own_zone")
    existing = (db.session.query(CrossCheckAssignment)
                .filter_by(user_id=member.id, committee_id=committee.id, year=year, month=month).one_or_none())
    if existing is not None:
        raise VerificationRefused("already_assigned")
    row = CrossCheckAssignment(user_id=member.id, committee_id=committee.id, year=year, month=month,
                               assigned_by_fk=getattr(actor, "id", None))
    db.session.add(row)
    notify_cross_check(row)  # the member learns of the assignment (issue 13)
    return row


def cross_check_summary(year: int, committee_ids=None) -> list[dict]:
    """互查: per committee, the cross checks of the year against the committee's own (non-cross) checks of the
    same months: how many, and the accuracy each found. A large gap says the committee's own checks miss things."""
    rules = current_rules()
    months = sorted(rules.cross_check_months)
    result = {}
    for month in months:
        first, last = month_bounds(year, month)
        rows = db.session.execute(
            select(VerificationRecord.committee_id, VerificationRecord.kind, VerificationRecord.result, func.count())
            .where(VerificationRecord.checked_on >= first, VerificationRecord.checked_on <= last)
            .group_by(VerificationRecord.committee_id, VerificationRecord.kind, VerificationRecord.result)).all()
        for committee_id, kind, res, n in rows:
            entry = result.setdefault(committee_id, {"cross": {}, "own": {}})
            bucket = entry["cross" if kind == CROSS_CHECK else "own"]
            bucket[res] = bucket.get(res, 0) + int(n)
    committees = db.session.query(Committee).order_by(Committee.seq)
    if committee_ids is not None:
        committees = committees.filter(Committee.id.in_(sorted(committee_ids) or [-1]))
    out = []
    for c in committees:
        entry = result.get(c.id, {"cross": {}, "own": {}})
        row = {"committee_id": c.id, "seq": c.seq, "name": c.name, "zone": c.zone.name if c.zone else ""}
        for side in ("cross", "own"):
            counts = entry[side]
            total = sum(counts.values())
            row[side] = {"total": total, "correct": counts.get(CORRECT, 0),
                         "should_register": counts.get(SHOULD_REGISTER, 0),
                         "should_cancel": counts.get(SHOULD_CANCEL, 0),
                         "accuracy": (counts.get(CORRECT, 0) / total) if total else None}
        a, b = row["cross"]["accuracy"], row["own"]["accuracy"]
        row["gap"] = (b - a) if a is not None and b is not None else None
        out.append(row)
    return out
