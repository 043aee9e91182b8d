"""The year's volunteer points (the commendation ranking) over the whole street.

    .venv/bin/python bench/bench_volunteers.py [--db sqlite:////tmp/volunteers_bench.db | postgresql+psycopg://…]
        [--volunteers 2300] [--cases 100000] [--leads 3000] [--runs 5]

Builds the schema as production does (migrations, seed), inserts volunteers (100 per committee by default: every
building leader of the street), change cases (a third reported by volunteers, most entered) and crime leads, then
times app.volunteers.service.standings(year, office) — the ranking page's two grouped queries plus the register —
median and p95 over ``--runs``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/volunteers_bench.db")
    parser.add_argument("--volunteers", type=int, default=2300)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, DATABASE_URL=args.db, ADMIN_PASSWORD="Bench-Admin-2026xy", PYTHONPATH=str(ROOT),
               CELERY_BROKER_URL="")
    if args.db.startswith("sqlite:///"):
        Path(args.db[len("sqlite:///"):]).unlink(missing_ok=True)
    for command in (("db", "upgrade"), ("seed",)):
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    os.environ.update(env)
    from app import create_app
    from app.extensions import db

    app = create_app()
    rng = random.Random(7)
    with app.app_context():
        from app.changes.models import ChangeCase
        from app.crime.models import CrimeLead
        from app.models import Committee, PortalUser
        from app.volunteers import service
        from app.volunteers.models import Volunteer

        committees = [c.id for c in db.session.query(Committee).order_by(Committee.seq)]
        volunteers = [{"committee_id": committees[i % len(committees)], "name": f"志愿者{i}",
                       "role": "building_leader" if i % 2 else "safety_volunteer", "active": True,
                       "created_at": dt.datetime(2026, 1, 1), "created_by": "bench"} for i in range(args.volunteers)]
        db.session.execute(Volunteer.__table__.insert(), volunteers)
        cases = []
        for i in range(args.cases):
            v = rng.randrange(args.volunteers) if i % 3 == 0 else None
            committee = committees[v % len(committees)] if v is not None else rng.choice(committees)
            entered = dt.datetime(2026, 1, 1) + dt.timedelta(minutes=rng.randrange(60 * 24 * 330))
            cases.append({"committee_id": committee, "kind": "move_in", "source": "report", "people_note": "",
                          "note": "", "reported_by_name": f"志愿者{v}" if v is not None else f"居民{i}",
                          "reported_at": entered, "key_area": False, "stage": "entered",
                          "entered_at": entered if i % 5 else None, "collection_due": entered})
        db.session.execute(ChangeCase.__table__.insert(), cases)
        leads = [{"committee_id": committees[(v := rng.randrange(args.volunteers)) % len(committees)],
                  "summary": "线索", "reporter_name": f"志愿者{v}", "reported_at": dt.datetime(2026, 2, 1),
                  "recorded_by": "bench", "due_at": dt.datetime(2026, 2, 8),
                  "state": "confirmed" if i % 2 else "unconfirmed", "verified_at": dt.datetime(2026, 2, 5)}
                 for i in range(args.leads)]
        db.session.execute(CrimeLead.__table__.insert(), leads)
        db.session.commit()
        office = db.session.query(PortalUser).filter_by(username="admin").one()
        times = []
        for _ in range(args.runs):
            db.session.expire_all()
            start = time.perf_counter()
            ranking = service.standings(2026, office)
            times.append(time.perf_counter() - start)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(f"{args.db.split(':')[0]}: {len(ranking)} volunteers ranked over {args.cases} cases and {args.leads} "
              f"leads: median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms; "
              f"top {ranking[0].name} {ranking[0].points} points")


if __name__ == "__main__":
    main()
