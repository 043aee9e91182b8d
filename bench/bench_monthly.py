"""Monthly table at 1,000,000 verification records: median and p95 on SQLite and PostgreSQL, and the PDF.

    .venv/bin/python bench/bench_monthly.py [--records 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1/monthly_bench]

Builds the schema from the models (identical to the migrations: tests/test_migrations.py), 23 committees and
1,000,000 records spread over the 12 months of 2025 (~83,000 a month, repeats of a person within a month, 3 %
found-unregistered rows without a person, 5 % cross checks) with Core bulk inserts, rebuilds the
latest-per-person table set-wise (what `flask report rebuild-latest` does after a bulk load), then times:
  fast    GROUP BY over verification_latest (the screens, the API, the CLI)
  direct  ROW_NUMBER() over the month's records (used once, at approval, for the snapshot)
and one incremental refresh (what every ORM flush of a record costs), and the table PDF render.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from app.models.registry import import_all  # noqa: E402

import_all()  # every table, for the Core inserts below

SHANGHAI = ZoneInfo("Asia/Shanghai")


def timed(fn, runs=40):
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def build(engine, records: int, seed: int = 7) -> None:
    from app.domain.organisation import COMMITTEES, ZONES
    from app.models import metadata

    is_pg = engine.dialect.name == "postgresql"
    if is_pg:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    metadata.create_all(engine)
    rng = random.Random(seed)
    results = ["correct"] * 90 + ["should_register"] * 4 + ["should_cancel"] * 6
    kinds = ["monthly"] * 85 + ["cross"] * 5 + ["self_declared"] * 6 + ["window"] * 4
    with engine.begin() as conn:
        if is_pg:
            conn.execute(text("SET session_replication_role = replica"))  # no FK checks: no persons/users here
        conn.execute(insert(metadata.tables["zone"]), [{"id": i, "code": z.code, "name": z.name}
                                                         for i, z in enumerate(ZONES, 1)])
        zone_ids = {z.code: i for i, z in enumerate(ZONES, 1)}
        conn.execute(insert(metadata.tables["committee"]), [
            {"id": c.seq, "seq": c.seq, "name": c.name, "zone_id": zone_ids[c.zone_code], "key_area": False}
            for c in COMMITTEES])
        vr = metadata.tables["verification_record"]
        seen = set()
        batch, next_id = [], 1
        start = time.perf_counter()
        while next_id <= records:
            day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365))
            kind = rng.choice(kinds)
            person = rng.randrange(1, 200_001) if rng.random() >= 0.03 else None
            key = (person, day, kind)
            if person is not None:
                if key in seen:
                    continue
                seen.add(key)
            local = dt.datetime.combine(day, dt.time(8), SHANGHAI) + dt.timedelta(seconds=rng.randrange(13 * 3600))
            batch.append({
                "id": next_id, "checked_on": day,
                "checked_at": local.astimezone(dt.timezone.utc).replace(tzinfo=None),
                "committee_id": (person or next_id) % 23 + 1, "person_id": person,
                "found_name": None if person else "未登记", "found_id_number": None if person else f"F{next_id}",
                "result": rng.choice(results) if person else "should_register", "kind": kind,
                "recorded_by_fk": rng.randrange(1, 31), "entered_into_pda": True, "on_roster": True,
            })
            next_id += 1
            if len(batch) == 50_000:
                conn.execute(insert(vr), batch)
                batch = []
        if batch:
            conn.execute(insert(vr), batch)
        print(f"  inserted {records:,} records in {time.perf_counter() - start:.1f} s")
    from app.monthly import table

    start = time.perf_counter()
    with engine.begin() as conn:
        rows = table.rebuild_all(conn)
    print(f"  rebuilt verification_latest: {rows:,} rows in {time.perf_counter() - start:.1f} s")
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE" if is_pg else "ANALYZE"))


def bench(engine, label: str) -> None:
    from app.monthly import table

    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM verification_record WHERE checked_on >= '2025-06-01' "
                              "AND checked_on < '2025-07-01'")).scalar()
        print(f"{label}: 2025-06 has {n:,} records")
        fast = timed(lambda: table.counts_fast(conn, 2025, 6))
        direct = timed(lambda: table.counts_direct(conn, 2025, 6), runs=10)
        assert table.counts_fast(conn, 2025, 6) == table.counts_direct(conn, 2025, 6)
    print(f"  fast   (verification_latest)  median {fast[0]:6.1f} ms   p95 {fast[1]:6.1f} ms")
    print(f"  direct (window over records)  median {direct[0]:6.1f} ms   p95 {direct[1]:6.1f} ms")
    with engine.begin() as conn:
        pid = conn.execute(text("SELECT person_id FROM verification_record WHERE person_id IS NOT NULL "
                                "AND checked_on = '2025-06-11' LIMIT 1")).scalar()
        rid, cid = conn.execute(text("SELECT id, committee_id FROM verification_record WHERE person_id = :p "
                                     "AND checked_on = '2025-06-11' LIMIT 1"), {"p": pid}).one()
        refresh = timed(lambda: table.refresh_keys(conn, [rid], [(2025, 6, cid, pid)]), runs=50)
    print(f"  one record's refresh (per flush)  median {refresh[0]:6.2f} ms   p95 {refresh[1]:6.2f} ms")


def pdf_render(engine) -> None:
    from app.documents.pdf import render_pdf
    from app.domain.monthly_table import build_monthly_table
    from app.domain.organisation import COMMITTEES
    from app.monthly import excel, table

    with engine.connect() as conn:
        counts = {cid: c for cid, c in table.counts_fast(conn, 2025, 6).items()}
    data = build_monthly_table(2025, 6, [(c.seq, c.name) for c in COMMITTEES], counts).to_json_dict()
    rows = excel.table_rows(data)
    context = {"title": excel.title(2025, 6), "h": excel.headers(80), "rows": rows[:-1], "totals": rows[-1],
               "total_label": excel.TOTAL_LABEL, "approved": True, "date": dt.date.today(), "issuer": "上钢新村街道"}
    times = []
    for _ in range(5):
        t = time.perf_counter()
        pdf = render_pdf("monthly_table.html", context, strict=True)
        times.append(time.perf_counter() - t)
    out = Path(__file__).resolve().parent / "out" / "monthly_table_bench.pdf"
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(pdf)
    print(f"table PDF: first {times[0]:.2f} s, later median {statistics.median(times[1:]):.2f} s ({len(pdf):,} bytes)"
          f" → {out}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--sqlite", default="/tmp/bench_monthly.db")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/monthly_bench")
    parser.add_argument("--reuse", action="store_true", help="keep the databases built by an earlier run")
    args = parser.parse_args()
    Path(args.sqlite).unlink(missing_ok=True) if not args.reuse else None
    engines = [("SQLite", create_engine(f"sqlite:///{args.sqlite}"))]
    if args.pg:
        engines.append(("PostgreSQL", create_engine(args.pg)))
    for label, engine in engines:
        if not args.reuse:
            print(f"{label}: building")
            build(engine, args.records)
        bench(engine, label)
    pdf_render(engines[0][1])


if __name__ == "__main__":
    main()
