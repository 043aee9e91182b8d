"""The demo-data generator (app/demo_data.py) on small fresh SQLite databases: the rules the ORM flush hook would
keep hold although it writes with Core bulk inserts; it is deterministic; it can run twice."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from app.demo_data import generate_population
from app.domain.idnumber import parse_id_number

PERSONS = 500
SEED = 7
# The day the population is generated for, given explicitly: the module's shared population is built before the
# per-test frozen clock exists, so "today" would otherwise be the machine's date in one run and the test's in another.
GENERATED_ON = dt.date(2026, 6, 10)


def _fresh_app(path, seed_organisation_too: bool = True):
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    with app.app_context():
        upgrade()
        if seed_organisation_too:
            from app.seeding import seed_organisation
            from app.unit_of_work import unit_of_work

            with unit_of_work():
                seed_organisation()
    return app


def _scalar(conn, sql: str):
    return conn.execute(text(sql)).scalar()


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    """One database with one run, shared by the read-only checks below."""
    path = tmp_path_factory.mktemp("demo") / "t.db"
    app = _fresh_app(path)
    with app.app_context():
        from app.extensions import db

        counts = generate_population(db.engine, persons=PERSONS, seed=SEED, today=GENERATED_ON)
    return app, counts


def test_counts(populated):
    app, counts = populated
    assert counts["committees"] == 23
    assert counts["persons"] == PERSONS
    assert counts["residences"] >= PERSONS
    assert counts["houses"] >= PERSONS / 2.6
    assert counts["buildings"] >= 23 and counts["blocks"] >= 23
    with app.app_context():
        from app.extensions import db

        with db.engine.connect() as conn:
            for table in ("block", "building", "house", "person", "residence", "vehicle"):
                assert _scalar(conn, f"SELECT count(*) FROM {table}") == counts[table + "s"], table
            # every committee got buildings and people
            assert _scalar(conn, "SELECT count(DISTINCT committee_id) FROM building") == 23
            assert _scalar(conn, "SELECT count(DISTINCT committee_id) FROM person") == 23


def test_committee_columns_are_consistent(populated):
    """What app/population/integrity.py keeps on ORM writes: the committee follows building → house → residence
    → person, and a vehicle has its house's committee."""
    app, _ = populated
    with app.app_context():
        from app.extensions import db

        with db.engine.connect() as conn:
            checks = {
                "house vs building": "SELECT count(*) FROM house h JOIN building b ON b.id = h.building_id "
                "WHERE h.committee_id != b.committee_id",
                "building's block": "SELECT count(*) FROM building b JOIN block k ON k.id = b.block_id "
                "WHERE k.committee_id != b.committee_id",
                "residence vs house": "SELECT count(*) FROM residence r JOIN house h ON h.id = r.house_id "
                "WHERE r.committee_id != h.committee_id",
                "person vs active residence": "SELECT count(*) FROM person p JOIN residence r "
                "ON r.person_id = p.id AND r.end_date IS NULL WHERE p.committee_id != r.committee_id",
                "person without active vs last residence": "SELECT count(*) FROM person p WHERE NOT EXISTS "
                "(SELECT 1 FROM residence r WHERE r.person_id = p.id AND r.end_date IS NULL) AND p.committee_id != "
                "(SELECT r2.committee_id FROM residence r2 WHERE r2.person_id = p.id "
                "ORDER BY r2.end_date DESC LIMIT 1)",
                "person without residence": "SELECT count(*) FROM person p WHERE NOT EXISTS "
                "(SELECT 1 FROM residence r WHERE r.person_id = p.id)",
                "two active residences": "SELECT count(*) FROM (SELECT person_id FROM residence "
                "WHERE end_date IS NULL GROUP BY person_id HAVING count(*) > 1) x",
                "vehicle vs house": "SELECT count(*) FROM vehicle v JOIN house h ON h.id = v.house_id "
                "WHERE v.committee_id IS NOT h.committee_id",
                "vehicle owner elsewhere": "SELECT count(*) FROM vehicle v WHERE NOT EXISTS (SELECT 1 FROM residence r "
                "WHERE r.person_id = v.owner_id AND r.house_id = v.house_id AND r.end_date IS NULL)",
                "cancelled without reason": "SELECT count(*) FROM residence WHERE (end_date IS NULL) != "
                "(end_reason IS NULL) OR end_date < start_date",
            }
            failures = {name: n for name, sql in checks.items() if (n := _scalar(conn, sql))}
            assert failures == {}
            # some cancelled residences, some persons with none active, most with one
            assert _scalar(conn, "SELECT count(*) FROM residence WHERE end_date IS NOT NULL") > 0


def test_orm_view_of_a_sample(populated):
    """The same through the ORM, for 100 persons: person, active residence, house and building agree."""
    app, _ = populated
    with app.app_context():
        from app.extensions import db
        from app.models import Person

        sample = db.session.scalars(select(Person).order_by(Person.id).limit(100)).all()
        assert len(sample) == 100
        for person in sample:
            active = person.active_residence
            if active is None:
                continue
            assert person.committee_id == active.committee_id == active.house.committee_id
            assert active.house.committee_id == active.house.building.committee_id


def test_identity_matches_the_id_number(populated):
    app, _ = populated
    today = GENERATED_ON
    with app.app_context():
        from app.extensions import db
        from app.models import Person

        rows = db.session.execute(
            select(Person.id_number, Person.sex, Person.birth_date, Person.id_type, Person.category, Person.name,
                   Person.residence_permit_no)
        ).all()
        numbers = [r.id_number for r in rows]
        assert len(set(numbers)) == len(numbers)
        for r in rows:
            info = parse_id_number(r.id_number, today)
            assert info.number == r.id_number
            assert (info.sex, info.birth_date) == (r.sex, r.birth_date)
            assert r.id_type == "resident_id"
            assert 1930 <= r.birth_date.year <= 2024
            assert 2 <= len(r.name) <= 4
        categories = {
            c: sum(1 for r in rows if r.category == c) for c in ("shanghai_household", "separated", "migrant")
        }
        assert all(n > 0 for n in categories.values()), categories
        assert categories["shanghai_household"] > categories["migrant"] > 0
        assert all(r.id_number.startswith("310") for r in rows if r.category != "migrant")
        assert any(r.residence_permit_no for r in rows if r.category == "migrant")
        assert not any(r.residence_permit_no for r in rows if r.category != "migrant")


def test_same_seed_same_population_and_a_second_run_adds_more(tmp_path, populated):
    app_a, counts_a = populated
    app_b = _fresh_app(tmp_path / "t.db")

    def people(app):
        with app.app_context():
            from app.extensions import db
            from app.models import Person

            return db.session.execute(select(Person.name, Person.id_number).order_by(Person.id)).all()

    with app_b.app_context():
        from app.extensions import db

        counts_b = generate_population(db.engine, persons=PERSONS, seed=SEED, today=GENERATED_ON)
    assert counts_b == counts_a
    first = people(app_b)
    assert first == people(app_a)

    # again on the same database: no unique-key collision, and the first population is untouched
    with app_b.app_context():
        from app.extensions import db
        from app.models import Building, Person, Vehicle

        again = generate_population(db.engine, persons=PERSONS, seed=SEED, today=GENERATED_ON)
        assert again["persons"] == PERSONS
        assert db.session.scalar(select(func.count()).select_from(Person)) == 2 * PERSONS
        assert db.session.scalar(select(func.count(func.distinct(Person.id_number)))) == 2 * PERSONS
        assert db.session.scalar(select(func.count(func.distinct(Vehicle.plate)))) == db.session.scalar(
            select(func.count()).select_from(Vehicle)
        )
        assert db.session.scalar(select(func.count(func.distinct(Building.name)))) == db.session.scalar(
            select(func.count()).select_from(Building)
        )
    assert people(app_b)[:PERSONS] == first


def test_without_committees_it_says_to_seed(tmp_path):
    app = _fresh_app(tmp_path / "empty.db", seed_organisation_too=False)
    with app.app_context():
        from app.extensions import db

        with pytest.raises(RuntimeError, match="flask --app app seed"):
            generate_population(db.engine, persons=10, seed=1)
