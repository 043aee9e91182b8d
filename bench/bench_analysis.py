"""The nightly run of every gap rule (issue 17) at 200,000 persons and 1,000,000 verification records.

    .venv/bin/python bench/bench_analysis.py [--db sqlite:////tmp/analysis_bench.db | postgresql+psycopg://…]
        [--persons 200000] [--verifications 1000000] [--reuse] [--runs 5]

Builds the database as production does (migrations, seed, `flask demo-data`), then times the run: the first
(every gap of the street becomes a finding: the worst night) and steady-state nights (nothing or little new),
median and p95. Prints the findings per rule, then the dashboard's numbers (street, zone, committee), median/p95.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def flask(env, *args):
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, check=True)


PASSWORD = "Bench-Admin-2026xy"


def build_street(env: dict, db_url: str, persons: int, verifications: int) -> None:
    """An empty database (a SQLite file removed, PostgreSQL's public schema dropped), then as production builds it:
    migrations, seed, `flask demo-data`. Shared with bench_dashboard.py."""
    if db_url.startswith("sqlite:///"):
        Path(db_url[len("sqlite:///"):]).unlink(missing_ok=True)
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    flask(env, "seed")
    flask(env, "demo-data", "--persons", str(persons), "--seed", "7", "--verifications", str(verifications))
    print(f"built in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/analysis_bench.db")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--verifications", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the database built by an earlier run")
    args = parser.parse_args()

    env = dict(os.environ, DATABASE_URL=args.db, ADMIN_PASSWORD=PASSWORD, PYTHONPATH=str(ROOT))
    if not args.reuse:
        build_street(env, args.db, args.persons, args.verifications)

    os.environ.update(env)
    from sqlalchemy import delete, func, select

    from app import create_app
    from app.analysis.models import Finding
    from app.analysis.tasks import run_nightly
    from app.extensions import db

    app = create_app()
    with app.app_context():
        db.session.execute(delete(Finding))
        db.session.commit()
        t = time.perf_counter()
        first = run_nightly()
        first_s = time.perf_counter() - t
        print(f"first night (all gaps new): {first_s:.1f} s  {first}")
        samples = []
        for _ in range(args.runs):
            t = time.perf_counter()
            counts = run_nightly()
            samples.append(time.perf_counter() - t)
        samples.sort()
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        print(f"steady nights: median {statistics.median(samples):.1f} s, p95 {p95:.1f} s  {counts}")
        for rule, n in db.session.execute(select(Finding.rule, func.count()).group_by(Finding.rule)):
            print(f"  {rule:24} {n}")

        # The dashboard's numbers (what its first view computes), for the office: street, a zone, a committee.
        from app.analysis.dashboard import dashboard
        from app.models import Committee, PortalUser

        admin = db.session.query(PortalUser).filter_by(username="admin").one()
        committee = db.session.query(Committee).order_by(Committee.seq).first()
        for label, kwargs in (("street", {}), ("zone", {"zone_id": committee.zone_id}),
                              ("committee", {"committee_id": committee.id})):
            samples = []
            for _ in range(20):
                t = time.perf_counter()
                dashboard(admin, **kwargs)
                samples.append((time.perf_counter() - t) * 1000)
                db.session.rollback()
            samples.sort()
            print(f"dashboard {label:10} median {statistics.median(samples):.0f} ms, p95 {samples[18]:.0f} ms")


if __name__ == "__main__":
    main()
