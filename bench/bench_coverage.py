"""Timings of the verification quota and coverage page (issue 14 item 8) at 1,000,000 verification records (not a
test).

    .venv/bin/python bench/bench_coverage.py [--backend sqlite|postgres|both] [--requests 30]

Setup is bench/bench_verification.py's (same databases: bench/out/sqlite/bench.db and PostgreSQL `bench_portal`;
200,000 demo persons, then 1,000,000 verification records generated once and kept, then ANALYZE).
Measured in-process (no network), 3 warm-ups then N timed runs:
- queries.coverage() for all 23 committees (the page's query work), with the number of SQL statements it sends,
- GET /verification/coverage/ as admin (the whole request: routing, permission check, queries, template).
Prints backend, case, statements, median and p95 (ms).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_lists import ADMIN_PASSWORD, PYTHON  # noqa: E402
from bench_verification import login, setup, timed  # noqa: E402


def bench(backend: str, n: int) -> list[tuple]:
    from sqlalchemy import event, text

    from app.extensions import db
    from app.verification.service import queries, reach

    app = setup(backend)["app"]
    today = reach.local_today()
    with app.app_context():
        # Records generated before demo data rebuilt verification_latest (Core inserts skip the ORM hook that
        # keeps it): build this month's rows once, as demo data now does after a load.
        from sqlalchemy import func, select

        from app.monthly.models import VerificationLatest
        from app.monthly.table import counts_direct, month_number, rebuild_latest

        latest = db.session.scalar(select(func.count()).select_from(VerificationLatest)
                                   .where(VerificationLatest.month == month_number(today.year, today.month)))
        if not latest:
            rebuild_latest(db.session.connection(), today.year, today.month)
            db.session.commit()
        # The page's counts are the reference's: this month's checks as the window function over the records
        # counts them (app.monthly.table.counts_direct), registered persons and houses as COUNT(*) counts them.
        direct = {cid: c.total for cid, c in counts_direct(db.session.connection(), today.year, today.month).items()}
        rows = queries.coverage(today.year)
        assert {r["committee_id"]: r["checked"] for r in rows if r["checked"]} == \
            {cid: n for cid, n in direct.items() if n}, "checked differs from the records"
        persons = dict(db.session.execute(text(
            "SELECT committee_id, count(*) FROM residence WHERE end_date IS NULL GROUP BY committee_id")).all())
        assert {r["committee_id"]: r["persons"] for r in rows} == {r["committee_id"]: persons.get(r["committee_id"], 0)
                                                                     for r in rows}, "persons differ from the rows"
        db.session.remove()
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def service(_i):
        with app.app_context():
            rows = queries.coverage(today.year)
            assert len(rows) == 23, len(rows)
            assert sum(r["persons"] for r in rows) > 0
            db.session.remove()

    event.listen(engine, "before_cursor_execute", count)
    service(0)
    event.remove(engine, "before_cursor_execute", count)
    sent = len(statements)
    results = [(backend, "coverage(), 23 committees", sent) + timed(service, n)]
    admin = app.test_client()
    login(admin, "admin", ADMIN_PASSWORD)

    def page(_i):
        res = admin.get("/verification/coverage/")
        assert res.status_code == 200, res.status_code

    statements.clear()
    event.listen(engine, "before_cursor_execute", count)
    page(0)
    event.remove(engine, "before_cursor_execute", count)
    results.append((backend, "coverage page (admin)", len(statements)) + timed(page, n))
    with app.app_context():
        db.engine.dispose()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        # One backend per process: the app reads DATABASE_URL at import time.
        if len(backends) > 1:
            out = subprocess.run([PYTHON, __file__, "--backend", backend, "--requests", str(args.requests)],
                                 cwd=ROOT, capture_output=True, text=True, timeout=3600)
            print(out.stdout, end="", flush=True)
            if out.returncode != 0:
                print(out.stderr[-3000:])
            continue
        for backend_, case, sent, median, p95 in bench(backend, args.requests):
            print(f"{backend_:9} {case:28} statements {sent:3}  median {median:7.1f} ms   p95 {p95:7.1f} ms",
                  flush=True)


if __name__ == "__main__":
    main()
