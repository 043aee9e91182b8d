"""committee_count (app/models/counts.py): the per-committee counts the home page, the coverage page and the lists
read instead of COUNT(*) stay equal to the rows themselves through every kind of write, on SQLite and PostgreSQL:
ORM inserts, ends of residence, corrections of a committee, deletes, a building moved to another committee (the
cascade of app/population/integrity.py), Core bulk inserts as the demo data and the register import make, and raw
SQL."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, literal_column, select, text, update

from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import Building, House, Person, Residence
from app.models.counts import CommitteeCount, recount
from tests.conftest import client_as, flashed_or_errors, make_user


def counted(app) -> dict[int, tuple[int, int, int]]:
    """committee_count as {committee: (persons, active residences, houses)}, zero rows left out."""
    with app.app_context():
        rows = db.session.execute(select(CommitteeCount.committee_id, CommitteeCount.persons,
                                         CommitteeCount.residences, CommitteeCount.houses)).all()
        db.session.remove()
    return {cid: (p, r, h) for cid, p, r, h in rows if (p, r, h) != (0, 0, 0)}


def actual(app) -> dict[int, tuple[int, int, int]]:
    """The same counts straight from the rows."""
    with app.app_context():
        key = func.coalesce(Person.committee_id, literal_column("0"))
        persons = dict(db.session.execute(select(key, func.count()).group_by(key)).all())
        residences = dict(db.session.execute(select(Residence.committee_id, func.count())
                                             .where(Residence.end_date.is_(None))
                                             .group_by(Residence.committee_id)).all())
        houses = dict(db.session.execute(select(House.committee_id, func.count())
                                         .group_by(House.committee_id)).all())
        db.session.remove()
    out = {}
    for cid in set(persons) | set(residences) | set(houses):
        out[cid] = (persons.get(cid, 0), residences.get(cid, 0), houses.get(cid, 0))
    return out


def check(app) -> dict[int, tuple[int, int, int]]:
    now = counted(app)
    assert now == actual(app)
    return now


def add_resident(house_id: int, n: int, *, start=dt.date(2020, 1, 1)) -> tuple[int, int]:
    person = Person(name=f"居民{n}", id_number=make_id_number("310115", dt.date(1980, 1, 1) + dt.timedelta(days=n),
                                                             123), category="shanghai_household")
    db.session.add(person)
    db.session.flush()
    residence = Residence(person_id=person.id, house_id=house_id, start_date=start)
    db.session.add(residence)
    db.session.flush()
    return person.id, residence.id


def test_orm_writes_keep_the_counts(app, places):
    gang1, gang2 = places["钢一"], places["钢二"]
    c1, c2 = gang1["committee"], gang2["committee"]
    assert check(app) == {c1: (0, 0, 2), c2: (0, 0, 2)}  # the fixture's houses
    with app.app_context():
        made = [add_resident(gang1["houses"][0], 1), add_resident(gang1["houses"][1], 2),
                add_resident(gang2["houses"][0], 3)]
        db.session.add(Person(name="无居所", id_number=make_id_number("310115", dt.date(1990, 1, 1), 123),
                              category="migrant"))  # no residence: no committee
        db.session.commit()
    assert check(app) == {c1: (2, 2, 2), c2: (1, 1, 2), 0: (1, 0, 0)}

    with app.app_context():  # 核销: the residence ends, the person stays on the committee's register
        residence = db.session.get(Residence, made[0][1])
        residence.end_date, residence.end_reason = dt.date(2026, 6, 1), "迁出"
        db.session.commit()
    assert check(app)[c1] == (2, 1, 2)

    with app.app_context():  # a name corrected: nothing moves
        db.session.get(Person, made[1][0]).name = "改名"
        db.session.commit()
    assert check(app)[c1] == (2, 1, 2)

    with app.app_context():  # the second resident of 钢一 moves to a house of 钢二
        db.session.get(Residence, made[1][1]).house_id = gang2["houses"][1]
        db.session.commit()
    assert check(app) == {c1: (1, 0, 2), c2: (2, 2, 2), 0: (1, 0, 0)}

    with app.app_context():  # deletes: a residence, then its person, then an empty house
        db.session.delete(db.session.get(Residence, made[2][1]))
        db.session.flush()
        db.session.delete(db.session.get(Person, made[2][0]))
        db.session.delete(db.session.get(House, gang1["houses"][1]))
        db.session.commit()
    assert check(app) == {c1: (1, 0, 1), c2: (1, 1, 2), 0: (1, 0, 0)}


def test_a_building_moved_to_another_committee_takes_its_counts(app, places):
    gang1, gang2 = places["钢一"], places["钢二"]
    c1, c2 = gang1["committee"], gang2["committee"]
    with app.app_context():
        for n, house in enumerate(gang1["houses"] + gang2["houses"]):
            add_resident(house, n)
        db.session.commit()
    assert check(app) == {c1: (2, 2, 2), c2: (2, 2, 2)}
    make_user(app, "office_counts", "street_office")
    client = client_as(app, "office_counts")
    with app.app_context():
        building = db.session.get(Building, gang1["building"])
        form = {"name": building.name, "committee": c2, "block": ""}
    # As a person does it: the list, the building's form, then save; FAB sends him back to the list with its flash.
    assert client.get("/buildings/list/").status_code == 200
    assert client.get(f"/buildings/edit/{gang1['building']}").status_code == 200
    response = client.post(f"/buildings/edit/{gang1['building']}", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/buildings/list/")
    assert "记录已更新" in flashed_or_errors(client.get(response.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Building, gang1["building"]).committee_id == c2
    assert check(app) == {c2: (4, 4, 4)}


def test_bulk_and_raw_sql_writes_keep_the_counts(app, places):
    """The demo data and the register import insert with Core executemany; maintenance may use plain SQL."""
    gang1, gang2 = places["钢一"], places["钢二"]
    c1, c2 = gang1["committee"], gang2["committee"]
    with app.app_context():
        base = db.session.scalar(select(func.coalesce(func.max(Person.id), 0))) + 1
        people = [{"id": base + n, "name": f"批量{n}", "id_type": "other", "id_number": f"BULK{n:06d}",
                   "sex": "F", "birth_date": dt.date(1990, 1, 1), "category": "migrant",
                   "committee_id": c1 if n % 3 else c2} for n in range(300)]
        db.session.execute(insert(Person), people)
        db.session.execute(insert(Residence), [
            {"person_id": p["id"], "house_id": gang1["houses"][n % 2] if p["committee_id"] == c1
             else gang2["houses"][0], "committee_id": p["committee_id"], "start_date": dt.date(2021, 1, 1)}
            for n, p in enumerate(people)])
        db.session.commit()
    assert check(app) == {c1: (200, 200, 2), c2: (100, 100, 2)}
    with app.app_context():
        db.session.execute(update(Residence).where(Residence.committee_id == c2)
                           .values(end_date=dt.date(2026, 1, 1), end_reason="迁出"))
        db.session.execute(text("UPDATE person SET committee_id = NULL WHERE committee_id = :c"), {"c": c2})
        db.session.execute(delete(Residence).where(Residence.committee_id == c1, Residence.id % 2 == 0))
        db.session.commit()
    now = check(app)
    assert now[c2] == (0, 0, 2) and now[0] == (100, 0, 0)


def test_recount_rebuilds_what_was_lost(app, places):
    with app.app_context():
        add_resident(places["钢一"]["houses"][0], 1)
        db.session.commit()
        db.session.execute(delete(CommitteeCount))
        db.session.commit()
    assert counted(app) == {}
    with app.app_context():
        recount(db.session.connection())
        db.session.commit()
    assert check(app)[places["钢一"]["committee"]] == (1, 1, 2)


def _record_count(html: str) -> int:
    import re

    match = re.search(r"<strong>[^<]*:</strong>\s*(\d+)", html)
    assert match, "no record count on the list"
    return int(match.group(1))


def test_the_lists_show_the_same_totals_from_the_counts(app, places, admin_client):
    """The person and house lists take their total from committee_count when only committees filter them, and
    count the rows otherwise: every total is the number of rows the user may see."""
    gang1, gang2 = places["钢一"], places["钢二"]
    c1, c2 = gang1["committee"], gang2["committee"]
    with app.app_context():
        for n, house in enumerate(gang1["houses"] * 2 + gang2["houses"][:1]):
            add_resident(house, n)
        db.session.add(Person(name="无居所", id_number=make_id_number("310115", dt.date(1990, 1, 1), 123),
                              category="migrant"))
        db.session.commit()
    make_user(app, "sw_counts", "social_worker", committees=["钢一"])
    worker = client_as(app, "sw_counts")
    assert _record_count(admin_client.get("/persons/list/").get_data(as_text=True)) == 6  # the homeless one too
    assert _record_count(admin_client.get(f"/persons/list/?_flt_0_committee={c2}").get_data(as_text=True)) == 1
    assert _record_count(worker.get("/persons/list/").get_data(as_text=True)) == 4
    assert _record_count(worker.get(f"/persons/list/?_flt_0_committee={c1}").get_data(as_text=True)) == 4
    # Another committee's filter: nothing of it (scope and filter together).
    assert _record_count(worker.get(f"/persons/list/?_flt_0_committee={c2}").get_data(as_text=True)) == 0
    # Filters other than committees count the rows.
    assert _record_count(worker.get("/persons/list/?_flt_0_name=居民").get_data(as_text=True)) == 4
    assert _record_count(admin_client.get("/houses/list/").get_data(as_text=True)) == 4
    assert _record_count(worker.get("/houses/list/").get_data(as_text=True)) == 2


def test_every_counted_table_keeps_its_triggers_after_all_migrations(app):
    """A later migration that rebuilds a table (SQLite's batch mode does, 0021 on building and house) drops its
    triggers; the counts would then drift silently in production, where the schema comes from the migrations."""
    from app.models.counts import COUNTED

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            rows = db.session.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                                           "AND name LIKE 'committee_count_%'")).scalars().all()
        else:
            rows = db.session.execute(text("SELECT event_object_table FROM information_schema.triggers "
                                           "WHERE trigger_name LIKE 'committee_count_%'")).scalars().all()
    for counted_table in COUNTED:
        assert rows.count(counted_table.table) == 3, (counted_table.table, sorted(rows))
