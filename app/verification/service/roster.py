"""The duty roster: each zone's day and night groups on the month's verification days (Wednesdays and Fridays by
default), with the police officer leading each."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import select

from app.access import scoping
from app.domain.months import days_on_weekdays, month_bounds
from app.domain.rules import Rules
from app.extensions import db
from app.models import Committee, PortalUser
from app.settings import current_rules
from app.verification.models import SHIFTS, RosterShift
from app.verification.service.reach import VerificationRefused, role_names


def verification_days(year: int, month: int, rules: Rules | None = None) -> list[dt.date]:
    """The month's verification days (Wednesdays and Fridays by default: rules.verification_weekdays)."""
    return days_on_weekdays(year, month, (rules or current_rules()).verification_weekdays)


def is_on_roster(zone_ids: set[int], day: dt.date, shift: Optional[str]) -> bool:
    """A roster shift of one of ``zone_ids`` exists that day (that shift, when one is given)."""
    zone_ids = {z for z in zone_ids if z is not None}
    if not zone_ids:
        return False
    query = select(RosterShift.id).where(RosterShift.zone_id.in_(zone_ids), RosterShift.day == day)
    if shift:
        query = query.where(RosterShift.shift == shift)
    return db.session.scalar(query.limit(1)) is not None


@dataclass
class ShiftPlan:
    """One row of the month's roster form: a zone's day or night group on one day. No members and no officer
    means no group that day."""

    day: dt.date
    shift: str
    member_ids: list[int] = field(default_factory=list)
    police_user_id: Optional[int] = None

    @property
    def empty(self) -> bool:
        return not self.member_ids and self.police_user_id is None


class RosterNotSaved(VerificationRefused):
    """Rows of the month's roster were refused, so nothing was saved. ``errors`` maps (day, shift) to each row's
    own refusal (the page shows it on that row and keeps what was typed)."""

    def __init__(self, errors: dict):
        super().__init__("roster_not_saved", count=len(errors))
        self.errors = errors


def _check_zone(actor, zone_id: Optional[int]) -> None:
    committees = db.session.scalars(select(Committee.id).where(Committee.zone_id == zone_id)).all() \
        if zone_id is not None else []
    if not committees or not all(scoping.can_see_committee(c, actor) for c in committees):
        raise VerificationRefused("zone_out_of_scope")


def _checked_group(zone_id: int, plan: ShiftPlan) -> list:
    """The plan's members as users, or the row's refusal: a known shift, members of the zone, a police officer."""
    if plan.shift not in SHIFTS:
        raise VerificationRefused("bad_shift")
    wanted = {i for i in plan.member_ids if i is not None}
    members = db.session.query(PortalUser).filter(PortalUser.id.in_(sorted(wanted))).all() if wanted else []
    if len(members) != len(wanted):
        raise VerificationRefused("unknown_member")
    for member in members:
        if member.zone_id != zone_id:
            raise VerificationRefused("member_other_zone", name=member.username)
    if plan.police_user_id is not None:
        police = db.session.get(PortalUser, plan.police_user_id) if 0 < plan.police_user_id < 2 ** 63 else None
        if police is None or "community_police" not in role_names(police):
            raise VerificationRefused("not_police")
    return members


def shifts_of_month(zone_id: int, year: int, month: int) -> dict[tuple[dt.date, str], RosterShift]:
    first, last = month_bounds(year, month)
    return {(row.day, row.shift): row for row in db.session.query(RosterShift).filter(
        RosterShift.zone_id == zone_id, RosterShift.day >= first, RosterShift.day <= last)}


def save_month(actor, zone_id: Optional[int], year: int, month: int, plans: list[ShiftPlan]) -> int:
    """One save for a zone's month: every row is checked first; if any is refused nothing is saved
    (RosterNotSaved names each refused row). Otherwise each row creates, replaces or (when empty) removes its
    group; rows the form did not carry are left as they are. A day off the verification weekdays is allowed (the
    roster may move a day) as long as it is in the month. Returns the number of groups the month now has."""
    _check_zone(actor, zone_id)
    first, last = month_bounds(year, month)
    errors: dict = {}
    checked = []
    for plan in plans:
        try:
            if not first <= plan.day <= last:
                raise VerificationRefused("day_outside_month")
            checked.append((plan, _checked_group(zone_id, plan)))
        except VerificationRefused as exc:
            errors[(plan.day, plan.shift)] = exc
    if errors:
        raise RosterNotSaved(errors)
    existing = shifts_of_month(zone_id, year, month)
    for plan, members in checked:
        row = existing.pop((plan.day, plan.shift), None)
        if plan.empty:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = RosterShift(zone_id=zone_id, day=plan.day, shift=plan.shift)
            db.session.add(row)
        row.members = members
        row.police_user_id = plan.police_user_id
        existing[(plan.day, plan.shift)] = row
    db.session.flush()
    return len(existing)
