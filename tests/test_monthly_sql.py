"""The monthly table's SQL (app/monthly/table.py) against the pure reference counting rule, on randomized data,
with a throwaway copy of issue 6's verification_record table (no app needed): both the direct window query and
the maintained latest-per-person table (incremental refresh and set-wise rebuild) must equal
app.domain.monthly_table.latest_result_per_person."""
from __future__ import annotations

import datetime as dt
import os
import random
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import (
    Column, Date, DateTime, Integer, MetaData, String, Table, UniqueConstraint, create_engine, delete, insert,
    text, update,
)

from app.domain.monthly_table import (
    CROSS_CHECK, RESULTS, VerificationRecord, count_results, latest_result_per_person,
)
from app.monthly import table as sql

SHANGHAI = ZoneInfo("Asia/Shanghai")
KINDS = ("monthly", "cross", "self_declared", "window")


def _tables():
    meta = MetaData()
    vr = Table("vr_test", meta, Column("id", Integer, primary_key=True), Column("checked_on", Date, nullable=False),
               Column("checked_at", DateTime, nullable=False), Column("committee_id", Integer, nullable=False),
               Column("person_id", Integer), Column("found_id_number", String(32)),
               Column("result", String(16), nullable=False),
               Column("kind", String(16), nullable=False), Column("recorded_by_fk", Integer))
    latest = Table("vl_test", meta, Column("record_id", Integer, primary_key=True, autoincrement=False),
                   Column("month", Integer, nullable=False), Column("committee_id", Integer, nullable=False),
                   Column("person_id", Integer), Column("found_key", String(32)),
                   Column("result", String(20), nullable=False),
                   UniqueConstraint("month", "committee_id", "person_id"))
    return meta, vr, latest


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    if request.param == "sqlite":
        eng = create_engine("sqlite://")
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL not set")
        eng = create_engine(url)
    meta, vr, latest = _tables()
    meta.drop_all(eng)
    meta.create_all(eng)
    yield eng, vr, latest
    meta.drop_all(eng)
    eng.dispose()


def _random_rows(rng: random.Random, n: int) -> list[dict]:
    rows = []
    base = dt.datetime(2025, 2, 26, tzinfo=SHANGHAI)
    for i in range(1, n + 1):
        # Around the month's edges (Feb 26 – Apr 3 local) so the boundaries in local time matter.
        local = base + dt.timedelta(minutes=rng.randrange(0, 36 * 24 * 60))
        if rng.random() < 0.1 and rows:  # same instant as an earlier record: the id breaks the tie
            local = rows[rng.randrange(len(rows))]["_local"]
        utc = local.astimezone(dt.timezone.utc).replace(tzinfo=None)
        person = None if rng.random() < 0.2 else rng.randint(1, 30)
        # Someone found unregistered: a few ID numbers, written with a lower-case x or spaces now and then (the
        # same person), or (defensively) no number at all (counts on its own).
        found = None if person is not None or rng.random() < 0.2 else \
            rng.choice(["31011519900101001X", " 31011519900101001x", "310115199002020021", "310115199002020021 "])
        rows.append({
            "id": i, "checked_on": local.date(), "checked_at": utc, "committee_id": rng.randint(1, 4),
            "person_id": person, "found_id_number": found,
            "result": rng.choice(RESULTS), "kind": rng.choice(KINDS), "recorded_by_fk": rng.randint(1, 5),
            "_local": local,
        })
    return rows


def _reference(rows, year, month, cross=False):
    records = []
    for r in rows:
        if cross and r["kind"] != "cross":
            continue
        kind = "monthly" if cross else r["kind"]
        if r["person_id"] is not None:
            person = r["person_id"]
        elif r["found_id_number"]:
            person = ("id", r["found_id_number"].strip().upper())
        else:
            person = ("none", r["id"])
        aware = r["checked_at"].replace(tzinfo=dt.timezone.utc)
        records.append(VerificationRecord(person, r["committee_id"], aware, r["result"],
                                          CROSS_CHECK if kind == "cross" else kind, r["id"]))
    return count_results(latest_result_per_person(records, year, month))


def _insert(conn, vr, rows):
    conn.execute(insert(vr), [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])


@pytest.mark.parametrize("seed", range(6))
def test_sql_counts_equal_the_reference_rule(engine, seed):
    eng, vr, latest = engine
    rng = random.Random(seed)
    rows = _random_rows(rng, 400)
    with eng.begin() as conn:
        _insert(conn, vr, rows)
        for year, month in ((2025, 2), (2025, 3), (2025, 4)):
            expected = _reference(rows, year, month)
            assert sql.counts_direct(conn, year, month, vr=vr) == expected
            assert sql.counts_direct(conn, year, month, vr=vr, cross=True) == _reference(rows, year, month, True)
        sql.rebuild_all(conn, vr=vr, latest=latest)
        for year, month in ((2025, 2), (2025, 3), (2025, 4)):
            assert sql.counts_fast(conn, year, month, latest=latest) == _reference(rows, year, month)


@pytest.mark.parametrize("seed", range(4))
def test_incremental_refresh_follows_inserts_updates_and_deletes(engine, seed):
    """What the after_flush hook does, record by record, ends where a full rebuild does."""
    eng, vr, latest = engine
    rng = random.Random(100 + seed)
    rows = _random_rows(rng, 150)
    live: dict[int, dict] = {}
    with eng.begin() as conn:
        for r in rows:
            _insert(conn, vr, [r])
            live[r["id"]] = r
            d = r["checked_on"]
            sql.refresh_keys(conn, [r["id"]], [(d.year, d.month, r["committee_id"], r["person_id"])], vr=vr,
                             latest=latest)
            if rng.random() < 0.3:  # change an earlier record: result, person, or move it to another day
                victim = live[rng.choice(list(live))]
                old = (victim["checked_on"], victim["committee_id"], victim["person_id"])
                victim["result"] = rng.choice(RESULTS)
                victim["person_id"] = rng.choice([victim["person_id"], rng.randint(1, 30), None])
                conn.execute(update(vr).where(vr.c.id == victim["id"]).values(
                    result=victim["result"], person_id=victim["person_id"]))
                keys = [(old[0].year, old[0].month, old[1], old[2]),
                        (victim["checked_on"].year, victim["checked_on"].month, victim["committee_id"],
                         victim["person_id"])]
                sql.refresh_keys(conn, [victim["id"]], keys, vr=vr, latest=latest)
            if rng.random() < 0.1:
                gone = live.pop(rng.choice(list(live)))
                conn.execute(delete(vr).where(vr.c.id == gone["id"]))
                d = gone["checked_on"]
                sql.refresh_keys(conn, [gone["id"]], [(d.year, d.month, gone["committee_id"], gone["person_id"])],
                                 vr=vr, latest=latest)
        for year, month in ((2025, 2), (2025, 3), (2025, 4)):
            assert sql.counts_fast(conn, year, month, latest=latest) == _reference(list(live.values()), year, month)


def test_month_strings():
    assert sql.parse_month("2025-03") == (2025, 3)
    for bad in ("2025-3", "2025-13", "2025-00", "march", "", "2025-03-01", "1999-12"):
        with pytest.raises(sql.BadMonth):
            sql.parse_month(bad)
