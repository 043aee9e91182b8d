"""What the verification pages read: the sweep's committees, buildings and rooms; the month's quota and the
year's coverage; the houses not yet visited."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, literal, select

from app.domain.idnumber import mask_id_number
from app.domain.monthly_table import CORRECT, SHOULD_CANCEL, SHOULD_REGISTER
from app.extensions import db
from app.monthly.table import counts_direct
from app.models import Building, Committee, House, Person, Residence, Zone
from app.models.counts import CommitteeCount
from app.monthly.models import VerificationLatest
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
    houses and registered persons verified at least once since 1 January. One statement:

    - houses and registered persons (active residences) from committee_count, kept by triggers
      (app/models/counts.py), instead of two COUNT(*) over 200,000 rows;
    - visited houses and persons from the first-visit tables (VerificationHouseYear / PersonYear, one row per
      year, committee and house / person, kept by a flush hook): a GROUP BY over their primary key, instead of
      COUNT(DISTINCT) over a year of records (0.8 s + 0.4 s on SQLite at 1,000,000 records);
    - this month's checked persons from verification_latest, the monthly table's counting rule kept per person
      by app/monthly/hooks.py (the home page reads the same), instead of a window function over the month's
      records (app.monthly.table.counts_direct, still the reference of the tests and of approval).
    The person share divides persons verified this year in the committee by the persons registered there now
    (capped at 100%: someone verified and since moved away counts until the year ends)."""
    rules = current_rules()
    today = today or local_today(rules)

    def per_committee(column, *where):
        return select(column.label("cid"), func.count().label("n")).where(*where).group_by(column).subquery()

    houses_seen = per_committee(VerificationHouseYear.committee_id, VerificationHouseYear.year == year)
    persons_seen = per_committee(VerificationPersonYear.committee_id, VerificationPersonYear.year == year)
    checked = per_committee(VerificationLatest.committee_id,
                            VerificationLatest.month == today.year * 100 + today.month,
                            VerificationLatest.result.in_((CORRECT, SHOULD_REGISTER, SHOULD_CANCEL)))
    query = (
        select(Committee.id, Committee.seq, Committee.name, Zone.name,
               func.coalesce(CommitteeCount.houses, 0), func.coalesce(CommitteeCount.residences, 0),
               func.coalesce(houses_seen.c.n, 0), func.coalesce(persons_seen.c.n, 0),
               func.coalesce(checked.c.n, 0) if today.year == year else literal(0))
        .outerjoin(Zone, Zone.id == Committee.zone_id)
        .outerjoin(CommitteeCount, CommitteeCount.committee_id == Committee.id)
        .outerjoin(houses_seen, houses_seen.c.cid == Committee.id)
        .outerjoin(persons_seen, persons_seen.c.cid == Committee.id)
        .order_by(Committee.seq, Committee.id)
    )
    if today.year == year:
        query = query.outerjoin(checked, checked.c.cid == Committee.id)
    if committee_ids is not None:
        query = query.where(Committee.id.in_(sorted(committee_ids) or [-1]))
    quota = rules.monthly_quota_per_committee
    rows = []
    for cid, seq, name, zone, h, p, hs, ps, n in db.session.execute(query).all():
        h, p, hs, n = int(h), int(p), int(hs), int(n)
        ps = min(int(ps), p)
        rows.append({
            "committee_id": cid, "seq": seq, "name": name, "zone": zone or "",
            "checked": n, "quota": quota, "under_quota": n < quota,
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
