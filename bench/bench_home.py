"""Queries and time of the home page (the to-do list, issue 13 item 1) for a social worker and the street office.

    .venv/bin/python bench/bench_home.py [--backend sqlite|postgres|both] [--persons 200000] [--requests 30]

Per backend:
1. Setup (subprocesses): `flask db upgrade`, `flask seed`, and `flask demo-data --persons N --seed 7` while the
   database has fewer persons. SQLite: bench/out/home_sqlite/bench.db; PostgreSQL: database `bench_home` on
   127.0.0.1 (user postgres), created if missing, VACUUM ANALYZE after the load (autovacuum is off locally).
2. Work on top of the population, once (demo-data makes none): 40 open change cases per committee (half
   collected, a third of them overdue), 5 self-declarations and 3 window applicants per committee; the users
   bench_home_sw (social worker of 钢三, the A worker: holds 钢三's collected cases) and bench_home_office.
3. In process, through Flask's test client (no web server: the figure is the page's own cost): sign in, 3
   warm-ups, then N timed GET / per user; every answer must be 200 and show the to-do cards. SQL statements are
   counted per request (all of them: FAB's user load and the navbar's unread count included).
Prints backend, user, statements per request, median and p95 (ms).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
PG_DB = os.environ.get("BENCH_HOME_PG_DB", "bench_home")  # a shared machine: each bencher names his own
PG_ADMIN = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atqc"]
ADMIN_PASSWORD = "Bench-Admin-2026xy"
PASSWORD = "Bench-Pass-2026xy"
COMMITTEE = "钢三"
USERS = (("bench_home_sw", "social_worker"), ("bench_home_office", "street_office"))
SETUP_TIMEOUT = 1800


def backend_env(backend: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "INSTANCE_DIR", "FAB_UPDATE_PERMS", "CELERY_BROKER_URL"):
        env.pop(name, None)
    instance = OUT / f"home_{backend}"
    instance.mkdir(parents=True, exist_ok=True)
    env.update(INSTANCE_DIR=str(instance), SECRET_KEY="bench-only-secret-key", ADMIN_PASSWORD=ADMIN_PASSWORD,
               PYTHONPATH=str(ROOT))
    env["DATABASE_URL"] = (f"sqlite:///{instance / 'bench.db'}" if backend == "sqlite"
                           else f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}")
    return env


def run(cmd: list[str], env: dict[str, str], what: str) -> str:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    if proc.returncode != 0:
        sys.exit(f"{what} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    print(f"  {what}: {time.perf_counter() - started:.1f} s", flush=True)
    return proc.stdout


def flask(args: list[str], env: dict[str, str], what: str) -> str:
    return run([PYTHON, "-m", "flask", "--app", "app", *args], env, what)


def step(env: dict[str, str], name: str, *extra: str) -> dict:
    out = run([PYTHON, str(Path(__file__).resolve()), f"--{name}", *extra], env, name)
    return json.loads(out.strip().splitlines()[-1])


def prepare(backend: str, persons: int) -> dict[str, str]:
    print(f"[{backend}] setup", flush=True)
    env = backend_env(backend)
    if backend == "postgres":
        found = subprocess.run(PG_ADMIN + [f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'"],
                               capture_output=True, text=True, timeout=30)
        if found.returncode != 0:
            sys.exit(f"PostgreSQL on 127.0.0.1 is not reachable: {found.stderr.strip()}")
        if found.stdout.strip() != "1":
            subprocess.run(PG_ADMIN + [f"CREATE DATABASE {PG_DB}"], check=True, timeout=60)
    flask(["db", "upgrade"], env, "db upgrade")
    flask(["seed"], env, "seed")
    info = step(env, "work")
    if info["persons"] < persons:
        flask(["demo-data", "--persons", str(persons - info["persons"]), "--seed", "7"], env, "demo-data")
        info = step(env, "work")
    if backend == "postgres":
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", PG_DB, "-Atqc", "VACUUM ANALYZE"],
                       check=True, timeout=600)
    print(f"  {info['persons']:,} persons, {info['cases']:,} open cases", flush=True)
    return env


# -- inside the app (run as a subprocess with the backend's environment) ------------------------------------------

def make_work() -> dict:
    """--work: the open cases, declarations and window applicants the home page lists, and the two users."""
    from sqlalchemy import func, insert, select

    from app import create_app
    from app.changes.models import ChangeCase, CommitteeWorkers
    from app.domain import clock
    from app.extensions import db
    from app.models import Committee, House, Person
    from app.verification.models import SelfDeclaration, WindowApplicant

    app = create_app()
    with app.app_context():
        sm = app.appbuilder.sm
        ids = {}
        for username, role in USERS:
            user = sm.find_user(username=username) or sm.add_user(
                username, "Bench", role, f"{username}@bench.localhost", sm.find_role(role), password=PASSWORD)
            ids[username] = user.id
        sw = sm.find_user(username="bench_home_sw")
        committee = db.session.scalars(select(Committee).where(Committee.name == COMMITTEE)).one()
        sw.committees = [committee]
        if not db.session.scalar(select(func.count()).select_from(CommitteeWorkers)
                                 .where(CommitteeWorkers.committee_id == committee.id)):
            db.session.add(CommitteeWorkers(committee_id=committee.id, worker_a_fk=sw.id))
        persons = db.session.scalar(select(func.count()).select_from(Person))
        now = clock.utcnow()
        if persons and not db.session.scalar(select(func.count()).select_from(ChangeCase)):
            rows, declarations, window = [], [], []
            for c in db.session.scalars(select(Committee)).all():
                houses = db.session.scalars(select(House.id).where(House.committee_id == c.id).limit(40)).all()
                for n, house in enumerate(houses):
                    collected = n % 2 == 0
                    reported = now - dt.timedelta(days=n % 6, hours=n)
                    rows.append(dict(
                        committee_id=c.id, house_id=house, kind="move_in", source="report", people_note="",
                        note="", reported_by_name="bench", reported_at=reported, key_area=False,
                        stage="form_collected" if collected else "reported",
                        collection_due=reported + dt.timedelta(days=2), collected_at=reported if collected else None,
                        entry_due=reported + dt.timedelta(days=2) if collected else None,
                        assigned_worker_fk=sw.id if collected and c.id == committee.id else None))
                for n, house in enumerate(houses[:5]):
                    declarations.append(dict(committee_id=c.id, house_id=house, address=f"bench {house}",
                                             address_key=f"house:{house}", name=f"申报{n}",
                                             id_number=f"31011519900101{c.id:02d}{n}X"[:18], status="pending"))
                for n, house in enumerate(houses[5:8]):
                    window.append(dict(committee_id=c.id, house_id=house, name=f"窗口{n}", address=f"bench {house}",
                                       id_number=f"31011519910101{c.id:02d}{n}X"[:18], status="pending"))
            db.session.execute(insert(ChangeCase), rows)
            db.session.execute(insert(SelfDeclaration), declarations)
            db.session.execute(insert(WindowApplicant), window)
        db.session.commit()
        cases = db.session.scalar(select(func.count()).select_from(ChangeCase).where(ChangeCase.stage.in_(
            ("reported", "form_handed_out", "form_collected"))))
        return {"persons": persons, "cases": cases}


def measure(requests: int) -> dict:
    """--measure: sign in as each user and time GET / in process, counting SQL statements."""
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    out = {}
    with app.app_context():
        engine = db.engine
    for username, _role in USERS:
        client = app.test_client()
        answer = client.post("/login/", data={"username": username, "password": PASSWORD}, follow_redirects=True)
        assert answer.status_code == 200, answer.status_code
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        times, per_request = [], []
        for n in range(3 + requests):
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            started = time.perf_counter()
            page = client.get("/")
            elapsed = time.perf_counter() - started
            event.remove(engine, "before_cursor_execute", count)
            html = page.get_data(as_text=True)
            assert page.status_code == 200 and 'id="home-waiting"' in html, (page.status_code, html[:300])
            if n >= 3:
                times.append(elapsed * 1000)
                per_request.append(len(statements))
        times.sort()
        out[username] = {"statements": max(per_request), "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--work", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        print(json.dumps(make_work()))
        return
    if args.measure:
        print(json.dumps(measure(args.requests)))
        return
    for backend in (("sqlite", "postgres") if args.backend == "both" else (args.backend,)):
        env = prepare(backend, args.persons)
        result = step(env, "measure", "--requests", str(args.requests))
        for username, figures in result.items():
            print(f"{backend:8} {username:18} statements/request={figures['statements']:2} "
                  f"median={figures['median_ms']:.1f} ms p95={figures['p95_ms']:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
