"""Natural order of buildings and houses (issue 14 item 7) at 200,000 demo persons: the lists' new default order
against the old one, the house picker, and migration 0021's backfill of the keys. In process (Flask's test client,
no HTTP server), signed in as admin; not a test.

    .venv/bin/python bench/bench_natural_order.py [--backend sqlite|postgres|both] [--requests 30]
                                                  [--pg-db NAME]

SQLite: bench/out/natural/bench.db (kept). PostgreSQL: the database --pg-db on 127.0.0.1 (user postgres), whose
public schema is DROPPED and rebuilt on every run (give it a database of its own). Per backend: migrations, seed,
`demo-data --persons 200000 --seed 7` when fewer persons; then the backfill is timed by `db downgrade 0019_team`
and `db upgrade` (the whole command, process start included); PostgreSQL is VACUUM ANALYZEd. Each case: 3
warm-ups, then N timed requests, every answer 200; prints median and p95 in ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "natural"
PYTHON = sys.executable
PERSONS = 200_000
ADMIN_PASSWORD = "Bench-Admin-2026xy"
WARMUPS = 3


def backend_env(backend: str, pg_db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "INSTANCE_DIR", "CELERY_BROKER_URL")}
    OUT.mkdir(parents=True, exist_ok=True)
    env.update(INSTANCE_DIR=str(OUT), SECRET_KEY="bench-only-secret-key", ADMIN_PASSWORD=ADMIN_PASSWORD,
               PYTHONPATH=str(ROOT), RATELIMIT_ENABLED="0")
    env["DATABASE_URL"] = (f"sqlite:///{OUT / 'bench.db'}" if backend == "sqlite"
                           else f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_db}")
    return env


def flask(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run([PYTHON, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1800)
    if proc.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - started


def psql(db: str, sql: str) -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atqc", sql], check=True,
                          capture_output=True, text=True, timeout=600).stdout.strip()


def prepare(backend: str, pg_db: str) -> dict[str, str]:
    env = backend_env(backend, pg_db)
    if backend == "postgres":
        psql(pg_db, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    flask(["db", "upgrade"], env)
    flask(["seed"], env)
    loaded = flask(["demo-data", "--persons", str(PERSONS), "--seed", "7"], env) if _persons(env) < PERSONS else 0
    if loaded:
        print(f"  demo-data: {loaded:.1f} s", flush=True)
    down = flask(["db", "downgrade", "0019_team"], env)
    up = flask(["db", "upgrade"], env)
    print(f"  backfill: db downgrade 0019_team {down:.1f} s, db upgrade (0021: keys of every building and house) "
          f"{up:.1f} s", flush=True)
    if backend == "postgres":
        psql(pg_db, "VACUUM ANALYZE")
    return env


def _persons(env) -> int:
    out = subprocess.run([PYTHON, "-c", (
        "from app import create_app; from app.extensions import db; from sqlalchemy import text; "
        "app = create_app()\nwith app.app_context(): print(db.session.execute(text('SELECT count(*) FROM person'))"
        ".scalar())")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return int(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else 0


def measure(env: dict[str, str], requests: int) -> list[tuple[str, float, float, str]]:
    """Runs in this process with ``env`` applied: the cases through the test client."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Building, Committee, House

    app = create_app({"WTF_CSRF_ENABLED": False})
    with app.app_context():
        committee = db.session.scalars(select(Committee).where(Committee.name == "钢三")).one()
        houses = db.session.scalar(select(func.count()).select_from(House))
        buildings = db.session.scalar(select(func.count()).select_from(Building))
        deep = max(houses // 25 // 2, 1)
    client = app.test_client()
    login = client.post("/login/", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert login.status_code in (302, 303), login.status_code
    from app.organisation.views import BuildingView, HouseView

    new = {HouseView: HouseView.base_order, BuildingView: BuildingView.base_order}
    old = {HouseView: ("id", "desc"), BuildingView: ("id", "desc")}  # the default order before item 7
    cases = [
        ("houses: first page (natural)", "/houses/list/", new),
        ("houses: first page (old: id desc)", "/houses/list/", old),
        (f"houses: page {deep} (natural)", f"/houses/list/?page_HouseView={deep}", new),
        (f"houses: page {deep} (old: id desc)", f"/houses/list/?page_HouseView={deep}", old),
        ("houses: one committee (natural)", f"/houses/list/?_flt_0_committee={committee.id}", new),
        ("houses: one committee (old: id desc)", f"/houses/list/?_flt_0_committee={committee.id}", old),
        ("buildings: first page (natural)", "/buildings/list/", new),
        ("buildings: first page (old: id desc)", "/buildings/list/", old),
        ("house picker 上南路 (natural)", "/lookup/houses?q=%E4%B8%8A%E5%8D%97%E8%B7%AF", new),
    ]
    rows = []
    for name, url, order in cases:
        for view, base_order in order.items():
            view.base_order = base_order
        times = []
        for i in range(WARMUPS + requests):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"{name}: {response.status_code}")
            if i >= WARMUPS:
                times.append(elapsed)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
        rows.append((name, statistics.median(times), p95, f"{houses:,} houses, {buildings:,} buildings"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--pg-db", default="bench_natural")
    parser.add_argument("--measure-only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        for name, median, p95, note in measure(backend_env(args.measure_only, args.pg_db), args.requests):
            print(f"{args.measure_only:9s} {name:40s} median {median:8.1f} ms   p95 {p95:8.1f} ms   ({note})")
        return
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        print(f"[{backend}] setup", flush=True)
        prepare(backend, args.pg_db)
        # Measured in a fresh interpreter with the backend's environment (the app reads it at import).
        subprocess.run([PYTHON, __file__, "--measure-only", backend, "--requests", str(args.requests),
                        "--pg-db", args.pg_db], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
