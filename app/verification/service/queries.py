"""What the verification pages read: the sweep's committees, buildings and rooms; the month's quota and the
year's coverage; the houses not yet visited."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, select

from app.domain.idnumber import mask_id_number
from app.extensions import db
from app.monthly.table import counts_direct
from app.models import Building, Committee, House, Person, Residence
from app.settings import current_rules
from app.verification.models import VerificationHouseYear, VerificationPersonYear, VerificationRecord
from app.verification.service.marking import sweep_undo_deadline
from app.verification.service.reach import local_today, verifiable_committee_ids


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
                              .order_by(Building.name_key, Building.id)).all()
    return [{"id": b, "name": n, "persons": int(persons.get(b, 0))} for b, n in rows]


def building_rooms(building_id: int, day: dt.date, kinds: tuple[str, ...]) -> list[dict]:
    """Rooms of a building, each with the persons registered there (active residences) and today's marks (who
    made each, and until when its author may undo it)."""
    houses = db.session.execute(select(House.id, House.room, House.address).where(House.building_id == building_id)
                                .order_by(House.room_key, House.id)).all()
    people = db.session.execute(
        select(Residence.house_id, Person.id, Person.name, Person.sex, Person.birth_date, Person.id_number)
        .join(Person, Person.id == Residence.person_id).join(House, House.id == Residence.house_id)
        .where(House.building_id == building_id, Residence.end_date.is_(None))
        .order_by(Residence.house_id, Person.name, Person.id)).all()
    marks = db.session.execute(
        select(VerificationRecord.house_id, VerificationRecord.person_id, VerificationRecord.found_name,
               VerificationRecord.result, VerificationRecord.id, VerificationRecord.recorded_by_fk,
               VerificationRecord.kind, VerificationRecord.checked_at)
        .join(House, House.id == VerificationRecord.house_id)
        .where(House.building_id == building_id, VerificationRecord.checked_on == day,
               VerificationRecord.kind.in_(kinds))
        .order_by(VerificationRecord.id)).all()
    by_person = {p: {"result": r, "record": i, "by": by, "undo_until": sweep_undo_deadline(k, at)}
                 for _h, p, _n, r, i, by, k, at in marks if p is not None}
    found: dict[int, list] = {}
    for h, p, n, r, *_rest in marks:
        if p is None:
            found.setdefault(h, []).append({"name": n, "result": r})
    rooms: dict[int, dict] = {h: {"id": h, "room": room, "address": address, "persons": [],
                                  "found": found.get(h, [])} for h, room, address in houses}
    for h, pid, name, sex, birth, number in people:
        mark = by_person.get(pid) or {}
        rooms[h]["persons"].append({"id": pid, "name": name, "sex": sex, "age": day.year - birth.year,
                                    "id_masked": mask_id_number(number), "result": mark.get("result"),
                                    "record": mark.get("record"), "marked_by": mark.get("by"),
                                    "undo_until": mark.get("undo_until")})
    return list(rooms.values())


# -- quota and coverage --------------------------------------------------------------------------------------------

def monthly_counts(year: int, month: int, committee_ids=None) -> dict[int, int]:
    """Persons checked this month per committee under the monthly table's counting rule, which lives in one place
    (app.monthly.table): a person once per committee per month, keyed by person or normalised ID number, every
    kind counting except cross checks (DOMAIN.md)."""
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
        .order_by(Building.name_key, House.room_key, House.id).limit(page_size).offset(page * page_size)).all()
    return int(total or 0), [{"id": i, "building": b, "room": r, "address": a} for i, b, r, a in rows]
