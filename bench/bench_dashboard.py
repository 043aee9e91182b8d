"""The dashboard's first view (issue 17) and the nightly run that feeds it, at 200,000 persons and 1,000,000
verification records.

    .venv/bin/python bench/bench_dashboard.py [--db sqlite:////tmp/bench_dashboard.db | postgresql+psycopg://…]
        [--persons 200000] [--verifications 1000000] [--reuse] [--nights 3] [--requests 20]

Builds the database as production does (migrations, seed, `flask demo-data`; --reuse keeps one built before and
only upgrades it), then times, median and p95:
1. the nightly run of every rule (`run_nightly`: the rules, then the refresh of analysis_committee_month): the
   first night (every gap new: the worst) and steady nights; the refresh alone;
2. the dashboard as the office sees it (admin), street, a zone and a committee: counted live (the derived table
   emptied: what every view cost before it) and read from the derived table, each as the function and as the
   whole page through Flask's test client (signed in; no web server: the figure is the page's own cost).
Figures depend on machine load: compare within one run.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_analysis import PASSWORD, build_street, flask  # noqa: E402  (one way to build the bench street)


def stats(samples_ms: list[float]) -> str:
    samples = sorted(samples_ms)
    p95 = samples[max(0, math.ceil(len(samples) * 0.95) - 1)]  # nearest rank: the largest of fewer than 20
    return f"median {statistics.median(samples):7.1f} ms, p95 {p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/bench_dashboard.db")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--verifications", type=int, default=1_000_000)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database built by an earlier run")
    args = parser.parse_args()

    env = dict(os.environ, DATABASE_URL=args.db, ADMIN_PASSWORD=PASSWORD, PYTHONPATH=str(ROOT))
    if not args.reuse:
        build_street(env, args.db, args.persons, args.verifications)
    else:
        flask(env, "db", "upgrade")

    os.environ.update(env)
    from sqlalchemy import delete, func, select

    from app import create_app
    from app.analysis.dashboard import dashboard, refresh
    from app.analysis.models import DashboardMonth, Finding
    from app.analysis.tasks import run_nightly
    from app.extensions import db
    from app.models import Committee, Person, PortalUser
    from app.verification.models import VerificationRecord

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        print(f"{db.engine.dialect.name}: {db.session.scalar(select(func.count()).select_from(Person)):,} persons, "
              f"{db.session.scalar(select(func.count()).select_from(VerificationRecord)):,} verification records")
        db.session.execute(delete(DashboardMonth))
        db.session.execute(delete(Finding))
        db.session.commit()

        # 1. the nightly run
        t = time.perf_counter()
        first = run_nightly()
        print(f"nightly run, first night (every gap new): {time.perf_counter() - t:.1f} s  {first}")
        nights = []
        for _ in range(args.nights):
            t = time.perf_counter()
            counts = run_nightly()
            nights.append(time.perf_counter() - t)
        print(f"nightly run, steady nights ×{args.nights}: {stats([s * 1000 for s in nights])}  {counts}")
        refreshes = []
        for _ in range(args.nights):
            t = time.perf_counter()
            rows = refresh()
            db.session.commit()
            refreshes.append((time.perf_counter() - t) * 1000)
        print(f"refresh of analysis_committee_month alone ({rows} rows): {stats(refreshes)}")
        for rule, n in db.session.execute(select(Finding.rule, func.count()).group_by(Finding.rule)
                                          .order_by(Finding.rule)):
            print(f"  {rule:24} {n:>7,}")

        admin = db.session.query(PortalUser).filter_by(username="admin").one()
        committee = db.session.query(Committee).order_by(Committee.seq).first()
        levels = (("street", {}, ""), ("zone", {"zone_id": committee.zone_id}, f"?zone={committee.zone_id}"),
                  ("committee", {"committee_id": committee.id}, f"?committee={committee.id}"))
        saved = [{c.name: getattr(r, c.name) for c in DashboardMonth.__table__.columns}
                 for r in db.session.query(DashboardMonth)]

    client = app.test_client()
    answer = client.post("/login/", data={"username": "admin", "password": PASSWORD}, follow_redirects=True)
    assert answer.status_code == 200, answer.status_code

    def time_levels(label: str) -> None:
        for level, kwargs, query in levels:
            with app.app_context():
                samples = []
                for n in range(2 + args.requests):
                    t = time.perf_counter()
                    data = dashboard(db.session.get(PortalUser, admin.id), **kwargs)
                    if n >= 2:
                        samples.append((time.perf_counter() - t) * 1000)
                    db.session.rollback()
                stored = data["refreshed_at"] is not None
            pages = []
            for n in range(2 + args.requests):
                t = time.perf_counter()
                page = client.get(f"/analysis/dashboard/{query}")
                if n >= 2:
                    pages.append((time.perf_counter() - t) * 1000)
                assert page.status_code == 200, page.status_code
            print(f"dashboard {label:7} {level:9} function {stats(samples)} | page {stats(pages)}"
                  f"{'' if stored == (label == 'derived') else '  (!) not the path meant'}")

    # 2. the dashboard: counted live (derived table empty), then read from the derived table
    with app.app_context():
        db.session.execute(delete(DashboardMonth))
        db.session.commit()
    time_levels("live")
    with app.app_context():
        db.session.execute(DashboardMonth.__table__.insert(), saved)
        db.session.commit()
    time_levels("derived")


if __name__ == "__main__":
    main()
