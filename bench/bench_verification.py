"""Timings of verification on the 200,000-person demo databases with 1,000,000 verification records (not a test).

    .venv/bin/python bench/bench_verification.py [--backend sqlite|postgres|both] [--requests 30]

Setup as bench/bench_lists.py (same databases: bench/out/sqlite/bench.db and PostgreSQL `bench_portal`):
`flask db upgrade`, `flask seed`, `flask demo-data --persons 200000 --seed 7` while there are fewer persons, then
generate_verifications(1,000,000) while there are fewer than 900,000 verification records, then ANALYZE
(PostgreSQL: VACUUM ANALYZE, so the coverage counts are index-only scans).

Measured in-process through Flask's test client (the whole request: routing, FAB's permission check, queries,
template; no network), logged in as the bench team member `bench_tm` (zone of 钢三):
- the sweep page of the building with the most registered persons (~300 in the demo data),
- a mark saved (POST /verification/sweep/mark, JSON answer), each on another person,
- queries.coverage() for all 23 committees (the quota and coverage page's query work) and the page itself as admin.
Prints backend, case, median and p95 (ms).
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_lists import ADMIN_PASSWORD, DEMO_SEED, PERSONS, PG_ADMIN, PG_DB, PYTHON, backend_env  # noqa: E402

RECORDS = 1_000_000
TM_PASSWORD = "Bench-Pass-2026xy"


def sh(cmd, env):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def setup(backend: str) -> dict:
    env = backend_env(backend)
    if backend == "postgres":
        exists = subprocess.run(PG_ADMIN + [f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'"],
                                capture_output=True, text=True).stdout.strip()
        if not exists:
            subprocess.run(PG_ADMIN + [f"CREATE DATABASE {PG_DB}"], check=True)
    flask = [PYTHON, "-m", "flask", "--app", "app"]
    sh(flask + ["db", "upgrade"], env)
    sh(flask + ["seed"], env)
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "INSTANCE_DIR", "SECRET_KEY")})
    from app import create_app
    from app.extensions import db
    from sqlalchemy import text

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI":
                      env["DATABASE_URL"]})
    with app.app_context():
        persons = db.session.execute(text("SELECT count(*) FROM person")).scalar()
        if persons < PERSONS:
            sh(flask + ["demo-data", "--persons", str(PERSONS - persons), "--seed", str(DEMO_SEED)], env)
        db.session.remove()
        from app.verification.models import VerificationHouseYear, VerificationPersonYear, rebuild_coverage

        # A database migrated before 0005 gained the first-visit tables: create and fill them once.
        tables = [VerificationHouseYear.__table__, VerificationPersonYear.__table__]
        with db.engine.begin() as conn:
            missing = [t for t in tables if not db.engine.dialect.has_table(conn, t.name)]
            if missing:
                db.metadata.create_all(conn, tables=missing)
                rebuild_coverage(conn)
            conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_residence_active_committee ON residence "
                                 "(committee_id) WHERE end_date IS NULL")
        have = db.session.execute(text("SELECT count(*) FROM verification_record")).scalar()
        db.session.remove()
        if have < RECORDS * 0.9:
            from app.demo_data import generate_verifications

            started = time.perf_counter()
            made = generate_verifications(db.engine, RECORDS - have, DEMO_SEED)
            print(f"{backend}: generated {made['records']:,} verification records in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        if backend == "postgres":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        _bench_user(app)
    return {"app": app, "env": env}


def _bench_user(app):
    from app.extensions import db
    from app.models import Committee, PortalUser

    sm = app.appbuilder.sm
    user = db.session.query(PortalUser).filter_by(username="bench_tm").one_or_none()
    committee = db.session.query(Committee).filter_by(name="钢三").one()
    if user is None:
        sm.add_user("bench_tm", "bench", "队员", "bench_tm@example.test", sm.find_role("team_member"),
                    password=TM_PASSWORD)
        user = db.session.query(PortalUser).filter_by(username="bench_tm").one()
    user.zone_id = committee.zone_id
    db.session.commit()


def login(client, username, password):
    res = client.post("/login/", data={"username": username, "password": password})
    assert res.status_code in (200, 302), res.status_code


def timed(fn, n):
    for _ in range(3):
        fn(0)
    out = []
    for i in range(n):
        started = time.perf_counter()
        fn(i + 1)
        out.append((time.perf_counter() - started) * 1000)
    out.sort()
    return statistics.median(out), out[min(len(out) - 1, int(round(0.95 * (len(out) - 1))))]


def bench(backend: str, n: int) -> list[tuple]:
    ctx = setup(backend)
    app = ctx["app"]
    from sqlalchemy import text

    from app.extensions import db
    from app.verification.service import queries, reach

    with app.app_context():
        row = db.session.execute(text(
            "SELECT h.building_id, count(*) AS n FROM residence r JOIN house h ON h.id = r.house_id "
            "JOIN committee c ON c.id = h.committee_id WHERE r.end_date IS NULL AND c.zone_id = "
            "(SELECT zone_id FROM committee WHERE name = '钢三') GROUP BY h.building_id ORDER BY n DESC LIMIT 1")).one()
        building_id, size = row
        people = [p for (p,) in db.session.execute(text(
            "SELECT r.person_id FROM residence r JOIN house h ON h.id = r.house_id JOIN committee c "
            "ON c.id = h.committee_id WHERE r.end_date IS NULL AND c.name = '钢三' AND NOT EXISTS (SELECT 1 FROM "
            "verification_record v WHERE v.person_id = r.person_id AND v.checked_on = :d) "
            "ORDER BY r.person_id DESC LIMIT 400"), {"d": reach.local_today()})]
        today = reach.local_today()
        db.session.execute(text("DELETE FROM verification_record WHERE checked_on = :d AND recorded_by_fk = "
                                "(SELECT id FROM ab_user WHERE username = 'bench_tm')"), {"d": today})
        db.session.commit()
    client = app.test_client()
    login(client, "bench_tm", TM_PASSWORD)
    admin = app.test_client()
    login(admin, "admin", ADMIN_PASSWORD)
    results = []

    def page(_i):
        res = client.get(f"/verification/sweep/building/{building_id}")
        assert res.status_code == 200, res.status_code

    results.append((backend, f"building page ({size} persons)",) + timed(page, n))
    it = iter(people)

    def mark(_i):
        res = client.post("/verification/sweep/mark", data={"person": next(it), "result": "correct"},
                          headers={"X-Requested-With": "fetch"})
        assert res.status_code == 200, res.get_data(as_text=True)

    results.append((backend, "mark saved",) + timed(mark, n))

    def cov(_i):
        with app.app_context():
            rows = queries.coverage(today.year)
            assert len(rows) == 23
            db.session.remove()

    results.append((backend, "coverage, 23 committees (service)",) + timed(cov, n))

    def cov_page(_i):
        res = admin.get("/verification/coverage/")
        assert res.status_code == 200, res.status_code

    results.append((backend, "coverage page (admin)",) + timed(cov_page, n))
    with app.app_context():
        db.session.execute(text("DELETE FROM verification_record WHERE checked_on = :d AND recorded_by_fk = "
                                "(SELECT id FROM ab_user WHERE username = 'bench_tm')"), {"d": today})
        db.session.commit()
        db.engine.dispose()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows = []
    for backend in backends:
        # One backend per process: the app reads DATABASE_URL at import time.
        if len(backends) > 1:
            out = subprocess.run([PYTHON, __file__, "--backend", backend, "--requests", str(args.requests)],
                                 cwd=ROOT, capture_output=True, text=True, timeout=3600)
            print(out.stdout, end="")
            if out.returncode != 0:
                print(out.stderr[-3000:])
            continue
        rows = bench(backend, args.requests)
        for backend_, case, median, p95 in rows:
            print(f"{backend_:9} {case:40} median {median:7.1f} ms   p95 {p95:7.1f} ms", flush=True)


if __name__ == "__main__":
    main()
