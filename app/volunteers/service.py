"""The volunteer register, its points, visits and commendations. Scoped through app.access.scoping; never commits."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from sqlalchemy import func, select

from app.access import scoping
from app.domain import clock
from app.domain import volunteers as rules_of
from app.domain.quicksearch import PHONE, classify
from app.domain.volunteers import VolunteerRefused
from app.extensions import db
from app.settings import current_rules
from app.volunteers.models import Volunteer, VolunteerCommendation, VolunteerVisit
from app.changes.models import ChangeCase
from app.crime.models import LEAD_CONFIRMED, CrimeLead
from app.models import Building, Committee, PortalUser


actor_name = rules_of.person_name


def _text(value, code: str, limit: int, required: bool = True) -> Optional[str]:
    return rules_of.cleaned(value, code, limit, VolunteerRefused, required)


def _phone(value) -> Optional[str]:
    raw = (value or "").strip()
    if not raw:
        return None
    query = classify(raw)
    if query is None or query.kind != PHONE:
        raise VolunteerRefused("phone_invalid")
    return query.value


def get(volunteer_id: int, user) -> Volunteer:
    """The volunteer if ``user`` sees his committee; LookupError otherwise (a 404, no hint it exists)."""
    row = db.session.get(Volunteer, volunteer_id)
    if row is None or not scoping.can_see_committee(row.committee_id, user):
        raise LookupError(volunteer_id)
    return row


def add(*, committee_id: Optional[int], name, role, phone, building_id: Optional[int], user_id: Optional[int],
        user) -> Volunteer:
    if committee_id is None or not scoping.can_see_committee(committee_id, user) \
            or db.session.get(Committee, committee_id) is None:
        raise VolunteerRefused("committee_not_yours")
    name = _text(name, "name", 64)
    if role not in rules_of.VOLUNTEER_ROLES:
        raise VolunteerRefused("unknown_role")
    phone = _phone(phone)
    if building_id is not None:
        building = db.session.get(Building, building_id)
        if building is None or building.committee_id != committee_id:
            raise VolunteerRefused("building_not_in_committee")
    if user_id is not None:
        account = db.session.get(PortalUser, user_id)
        if account is None or committee_id not in {c.id for c in account.committees}:
            raise VolunteerRefused("account_not_in_committee")
    if phone is not None:
        match = find_by_phone(phone, user)
        if match.found and match.row.committee_id == committee_id:
            raise VolunteerRefused("phone_registered")
    row = Volunteer(committee_id=committee_id, name=name, role=role, phone=phone, building_id=building_id,
                    user_id=user_id, active=True, created_by=actor_name(user))
    db.session.add(row)
    db.session.flush()
    return row


def set_active(volunteer_id: int, active: bool, user) -> Volunteer:
    row = get(volunteer_id, user)
    row.active = bool(active)
    return row


def find_by_phone(phone: str, user):
    """The one scoped lookup by phone (app.access.scoping.find_by_natural_key): the row in scope, else only whether a
    volunteer of another committee has the number."""
    return scoping.find_by_natural_key(Volunteer, Volunteer.phone, phone, user)


def register(user, committee_id: Optional[int] = None, q: str = "", active_only: bool = False,
             limit: Optional[int] = 2000) -> list[Volunteer]:
    """The register in scope, in the committees' order (a screen shows at most ``limit``; None: every row)."""
    query = scoping.scoped_query(Volunteer, user)
    if committee_id is not None:
        query = query.filter(Volunteer.committee_id == committee_id)
    if active_only:
        query = query.filter(Volunteer.active.is_(True))
    text = (q or "").strip()
    if text:
        wanted = classify(text)
        if wanted is not None and wanted.kind == PHONE:
            query = query.filter(Volunteer.phone == wanted.value)
        else:
            query = query.filter(Volunteer.name.contains(text[:64], autoescape=True))

    query = query.join(Committee, Committee.id == Volunteer.committee_id).order_by(Committee.seq, Volunteer.name,
                                                                                   Volunteer.id)
    return (query.limit(limit) if limit else query).all()


# -- points ----------------------------------------------------------------------------------------------------------

def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = current_rules().zone
    return (clock.naive(dt.datetime(year, 1, 1, tzinfo=zone)), clock.naive(dt.datetime(year + 1, 1, 1, tzinfo=zone)))


def counts(year: int, volunteer_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(reports entered, leads confirmed) in ``year`` per volunteer: four queries whatever the number.

    A report counts when its change case was entered in the year (it turned out right; withdrawn cases never
    are); it is the volunteer's when he filed it from his account, or, for a volunteer with no account, when the
    case names him as reporter in his committee. A lead counts when the police confirmed it in the year and it
    names him as reporter in his committee. The year's cases and leads are grouped by (committee, reporter) first
    and matched to the volunteers after: a join per volunteer took seconds at 2,000 volunteers (bench/)."""
    ids = sorted(set(volunteer_ids))
    if not ids:
        return {}
    people = db.session.execute(select(Volunteer.id, Volunteer.committee_id, Volunteer.name, Volunteer.user_id)
                                .where(Volunteer.id.in_(ids))).all()
    accounts = sorted({p.user_id for p in people if p.user_id is not None})
    names = sorted({p.name for p in people})
    start, end = _year_bounds(year)
    entered = (ChangeCase.entered_at >= start, ChangeCase.entered_at < end, ChangeCase.withdrawn_at.is_(None))
    by_account = {(c, u): n for c, u, n in db.session.execute(
        select(ChangeCase.committee_id, ChangeCase.reported_by_fk, func.count())
        .where(*entered, ChangeCase.reported_by_fk.in_(accounts or [-1]))
        .group_by(ChangeCase.committee_id, ChangeCase.reported_by_fk))}
    by_name = {(c, name): n for c, name, n in db.session.execute(
        select(ChangeCase.committee_id, ChangeCase.reported_by_name, func.count())
        .where(*entered, ChangeCase.reported_by_name.in_(names))
        .group_by(ChangeCase.committee_id, ChangeCase.reported_by_name))}
    leads = {(c, name): n for c, name, n in db.session.execute(
        select(CrimeLead.committee_id, CrimeLead.reporter_name, func.count())
        .where(CrimeLead.state == LEAD_CONFIRMED, CrimeLead.verified_at >= start, CrimeLead.verified_at < end,
               CrimeLead.reporter_name.in_(names))
        .group_by(CrimeLead.committee_id, CrimeLead.reporter_name))}
    out = {}
    for p in people:
        reports = by_account.get((p.committee_id, p.user_id), 0) if p.user_id is not None \
            else by_name.get((p.committee_id, p.name), 0)
        out[p.id] = (int(reports), int(leads.get((p.committee_id, p.name), 0)))
    return out


def standings(year: int, user, committee_id: Optional[int] = None) -> list[rules_of.Standing]:
    """The volunteers in scope with their year's points, ranked (the commendation list)."""
    rows = register(user, committee_id, limit=None)  # the whole list: the office chooses from every volunteer
    got = counts(year, [v.id for v in rows])
    rules = current_rules()
    return rules_of.ranked(
        rules_of.Standing(v.id, v.name, v.committee.seq, got[v.id][0], got[v.id][1],
                          rules_of.points(got[v.id][0], got[v.id][1], rules)) for v in rows)


# -- half-yearly visits (慰问) ----------------------------------------------------------------------------------------

def visits(year: int, volunteer_ids: Iterable[int]) -> dict[tuple[int, int], VolunteerVisit]:
    ids = sorted(set(volunteer_ids))
    if not ids:
        return {}
    rows = db.session.scalars(select(VolunteerVisit).where(VolunteerVisit.year == year,
                                                          VolunteerVisit.volunteer_id.in_(ids))).all()
    return {(v.volunteer_id, v.half): v for v in rows}


def _visit_row(volunteer: Volunteer, year: int, half: int) -> VolunteerVisit:
    if half not in (1, 2) or not 2000 <= year <= 2100:
        raise VolunteerRefused("unknown_half")
    row = db.session.scalar(select(VolunteerVisit).where(VolunteerVisit.volunteer_id == volunteer.id,
                                                         VolunteerVisit.year == year, VolunteerVisit.half == half))
    if row is None:
        row = VolunteerVisit(volunteer_id=volunteer.id, committee_id=volunteer.committee_id, year=year, half=half)
        db.session.add(row)
    return row


def plan_visit(volunteer_id: int, year: int, half: int, planned_on: Optional[dt.date], user) -> VolunteerVisit:
    volunteer = get(volunteer_id, user)
    if planned_on is None:
        raise VolunteerRefused("date_required")
    first, last = rules_of.half_bounds(year, half) if half in (1, 2) else (None, None)
    if first is None or not first <= planned_on <= last:
        raise VolunteerRefused("date_outside_half")
    row = _visit_row(volunteer, year, half)
    row.planned_on, row.recorded_by = planned_on, actor_name(user)
    return row


def record_visit(volunteer_id: int, year: int, half: int, visited_on: Optional[dt.date], visitors, note,
                 user) -> VolunteerVisit:
    volunteer = get(volunteer_id, user)
    if visited_on is None:
        raise VolunteerRefused("date_required")
    if half not in (1, 2):
        raise VolunteerRefused("unknown_half")
    first, last = rules_of.half_bounds(year, half)
    if not first <= visited_on <= last:
        raise VolunteerRefused("date_outside_half")
    if visited_on > clock.local_today(current_rules()):
        raise VolunteerRefused("date_in_future")
    visitors = _text(visitors, "visitors", 200)
    note = _text(note, "note", 500, required=False)
    row = _visit_row(volunteer, year, half)
    row.visited_on, row.visitors, row.note, row.recorded_by = visited_on, visitors, note, actor_name(user)
    return row


# -- the year's commendations ----------------------------------------------------------------------------------------

def commend(year: int, volunteer_ids: Iterable[int], user) -> list[VolunteerCommendation]:
    """The office's choice for ``year`` (it replaces an earlier choice), from the ranked list: each chosen
    volunteer must be on it (in scope, active) and have points; at most the rule's number."""
    chosen = list(dict.fromkeys(volunteer_ids))
    rules = current_rules()
    rules_of.check_commendations(len(chosen), rules.volunteer_commendations_per_year)
    ranked = {s.volunteer_id: s for s in standings(year, user)}
    for vid in chosen:
        if vid not in ranked:
            raise VolunteerRefused("not_on_the_list")
        if ranked[vid].points <= 0:
            raise VolunteerRefused("no_points")
    for old in db.session.scalars(select(VolunteerCommendation).where(VolunteerCommendation.year == year)):
        if scoping.can_see_committee(old.committee_id, user):
            db.session.delete(old)
    db.session.flush()
    made = []
    for vid in chosen:
        volunteer = db.session.get(Volunteer, vid)
        row = VolunteerCommendation(volunteer_id=vid, committee_id=volunteer.committee_id, year=year,
                                    points=ranked[vid].points, chosen_by=actor_name(user))
        db.session.add(row)
        made.append(row)
    return made


def commendations(year: int, user=None) -> list[VolunteerCommendation]:
    query = db.session.query(VolunteerCommendation).join(Committee, Committee.id == VolunteerCommendation.committee_id)
    if user is not None:
        query = scoping.restrict(query, VolunteerCommendation.committee_id, user)
    return (query.filter(VolunteerCommendation.year == year)
            .order_by(VolunteerCommendation.points.desc(), Committee.seq, VolunteerCommendation.id).all())
