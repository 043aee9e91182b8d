"""Verification transactions and read models. No ``g.user``: every function takes the acting user explicitly.
Nothing commits unless its docstring says so: the caller commits (one request = one transaction).

Scoping goes through app.scoping, with ONE explicit exception: ``may_verify`` also lets a team member verify in a
committee of another zone during a cross-check month he is assigned to it (CrossCheckAssignment).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from app import scoping
from app.domain.refusal import Refused
from app.access.roles import SOCIAL_WORKER, TEAM_MEMBER
from app.domain.idnumber import InvalidIdNumber, mask_id_number, parse_id_number
from app.domain.monthly_table import (
    CORRECT,
    CROSS_CHECK,
    MONTHLY_CHECK,
    SELF_DECLARED_CHECK,
    SHOULD_CANCEL,
    SHOULD_REGISTER,
    WINDOW_CHECK,
)
from app.domain import clock
from app.domain.rules import Rules
from app.extensions import db
from app.settings import current_rules
from app.verification.models import (
    DECLARATION_CANCEL_CASE,
    DECLARATION_FORWARDED,
    DECLARATION_MATCHED,
    DECLARATION_PENDING,
    DECLARATION_REGISTER_CASE,
    SHIFTS,
    WINDOW_CHECKED,
    WINDOW_PENDING,
    CrossCheckAssignment,
    RosterShift,
    SelfDeclaration,
    VerificationHouseYear,
    VerificationPersonYear,
    VerificationRecord,
    WindowApplicant,
    utcnow,
)
from app.models import Building, Committee, House, Person, PortalUser, Residence

UTC = dt.timezone.utc


class VerificationRefused(Refused):
    """A request verification refuses; ``code`` is translated by app.verification.messages."""


# -- time and rules ----------------------------------------------------------------------------------------------



def local_now(rules: Rules | None = None) -> dt.datetime:
    return clock.local_now(rules or current_rules())


def local_today(rules: Rules | None = None) -> dt.date:
    return clock.local_today(rules or current_rules())


def default_shift(rules: Rules | None = None) -> str:
    """Day group until 17:00 Shanghai time, night group after (a default; the page lets the team change it)."""
    return "night" if local_now(rules).hour >= 17 else "day"


def _role_names(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", [])} if user is not None else set()


# -- the one exception to scoping: assigned cross checks -----------------------------------------------------------

def assignment_for(user, committee_id: int, on_date: dt.date) -> Optional[CrossCheckAssignment]:
    if user is None or getattr(user, "id", None) is None:
        return None
    rules = current_rules()
    if on_date.month not in rules.cross_check_months:
        return None
    return (db.session.query(CrossCheckAssignment)
            .filter_by(user_id=user.id, committee_id=committee_id, year=on_date.year, month=on_date.month)
            .one_or_none())


def may_verify(user, committee_id: Optional[int], on_date: dt.date) -> bool:
    """``user`` may record a verification in ``committee_id`` on ``on_date``: the committee is in the user's scope
    (app.scoping), OR the user holds a cross-check assignment to it for that month (a cross-check month only)."""
    if committee_id is None or user is None:
        return False
    if scoping.can_see_committee(committee_id, user):
        return True
    return assignment_for(user, committee_id, on_date) is not None


def verifiable_committee_ids(user, on_date: dt.date) -> Optional[set[int]]:
    """None = every committee; else the committees in scope plus this month's cross-check assignments."""
    ids = scoping.visible_committee_ids(user)
    if ids is None:
        return None
    result = set(ids)
    if on_date.month in current_rules().cross_check_months and getattr(user, "id", None) is not None:
        result.update(db.session.scalars(select(CrossCheckAssignment.committee_id).where(
            CrossCheckAssignment.user_id == user.id, CrossCheckAssignment.year == on_date.year,
            CrossCheckAssignment.month == on_date.month)))
    return result


# -- the roster --------------------------------------------------------------------------------------------------

def verification_days(year: int, month: int, rules: Rules | None = None) -> list[dt.date]:
    """The month's verification days (Wednesdays and Fridays by default: rules.verification_weekdays)."""
    rules = rules or current_rules()
    day = dt.date(year, month, 1)
    days = []
    while day.month == month:
        if day.weekday() in rules.verification_weekdays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def is_on_roster(zone_ids: set[int], day: dt.date, shift: Optional[str]) -> bool:
    """A roster shift of one of ``zone_ids`` exists that day (that shift, when one is given)."""
    zone_ids = {z for z in zone_ids if z is not None}
    if not zone_ids:
        return False
    query = select(RosterShift.id).where(RosterShift.zone_id.in_(zone_ids), RosterShift.day == day)
    if shift:
        query = query.where(RosterShift.shift == shift)
    return db.session.scalar(query.limit(1)) is not None


def save_shift(actor, zone_id: int, day: dt.date, shift: str, member_ids: list[int],
               police_user_id: Optional[int]) -> RosterShift:
    """Create or replace one zone's group for one day and shift. A day off the verification weekdays is allowed
    (the roster may move a day), members must belong to the zone."""
    if shift not in SHIFTS:
        raise VerificationRefused("bad_shift")
    committees = db.session.scalars(select(Committee.id).where(Committee.zone_id == zone_id)).all()
    if not committees or not all(scoping.can_see_committee(c, actor) for c in committees):
        raise VerificationRefused("zone_out_of_scope")
    members = db.session.query(PortalUser).filter(PortalUser.id.in_(member_ids or [-1])).all() if member_ids else []
    for member in members:
        if member.zone_id != zone_id:
            raise VerificationRefused("member_other_zone", name=member.username)
    if police_user_id is not None:
        police = db.session.get(PortalUser, police_user_id)
        if police is None or "community_police" not in _role_names(police):
            raise VerificationRefused("not_police")
    row = db.session.query(RosterShift).filter_by(zone_id=zone_id, day=day, shift=shift).one_or_none()
    if row is None:
        row = RosterShift(zone_id=zone_id, day=day, shift=shift)
        db.session.add(row)
    row.members = members
    row.police_user_id = police_user_id
    return row


# -- marking -----------------------------------------------------------------------------------------------------

@dataclass
class Team:
    """Who is on the visit: the shift, the police officer, the other members, the PDA flag."""

    shift: Optional[str] = None
    police_user_id: Optional[int] = None
    member_ids: list[int] = field(default_factory=list)
    entered_into_pda: bool = False


def _kind_for(user, committee_id: int, day: dt.date, requested: str) -> str:
    """Monthly unless the user is on an assigned cross check in that committee (then it is a cross check, counted
    apart); window / self-declared checks keep their kind."""
    if requested in (WINDOW_CHECK, SELF_DECLARED_CHECK):
        return requested
    if assignment_for(user, committee_id, day) is not None:
        return CROSS_CHECK
    return MONTHLY_CHECK


def _users(ids) -> list:
    ids = sorted({int(i) for i in ids if i})
    return db.session.query(PortalUser).filter(PortalUser.id.in_(ids)).all() if ids else []


def check_team(user, committee, day: dt.date, team: Team) -> None:
    """The team named on a visit must be able to be there: the officer is community police of this committee or
    of its zone; each member is a coordination team member of the committee's zone, or assigned to this
    committee's cross check that month. Anything else (another committee's officer, any user id typed into the
    form) is refused, so a record never names people who were not entitled to be on it."""
    def _get(user_id):
        # An id beyond 64 bits names nobody (and must not reach the database as a parameter).
        return db.session.get(PortalUser, user_id) if isinstance(user_id, int) and 0 < user_id < 2 ** 63 else None

    if team.police_user_id is not None:
        police = _get(team.police_user_id)
        if (police is None or "community_police" not in _role_names(police)
                or not (police.zone_id == committee.zone_id or any(c.id == committee.id for c in police.committees))):
            raise VerificationRefused("police_not_here")
    for member_id in team.member_ids or []:
        if member_id == getattr(user, "id", None):
            continue  # the one recording is not a member of his own record
        member = _get(member_id)
        if member is None or "team_member" not in _role_names(member):
            raise VerificationRefused("not_team_member_here", name=getattr(member, "username", ""))
        if member.zone_id != committee.zone_id and assignment_for(member, committee.id, day) is None:
            raise VerificationRefused("member_not_here", name=member.username)


def _new_record(user, *, committee, house_id, day, result, kind, team: Team, person_id=None, found_name=None,
                found_id_number=None, note=None) -> VerificationRecord:
    if team.shift is not None and team.shift not in SHIFTS:
        raise VerificationRefused("bad_shift")
    check_team(user, committee, day, team)
    zones = {committee.zone_id, getattr(user, "zone_id", None)}
    record = VerificationRecord(
        checked_on=day, checked_at=utcnow(), committee_id=committee.id, house_id=house_id, person_id=person_id,
        found_name=found_name, found_id_number=found_id_number, result=result, kind=kind, shift=team.shift,
        police_user_id=team.police_user_id, recorded_by_fk=user.id, entered_into_pda=bool(team.entered_into_pda),
        on_roster=is_on_roster(zones, day, team.shift), note=note,
    )
    members = [u for u in _users(team.member_ids) if u.id != user.id]
    if members:
        record.members = members
    db.session.add(record)
    return record


def _flush_unique(record) -> None:
    """Flush; a duplicate mark (the partial unique indexes) becomes a clear refusal, the session stays usable."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise VerificationRefused("already_marked") from exc


def _open_case(committee_id, house_id, kind, *, actor, source, person_id=None, people_note="", note=""):
    """open_case of the change flow; an assigned cross-checker outside the committee's scope cannot open one
    there (the change flow scopes its actor), so the finding stays on the record for the committee to take up."""
    from app.changes import service as changes

    try:
        with db.session.begin_nested():
            return changes.open_case(committee_id, house_id, kind, actor=actor, source=source, person_id=person_id,
                                     people_note=people_note, note=note)
    except changes.CaseRefused as exc:
        if exc.code in ("out_of_scope", "person_out_of_scope"):
            return None
        raise VerificationRefused("case_refused", code=exc.code) from exc


def mark_person(user, person_id: int, result: str, *, team: Team, kind: str = MONTHLY_CHECK,
                day: dt.date | None = None) -> VerificationRecord:
    """One tap: a registered person checked at his house, correct or 应消未消 (should be cancelled). 应消未消 opens
    a move-out case for the person. Refuses a person without an active residence, a committee the user may not
    verify in, and a second mark of the same person on the same day with the same kind."""
    if result not in (CORRECT, SHOULD_CANCEL):
        raise VerificationRefused("bad_result")
    day = day or local_today()
    residence = (db.session.query(Residence)
                 .filter(Residence.person_id == person_id, Residence.end_date.is_(None)).one_or_none())
    if residence is None:
        raise VerificationRefused("no_person")
    if not may_verify(user, residence.committee_id, day):
        raise VerificationRefused("out_of_scope")
    committee = db.session.get(Committee, residence.committee_id)
    kind = _kind_for(user, committee.id, day, kind)
    duplicate = db.session.scalar(select(VerificationRecord.id).where(
        VerificationRecord.person_id == person_id, VerificationRecord.checked_on == day,
        VerificationRecord.kind == kind))
    if duplicate is not None:
        raise VerificationRefused("already_marked")
    record = _new_record(user, committee=committee, house_id=residence.house_id, day=day, result=result, kind=kind,
                         team=team, person_id=person_id)
    _flush_unique(record)
    if result == SHOULD_CANCEL:
        case = _open_case(committee.id, residence.house_id, "move_out", actor=user, source="verification",
                          person_id=person_id, note=_case_note(kind))
        if case is not None:
            db.session.flush()
            record.change_case_id = case.id
    return record


def _case_note(kind: str) -> str:
    from flask_babel import gettext as _

    labels = {MONTHLY_CHECK: _("Found in the monthly verification"), CROSS_CHECK: _("Found in a cross check"),
              WINDOW_CHECK: _("Found verifying a window case"),
              SELF_DECLARED_CHECK: _("Found checking a self-declaration")}
    return str(labels.get(kind, ""))


def check_id_number(value: str, today: dt.date | None = None):
    """The parsed ID number (sex, birth date derived) or InvalidIdNumber (translated by app.errors)."""
    return parse_id_number(value or "", today or local_today())


def mark_found(user, house_id: int, name: str, id_number: str, *, team: Team, kind: str = MONTHLY_CHECK,
               day: dt.date | None = None) -> VerificationRecord:
    """应登未登: someone found living at ``house_id`` who is not registered there. Opens a move-in case."""
    day = day or local_today()
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise VerificationRefused("bad_name")
    info = check_id_number(id_number, day)  # InvalidIdNumber propagates: the view shows app.errors' message
    house = db.session.get(House, house_id) if house_id is not None else None
    if house is None:
        raise VerificationRefused("no_house")
    if not may_verify(user, house.committee_id, day):
        raise VerificationRefused("out_of_scope")
    registered_here = db.session.scalar(
        select(Residence.id).join(Person, Person.id == Residence.person_id)
        .where(Person.id_number == info.number, Residence.house_id == house.id, Residence.end_date.is_(None)))
    if registered_here is not None:
        raise VerificationRefused("registered_here")
    kind = _kind_for(user, house.committee_id, day, kind)
    duplicate = db.session.scalar(select(VerificationRecord.id).where(
        VerificationRecord.found_id_number == info.number, VerificationRecord.checked_on == day,
        VerificationRecord.kind == kind))
    if duplicate is not None:
        raise VerificationRefused("already_marked")
    record = _new_record(user, committee=house.committee, house_id=house.id, day=day, result=SHOULD_REGISTER,
                         kind=kind, team=team, found_name=name, found_id_number=info.number)
    _flush_unique(record)
    case = _open_case(house.committee_id, house.id, "move_in", actor=user, source="verification",
                      people_note=f"{name} {mask_id_number(info.number)}", note=_case_note(kind))
    if case is not None:
        db.session.flush()
        record.change_case_id = case.id
    return record


# -- the sweep page's data -----------------------------------------------------------------------------------------

def committees_for_sweep(user, day: dt.date):
    ids = verifiable_committee_ids(user, day)
    query = db.session.query(Committee)
    if ids is not None:
        query = query.filter(Committee.id.in_(sorted(ids) or [-1]))
    return query.order_by(Committee.seq).all()


def buildings_of(committee_id: int) -> list[dict]:
    """The committee's buildings with their number of registered persons and rooms."""
    persons = dict(db.session.execute(
        select(House.building_id, func.count(Residence.id)).join(Residence, Residence.house_id == House.id)
        .where(House.committee_id == committee_id, Residence.end_date.is_(None)).group_by(House.building_id)).all())
    rows = db.session.execute(select(Building.id, Building.name).where(Building.committee_id == committee_id)
                              .order_by(Building.name, Building.id)).all()
    return [{"id": b, "name": n, "persons": int(persons.get(b, 0))} for b, n in rows]


def building_rooms(building_id: int, day: dt.date, kinds: tuple[str, ...]) -> list[dict]:
    """Rooms of a building, each with the persons registered there (active residences) and today's marks."""
    houses = db.session.execute(select(House.id, House.room, House.address).where(House.building_id == building_id)
                                .order_by(House.room, House.id)).all()
    people = db.session.execute(
        select(Residence.house_id, Person.id, Person.name, Person.sex, Person.birth_date, Person.id_number)
        .join(Person, Person.id == Residence.person_id).join(House, House.id == Residence.house_id)
        .where(House.building_id == building_id, Residence.end_date.is_(None))
        .order_by(Residence.house_id, Person.name, Person.id)).all()
    marks = db.session.execute(
        select(VerificationRecord.house_id, VerificationRecord.person_id, VerificationRecord.found_name,
               VerificationRecord.result)
        .join(House, House.id == VerificationRecord.house_id)
        .where(House.building_id == building_id, VerificationRecord.checked_on == day,
               VerificationRecord.kind.in_(kinds))
        .order_by(VerificationRecord.id)).all()
    by_person = {p: r for _h, p, _n, r in marks if p is not None}
    found: dict[int, list] = {}
    for h, p, n, r in marks:
        if p is None:
            found.setdefault(h, []).append({"name": n, "result": r})
    rooms: dict[int, dict] = {h: {"id": h, "room": room, "address": address, "persons": [],
                                  "found": found.get(h, [])} for h, room, address in houses}
    for h, pid, name, sex, birth, number in people:
        rooms[h]["persons"].append({"id": pid, "name": name, "sex": sex, "age": day.year - birth.year,
                                    "id_masked": mask_id_number(number), "result": by_person.get(pid)})
    return list(rooms.values())


# -- quota and coverage --------------------------------------------------------------------------------------------

def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt


def monthly_counts(year: int, month: int, committee_ids=None) -> dict[int, int]:
    """Persons checked this month per committee under the monthly table's counting rule, which lives in one place
    (app.monthly.table): a person once per committee per month, keyed by person or normalised ID number, every
    kind counting except cross checks (DOMAIN.md)."""
    from app.monthly.table import counts_direct

    wanted = None if committee_ids is None else set(committee_ids)
    return {cid: c.total for cid, c in counts_direct(db.session.connection(), year, month).items()
            if c.total and (wanted is None or cid in wanted)}


def coverage(year: int, committee_ids=None, *, today: dt.date | None = None) -> list[dict]:
    """Per committee (table order): this month's checked count against the quota, and this year's coverage:
    houses and registered persons verified at least once since 1 January.

    Visited houses and persons are counted from the first-visit tables (VerificationHouseYear / PersonYear, one row
    per year, committee and house / person, kept by a flush hook): a GROUP BY over their primary key, instead of
    COUNT(DISTINCT) over a year of records (measured 0.8 s + 0.4 s on SQLite at 1,000,000 records).
    The person share divides persons verified this year in the committee by the persons registered there now
    (capped at 100%: someone verified and since moved away counts until the year ends)."""
    rules = current_rules()
    today = today or local_today(rules)
    committees = db.session.query(Committee).order_by(Committee.seq)
    if committee_ids is not None:
        committees = committees.filter(Committee.id.in_(sorted(committee_ids) or [-1]))
    committees = committees.all()
    ids = [c.id for c in committees]
    houses = dict(db.session.execute(select(House.committee_id, func.count()).where(House.committee_id.in_(ids or [-1]))
                                     .group_by(House.committee_id)).all())
    persons = dict(db.session.execute(
        select(Residence.committee_id, func.count()).where(Residence.committee_id.in_(ids or [-1]),
                                                           Residence.end_date.is_(None))
        .group_by(Residence.committee_id)).all())
    houses_seen = dict(db.session.execute(
        select(VerificationHouseYear.committee_id, func.count())
        .where(VerificationHouseYear.year == year, VerificationHouseYear.committee_id.in_(ids or [-1]))
        .group_by(VerificationHouseYear.committee_id)).all())
    persons_seen = dict(db.session.execute(
        select(VerificationPersonYear.committee_id, func.count())
        .where(VerificationPersonYear.year == year, VerificationPersonYear.committee_id.in_(ids or [-1]))
        .group_by(VerificationPersonYear.committee_id)).all())
    month = monthly_counts(today.year, today.month, ids) if today.year == year else {}
    quota = rules.monthly_quota_per_committee
    rows = []
    for c in committees:
        h, p = int(houses.get(c.id, 0)), int(persons.get(c.id, 0))
        hs, ps = int(houses_seen.get(c.id, 0)), min(int(persons_seen.get(c.id, 0)), int(persons.get(c.id, 0)))
        checked = int(month.get(c.id, 0))
        rows.append({
            "committee_id": c.id, "seq": c.seq, "name": c.name, "zone": c.zone.name if c.zone else "",
            "checked": checked, "quota": quota, "under_quota": checked < quota,
            "houses": h, "houses_seen": hs, "house_share": (hs / h) if h else None,
            "persons": p, "persons_seen": ps, "person_share": (ps / p) if p else None,
        })
    return rows


def unvisited_houses(committee_id: int, year: int, page: int = 0, page_size: int = 50):
    """Houses of a committee with no verification since 1 January, by building and room; (total, rows)."""
    visited = exists().where(VerificationHouseYear.year == year, VerificationHouseYear.committee_id == committee_id,
                             VerificationHouseYear.house_id == House.id)
    base = select(House.id).where(House.committee_id == committee_id, ~visited)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(
        select(House.id, Building.name, House.room, House.address).join(Building, Building.id == House.building_id)
        .where(House.committee_id == committee_id, ~visited)
        .order_by(Building.name, House.room, House.id).limit(page_size).offset(page * page_size)).all()
    return int(total or 0), [{"id": i, "building": b, "room": r, "address": a} for i, b, r, a in rows]


# -- cross checks --------------------------------------------------------------------------------------------------

def assign_cross_check(actor, member_id: int, committee_id: int, year: int, month: int) -> CrossCheckAssignment:
    """The zone leader sends a member of his zone to a committee of ANOTHER zone for a cross-check month."""
    rules = current_rules()
    if month not in rules.cross_check_months:
        raise VerificationRefused("not_cross_month")
    member = db.session.get(PortalUser, member_id) if member_id else None
    committee = db.session.get(Committee, committee_id) if committee_id else None
    if member is None or TEAM_MEMBER not in _role_names(member) or member.zone_id is None:
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
    from app.notifications.service import notify_cross_check

    notify_cross_check(row)  # the member learns of the assignment (issue 13)
    return row


def cross_check_summary(year: int, committee_ids=None) -> list[dict]:
    """互查: per committee, the cross checks of the year against the committee's own (non-cross) checks of the
    same months: how many, and the accuracy each found. A large gap says the committee's own checks miss things."""
    rules = current_rules()
    months = sorted(rules.cross_check_months)
    result = {}
    for month in months:
        first, nxt = month_bounds(year, month)
        rows = db.session.execute(
            select(VerificationRecord.committee_id, VerificationRecord.kind, VerificationRecord.result, func.count())
            .where(VerificationRecord.checked_on >= first, VerificationRecord.checked_on < nxt)
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


# -- self-declaration ----------------------------------------------------------------------------------------------

def address_key(house_id: Optional[int], address: str) -> str:
    if house_id is not None:
        return f"house:{house_id}"
    return "text:" + "".join((address or "").split()).lower()[:240]


def declare(committee, *, house_id: Optional[int], address: str, name: str, id_number: str,
            move_in_date: Optional[dt.date]) -> SelfDeclaration:
    """A resident's self-declaration from the public page. Refuses an invalid ID number (InvalidIdNumber), a house
    of another committee, a move-in date in the future and, past DECLARATIONS_PER_ADDRESS_PER_DAY today, more
    declarations for the same address (a flood)."""
    today = local_today()
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise VerificationRefused("bad_name")
    info = check_id_number(id_number, today)
    house = None
    if house_id is not None:
        house = db.session.get(House, house_id)
        if house is None or house.committee_id != committee.id:
            raise VerificationRefused("no_house")
        address = house.address
    address = (address or "").strip()[:255]
    if not address:
        raise VerificationRefused("no_address")
    if move_in_date is not None and move_in_date > today:
        raise VerificationRefused("future_date")
    key = address_key(house.id if house else None, address)
    limit = int(current_app.config.get("VERIFICATION_DECLARATIONS_PER_ADDRESS_PER_DAY", 10))
    rules = current_rules()
    day_start = dt.datetime.combine(today, dt.time(0), rules.zone).astimezone(UTC).replace(tzinfo=None)
    count = db.session.scalar(select(func.count()).select_from(SelfDeclaration).where(
        SelfDeclaration.address_key == key, SelfDeclaration.created_at >= day_start))
    if count >= limit:
        raise VerificationRefused("flood")
    duplicate = db.session.scalar(select(SelfDeclaration.id).where(
        SelfDeclaration.address_key == key, SelfDeclaration.id_number == info.number,
        SelfDeclaration.status == DECLARATION_PENDING))
    if duplicate is not None:
        raise VerificationRefused("already_declared")
    row = SelfDeclaration(committee_id=committee.id, house_id=house.id if house else None, address=address,
                          address_key=key, name=name, id_number=info.number, move_in_date=move_in_date)
    db.session.add(row)
    return row


def _existing_record(person_id, found_id_number, day, kind):
    where = [VerificationRecord.checked_on == day, VerificationRecord.kind == kind]
    if person_id is not None:
        where.append(VerificationRecord.person_id == person_id)
    else:
        where.append(VerificationRecord.found_id_number == found_id_number)
    return db.session.query(VerificationRecord).filter(*where).one_or_none()


def _check_against_register(user, *, committee_id, house_id, name, id_number, kind, team: Team | None = None):
    """The workstation's check of a declared / applied (name, ID, house): returns (result, record, case).
    Matches the register at that house → correct; registered elsewhere (or no longer) → should_cancel with a
    cancellation case where the person is registered; not registered at all → should_register with a
    registration case at the declared house."""
    day = local_today()
    committee = db.session.get(Committee, committee_id)
    team = team or Team()
    source = "self_declaration" if kind == SELF_DECLARED_CHECK else "window"
    # Through the worker's scope only: a number registered in another committee is never read here (the caller
    # forwards it first); a person of no committee counts as not registered.
    match = scoping.find_by_natural_key(Person, Person.id_number, id_number, user)
    if match.elsewhere and match.committee_id is not None:
        raise VerificationRefused("out_of_scope")
    person = match.row
    residence = None
    if person is not None:
        residence = (db.session.query(Residence)
                     .filter(Residence.person_id == person.id, Residence.end_date.is_(None)).one_or_none())
    if person is not None and residence is not None and house_id is not None and residence.house_id == house_id:
        result, case = CORRECT, None
    elif person is not None and residence is not None:
        result = SHOULD_CANCEL
        if not scoping.can_see_committee(residence.committee_id, user):
            raise VerificationRefused("out_of_scope")  # never a case in a committee the worker does not see
        from app.changes import service as changes

        with db.session.begin_nested():
            case = changes.open_case(residence.committee_id, residence.house_id, "move_out", actor=user,
                                     source=source, person_id=person.id, note=_case_note(kind))
    else:
        result = SHOULD_REGISTER
        case = _open_case(committee_id, house_id, "move_in", actor=user, source=source,
                          people_note=f"{name} {mask_id_number(id_number)}", note=_case_note(kind))
    use_person = person.id if person is not None and result != SHOULD_REGISTER else None
    record = _existing_record(use_person, None if use_person else id_number, day, kind)
    if record is None:
        record = _new_record(user, committee=committee, house_id=house_id, day=day, result=result, kind=kind,
                             team=team, person_id=use_person,
                             found_name=None if use_person else name,
                             found_id_number=None if use_person else id_number)
        _flush_unique(record)
    if case is not None:
        db.session.flush()
        record.change_case_id = record.change_case_id or case.id
    return result, record, case


def _forward_declaration(user, declaration: SelfDeclaration, committee_id: int) -> SelfDeclaration:
    """The declaration goes to the workstation of the committee where the number is registered: a new pending
    row there (the resident's own words: name, number, the address he declared), nothing read or recorded here.
    That committee's social workers are told."""
    from app.access.users import users_with_role
    from app.audit import recorder
    from app.changes.service import notify

    copy = SelfDeclaration(committee_id=committee_id, house_id=None, address=declaration.address,
                           # its own key: a forwarded row does not count against the declaring address's daily cap
                           address_key=f"forwarded:{declaration.id}", name=declaration.name,
                           id_number=declaration.id_number, move_in_date=declaration.move_in_date,
                           forwarded_from_id=declaration.id)
    db.session.add(copy)
    db.session.flush()
    declaration.status = DECLARATION_FORWARDED
    declaration.processed_at = utcnow()
    declaration.processed_by_fk = user.id
    for worker in users_with_role(SOCIAL_WORKER, committee_id=committee_id):
        notify(worker.id, f"居民自主申报 #{copy.id} 已转至本居民区工作站（申报人户籍登记在本居民区）",
               "/verification/workstation/declarations")
    recorder.record("declaration_forwarded", model="SelfDeclaration", record_id=declaration.id,
                    committee_id=declaration.committee_id, detail=f"to=#{copy.id}", commit=False)
    return copy


def process_declaration(user, declaration: SelfDeclaration) -> SelfDeclaration:
    """Check one queued self-declaration against the register (see _check_against_register). A number
    registered in another committee is forwarded to that committee's workstation (status "forwarded")."""
    if declaration.status != DECLARATION_PENDING:
        raise VerificationRefused("already_processed")
    if not scoping.can_see_committee(declaration.committee_id, user):
        raise VerificationRefused("out_of_scope")

    match = scoping.find_by_natural_key(Person, Person.id_number, declaration.id_number, user)
    if match.elsewhere and match.committee_id is not None:
        _forward_declaration(user, declaration, match.committee_id)
        return declaration
    # A forwarded declaration's house (if any) belongs to the declaring committee: it is not this one's to record.
    result, record, case = _check_against_register(
        user, committee_id=declaration.committee_id,
        house_id=declaration.house_id if declaration.forwarded_from_id is None else None, name=declaration.name,
        id_number=declaration.id_number, kind=SELF_DECLARED_CHECK)
    declaration.status = {CORRECT: DECLARATION_MATCHED, SHOULD_CANCEL: DECLARATION_CANCEL_CASE,
                          SHOULD_REGISTER: DECLARATION_REGISTER_CASE}[result]
    declaration.processed_at = utcnow()
    declaration.processed_by_fk = user.id
    declaration.verification_record_id = record.id
    declaration.change_case_id = case.id if case is not None else None
    return declaration


# -- window cases ------------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    added: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_window_csv(user, committee_id: int, data: bytes) -> ImportResult:
    """Window cases from a CSV (name, ID number, address; a header row is skipped). Bad rows are reported by line
    with a Chinese message; good rows are kept. An address that matches a house of the committee links it."""
    from flask_babel import gettext as _

    from app.errors import id_number_message

    if not scoping.can_see_committee(committee_id, user):
        raise VerificationRefused("out_of_scope")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise VerificationRefused("bad_file") from exc
    result = ImportResult()
    today = local_today()
    seen: set[str] = set(db.session.scalars(select(WindowApplicant.id_number).where(
        WindowApplicant.committee_id == committee_id, WindowApplicant.status == WINDOW_PENDING)))
    houses = dict(db.session.execute(select(House.address, House.id).where(House.committee_id == committee_id)).all())
    for line_no, row in _csv_rows(text, result):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if line_no == 1 and cells and cells[0] in ("姓名", "name", "Name"):
            continue
        if len(cells) < 3:
            result.errors.append((line_no, _("A row needs a name, an ID number and an address.")))
            continue
        name, number, address = cells[0], cells[1], cells[2]
        if not name or len(name) > 64:
            result.errors.append((line_no, _("The name is missing or too long.")))
            continue
        try:
            info = parse_id_number(number, today)
        except InvalidIdNumber as exc:
            result.errors.append((line_no, id_number_message(exc)))
            continue
        if not address or len(address) > 255:
            result.errors.append((line_no, _("The address is missing or too long.")))
            continue
        if info.number in seen:
            result.errors.append((line_no, _("This person is already on the list.")))
            continue
        seen.add(info.number)
        db.session.add(WindowApplicant(committee_id=committee_id, house_id=houses.get(address), name=name,
                                       id_number=info.number, address=address, imported_by_fk=user.id))
        result.added += 1
    return result


def _csv_rows(text: str, result: ImportResult):
    """(line number, cells) of a CSV text. A row csv cannot read (a field over csv's limit, 131,072 characters; a NUL
    byte) ends the reading with a message for that line; the rows before it stand, like any other bad line."""
    from flask_babel import gettext as _

    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            result.errors.append((reader.line_num, _("This line cannot be read (a field longer than %(max)s "
                                                     "characters, or a control character); the rest of the file "
                                                     "was not read.", max=csv.field_size_limit())))
            return
        yield reader.line_num, row


def add_window_applicant(user, committee_id: int, name: str, id_number: str, address: str) -> WindowApplicant:
    res = import_window_csv(user, committee_id, _csv_line(name, id_number, address))
    if res.errors:
        raise VerificationRefused("bad_row", message=res.errors[0][1])
    db.session.flush()
    return (db.session.query(WindowApplicant).filter_by(committee_id=committee_id)
            .order_by(WindowApplicant.id.desc()).first())


def _csv_line(*cells) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(["name", "id", "address"])
    csv.writer(out).writerow(cells)
    return out.getvalue().encode("utf-8")


def verify_window(user, applicant: WindowApplicant, *, lives_there: bool, team: Team) -> VerificationRecord:
    """A window case checked at home. Living there: registered there → correct; not registered there → 应登未登
    (registration case). Not living there but registered there → 应消未消 (cancellation case). Neither living
    nor registered there: nothing to record (refused, the applicant stays on the list)."""
    if applicant.status != WINDOW_PENDING:
        raise VerificationRefused("already_processed")
    day = local_today()
    if not may_verify(user, applicant.committee_id, day):
        raise VerificationRefused("out_of_scope")
    person = db.session.query(Person).filter(Person.id_number == applicant.id_number).one_or_none()
    residence = None
    if person is not None:
        residence = (db.session.query(Residence)
                     .filter(Residence.person_id == person.id, Residence.end_date.is_(None)).one_or_none())
    registered_here = residence is not None and applicant.house_id is not None and residence.house_id == applicant.house_id
    if lives_there and registered_here:
        record = mark_person(user, person.id, CORRECT, team=team, kind=WINDOW_CHECK, day=day)
    elif lives_there:
        if applicant.house_id is None:
            raise VerificationRefused("no_house")
        record = mark_found(user, applicant.house_id, applicant.name, applicant.id_number, team=team,
                            kind=WINDOW_CHECK, day=day)
    elif registered_here:
        record = mark_person(user, person.id, SHOULD_CANCEL, team=team, kind=WINDOW_CHECK, day=day)
    else:
        raise VerificationRefused("nothing_to_verify")
    applicant.status = WINDOW_CHECKED
    applicant.verification_record_id = record.id
    return record
