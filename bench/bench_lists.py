"""Timings of the person and house lists through a real gunicorn server on the 200,000-person demo database
(not a test).

    .venv/bin/python bench/bench_lists.py [--backend sqlite|postgres|both] [--requests 30] [--cases house]

BENCH_OUT (default bench/out) and BENCH_PG_DB (default bench_portal) place the kept databases elsewhere.

Per backend:
1. Setup. Always `flask db upgrade` and `flask seed` (idempotent, a few seconds, keeps a kept database on the
   current schema); `flask demo-data --persons 200000 --seed 7` only while the database has fewer persons.
   SQLite: bench/out/sqlite/bench.db (INSTANCE_DIR=bench/out/sqlite, gitignored). PostgreSQL: database
   `bench_portal` on 127.0.0.1 (user postgres), created if missing, then VACUUM ANALYZE (autovacuum is off on
   the local server). Both are kept for the next run.
   Then, inside an app context: the plain view's permissions (bench/plain_app.py) and, when the roles
   social_worker and zone_leader exist, the users bench_sw (committee 钢三) and bench_zl (zone of 钢三).
2. gunicorn -w 2 on a free loopback port serving `app:create_app()` (the portal) and, at the same time, another serving
   bench/plain_app.py (the portal + stock FAB ModelViews over Person at /plainpersonview/list/ and House at
   /plainhouseview/list/).
3. For each user: log in (stdlib urllib + cookie jar, CSRF token from the form), 3 warm-ups then N timed
   requests of each case. The admin's requests alternate between the portal and the stock view, request by
   request, so a change of load on a shared machine falls on both alike; every response must be 200, the ID lookup must show the person and the house list
   filtered by a building of 钢三 must name that building. The page's size (KB) is printed with its times: stock
   FAB's house list carries every building of the street in its filter (issue 14 item 8).
Prints backend, user, case, median and p95 (ms) and KB, then the scoped users' and the plain view's medians relative
to admin on the portal view. The servers are stopped at the end whatever happens.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = Path(os.environ.get("BENCH_OUT") or BENCH / "out")
VENV_BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin" / "python").exists() else Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")

PERSONS = 200_000
DEMO_SEED = 7
ADMIN_PASSWORD = "Bench-Admin-2026xy"
SCOPED_PASSWORD = "Bench-Pass-2026xy"
COMMITTEE_NAME = "钢三"
PG_DB = os.environ.get("BENCH_PG_DB") or "bench_portal"
PG_ADMIN = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atqc"]
CASES = ["first page", "page 5000", "one committee", "ID lookup", "page 5000 by name", "house list",
         "houses of a building"]
WARMUPS = 3
REQUEST_TIMEOUT = 120  # seconds, per request
SETUP_TIMEOUT = 900  # seconds, per setup command (the 200k load takes well under a minute)


# ---------------------------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------------------------


def backend_env(backend: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "INSTANCE_DIR", "FAB_UPDATE_PERMS", "CELERY_BROKER_URL", "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    instance = OUT / backend
    instance.mkdir(parents=True, exist_ok=True)
    env["INSTANCE_DIR"] = str(instance)
    env["SECRET_KEY"] = "bench-only-secret-key"
    env["ADMIN_PASSWORD"] = ADMIN_PASSWORD
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(BENCH)])
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{instance / 'bench.db'}"
    else:
        env["DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
    return env


def run(cmd: list[str], env: dict[str, str], what: str) -> str:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    if proc.returncode != 0:
        sys.exit(f"{what} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    print(f"  {what}: {time.perf_counter() - started:.1f} s", flush=True)
    return proc.stdout


def ensure_pg_database() -> None:
    found = subprocess.run(PG_ADMIN + [f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'"],
                           capture_output=True, text=True, timeout=30)
    if found.returncode != 0:
        sys.exit(f"PostgreSQL on 127.0.0.1 is not reachable: {found.stderr.strip()}")
    if found.stdout.strip() != "1":
        subprocess.run(PG_ADMIN + [f"CREATE DATABASE {PG_DB}"], check=True, timeout=60)
        print(f"  created database {PG_DB}")


def flask(args: list[str], env: dict[str, str], what: str) -> str:
    return run([PYTHON, "-m", "flask", "--app", "app", *args], env, what)


def inside_app(env: dict[str, str]) -> dict:
    """Runs this script with --inside-app under ``env`` and returns the JSON it prints last."""
    out = run([PYTHON, str(Path(__file__).resolve()), "--inside-app"], env, "app-context setup")
    return json.loads(out.strip().splitlines()[-1])


def prepare(backend: str) -> tuple[dict[str, str], dict]:
    print(f"[{backend}] setup", flush=True)
    env = backend_env(backend)
    if backend == "postgres":
        ensure_pg_database()
    flask(["db", "upgrade"], env, "db upgrade")
    flask(["seed"], env, "seed")
    info = inside_app(env)
    if info["persons"] < PERSONS:
        print(f"  {info['persons']:,} persons: loading {PERSONS:,} (once; the database is kept)", flush=True)
        flask(["demo-data", "--persons", str(PERSONS), "--seed", str(DEMO_SEED)], env, "demo-data")
        info = inside_app(env)
    if backend == "postgres":
        # This server runs with autovacuum off: without statistics and a visibility map the planner estimates
        # 13,000 rows instead of 200,000 and cannot use index-only scans. A production server's autovacuum does
        # this by itself after a bulk load. SQLite is left as the embedded default leaves it (never ANALYZEd).
        started = time.perf_counter()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", PG_DB, "-Atqc", "VACUUM ANALYZE"],
                       check=True, timeout=300)
        print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.1f} s", flush=True)
    print(f"  {info['persons']:,} persons; {COMMITTEE_NAME} = committee {info['committee_id']} "
          f"({info['committee_persons']:,} persons); scoped users: "
          f"{', '.join(u['username'] for u in info['users'][1:]) or 'none (' + info['scoped_note'] + ')'}",
          flush=True)
    return env, info


def app_context_setup() -> None:
    """--inside-app: plain view permissions, scoped users, and the facts the cases need, as one JSON line."""
    sys.path[:0] = [str(ROOT), str(BENCH)]
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Building, Committee, Person
    from plain_app import create_app, grant_plain_permissions

    app = create_app()
    with app.app_context():
        sm = app.appbuilder.sm
        grant_plain_permissions(app)
        persons = db.session.scalar(select(func.count()).select_from(Person))
        committee = db.session.scalars(select(Committee).where(Committee.name == COMMITTEE_NAME)).one()
        in_committee = db.session.scalar(select(func.count()).where(Person.committee_id == committee.id))
        # A person of 钢三 in the middle of the table (so neither the first nor the last rows).
        person = db.session.scalars(
            select(Person).where(Person.committee_id == committee.id).order_by(Person.id)
            .offset(max(in_committee // 2, 0)).limit(1)
        ).first()
        building = db.session.scalars(
            select(Building).where(Building.committee_id == committee.id).order_by(Building.id).limit(1)).first()
        users = [{"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"}]
        roles = {name: sm.find_role(name) for name in ("social_worker", "zone_leader")}
        note = ""
        if not all(roles.values()):
            note = "roles social_worker/zone_leader not in the database"
        else:
            for username, role_name in (("bench_sw", "social_worker"), ("bench_zl", "zone_leader")):
                user = sm.find_user(username=username)
                if user is None:
                    user = sm.add_user(username, "Bench", role_name, f"{username}@bench.localhost",
                                       roles[role_name], password=SCOPED_PASSWORD)
                    if not user:
                        sys.exit(f"could not create {username}")
                else:
                    user.roles = [roles[role_name]]
                    user.active = True
                    sm.reset_password(user.id, SCOPED_PASSWORD)
                if not (hasattr(user, "committees") and hasattr(user, "zone_id")):
                    note = f"the user model ({type(user).__name__}) has no zone_id/committees yet"
                    db.session.rollback()
                    break
                if role_name == "social_worker":
                    user.committees = [committee]
                    user.zone_id = None
                else:
                    user.committees = []
                    user.zone_id = committee.zone_id
                db.session.commit()
                users.append({"username": username, "password": SCOPED_PASSWORD, "role": role_name})
            if note:
                users = users[:1]
        db.session.commit()
        print(json.dumps({
            "persons": persons,
            "committee_id": committee.id,
            "zone_id": committee.zone_id,
            "committee_persons": in_committee,
            "person": {"name": person.name, "id_number": person.id_number} if person else None,
            "building": {"id": building.id, "name": building.name} if building else None,
            "users": users,
            "scoped_note": note,
        }, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------------------------
# Server and client
# ---------------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], app_spec: str, label: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = OUT / f"gunicorn-{label}.log"
        self.log = open(self.log_path, "w")
        cmd = [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
               "--pythonpath", f"{ROOT},{BENCH}", app_spec]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/login/", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


class _NoProxy(urllib.request.ProxyHandler):
    def __init__(self):
        super().__init__({})  # loopback only: never go through an http_proxy from the environment


class Client:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(_NoProxy(), urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.base + path, timeout=REQUEST_TIMEOUT) as resp:
                return resp.status, resp.geturl(), resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.geturl(), exc.read().decode("utf-8", "replace")

    def login(self, username: str, password: str) -> None:
        status, _, page = self.get("/login/")
        match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"', page)
        if status != 200 or not match:
            raise RuntimeError(f"no CSRF token on /login/ (HTTP {status})")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": match.group(1)}).encode()
        request = urllib.request.Request(self.base + "/login/", data=data, method="POST")
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as resp:
                final = resp.geturl()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"login of {username} failed: HTTP {exc.code}") from exc
        if "/login" in urllib.parse.urlparse(final).path:
            raise RuntimeError(f"login of {username} failed (back on the login page)")


def cases(list_path: str, view: str, info: dict, id_arg: str, house_path: str) -> list[tuple[str, str]]:
    id_number = urllib.parse.quote(info["person"]["id_number"])
    building = info["building"]["id"]
    return [
        ("first page", f"{list_path}"),
        ("page 5000", f"{list_path}?page_{view}=5000"),
        ("one committee", f"{list_path}?_flt_0_committee={info['committee_id']}"),
        ("ID lookup", f"{list_path}?{id_arg}={id_number}"),
        ("page 5000 by name", f"{list_path}?page_{view}=5000&_oc_{view}=name&_od_{view}=asc"),
        ("house list", house_path),
        ("houses of a building", f"{house_path}?_flt_0_building={building}"),
    ]


def check(case: str, status: int, body: str, info: dict, path: str) -> None:
    if status != 200:
        raise RuntimeError(f"{case}: HTTP {status} for {path}")
    if case == "ID lookup":
        from app.domain.idnumber import mask_id_number

        person = info["person"]
        number = person["id_number"]
        if person["name"] not in body or (number not in body and mask_id_number(number) not in body):
            raise RuntimeError(f"{case}: {person['name']} {number} not in the page {path}")
    if case == "houses of a building" and info["building"]["name"] not in body:
        raise RuntimeError(f"{case}: {info['building']['name']} is not in the page {path}")


def _timed_get(client: "Client", case: str, path: str, info: dict) -> tuple[float, int]:
    started = time.perf_counter()
    status, _, body = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    check(case, status, body, info, path)
    return elapsed, len(body.encode("utf-8"))


def time_side_by_side(servers: list[Server], user: dict, cases_per_server: list[list[tuple[str, str]]], info: dict,
                      n: int) -> list[dict[str, tuple[list[float], int]]]:
    """The same case on each server in turn, request by request, so that a change of machine load during the run
    falls on every view alike and the ratio stays honest on a shared machine."""
    clients = []
    for server in servers:
        client = Client(server.base)
        client.login(user["username"], user["password"])
        clients.append(client)
    timings: list[dict[str, tuple[list[float], int]]] = [{} for _ in servers]
    for paired in zip(*cases_per_server):
        case = paired[0][0]
        samples: list[list[float]] = [[] for _ in servers]
        sizes = [0] * len(servers)
        for i in range(WARMUPS + n):
            for k, (client, (_, path)) in enumerate(zip(clients, paired)):
                elapsed, sizes[k] = _timed_get(client, case, path, info)
                if i >= WARMUPS:
                    samples[k].append(elapsed)
        for k in range(len(servers)):
            timings[k][case] = samples[k], sizes[k]
        print(f"    {user['username']:<9} {case:<20} " + "  ".join(
            f"median {statistics.median(s):8.1f} ms {size / 1024:8.1f} KB" for s, size in zip(samples, sizes)),
            flush=True)
    return timings


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


# ---------------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------------


def bench_backend(backend: str, n: int, only: str = "") -> list[dict]:
    env, info = prepare(backend)
    if not info["person"]:
        sys.exit(f"no person in {COMMITTEE_NAME}: the demo data is missing")
    rows = []
    ours = cases("/persons/list/", "PersonView", info, "_flt_0_id_number", "/houses/list/")
    # Stock FAB: the first filter of a text column is FilterStartsWith, so _flt_0_ is "starts with" there.
    plain = cases("/plainpersonview/list/", "PlainPersonView", info, "_flt_0_id_number", "/plainhouseview/list/")
    ours, plain = ([c for c in view_cases if only in c[0]] for view_cases in (ours, plain))
    labels = ("portal", "plain FAB")
    servers = [Server(env, spec, f"{backend}-{label.replace(' ', '_')}")
               for label, spec in zip(labels, ("app:create_app()", "plain_app:create_app()"))]
    try:
        for server in servers:
            server.wait()
        admin, *scoped = info["users"]
        print(f"[{backend}] admin, the portal and the stock FAB view side by side", flush=True)
        timed = time_side_by_side(servers, admin, [ours, plain], info, n)
        print(f"[{backend}] the portal's scoped users", flush=True)
        for user in scoped:
            timed.append(time_side_by_side(servers[:1], user, [ours], info, n)[0])
        owners = [("portal", admin), ("plain FAB", admin)] + [("portal", user) for user in scoped]
        for (label, user), timings in zip(owners, timed):
            for case, (samples, size) in timings.items():
                rows.append({"backend": backend, "view": label, "user": user["username"], "case": case,
                             "median": statistics.median(samples), "p95": p95(samples), "kb": size / 1024})
    finally:
        for server in servers:
            server.stop()
    return rows


def report(rows: list[dict], n: int) -> None:
    print(f"\nPerson and house lists, 200,000 persons, gunicorn -w 2, {n} requests per case after {WARMUPS} "
          "warm-ups (ms; KB of the page)")
    print(f"{'backend':<9} {'view':<10} {'user':<9} {'case':<20} {'median':>8} {'p95':>8} {'KB':>8}")
    for r in rows:
        print(f"{r['backend']:<9} {r['view']:<10} {r['user']:<9} {r['case']:<20} {r['median']:8.1f} "
              f"{r['p95']:8.1f} {r['kb']:8.1f}")
    base = {(r["backend"], r["case"]): r["median"] for r in rows if r["view"] == "portal" and r["user"] == "admin"}
    print("\nMedian relative to admin on the portal view (>1: slower)")
    print(f"{'backend':<9} {'who':<20} " + " ".join(f"{c:>17}" for c in CASES))
    others = sorted({(r["backend"], r["view"], r["user"]) for r in rows} - {(b, "portal", "admin") for b, _ in base})
    for backend, view, user in others:
        who = f"{user}" if view == "portal" else f"{view} ({user})"
        ratios = []
        for case in CASES:
            mine = next((r["median"] for r in rows
                         if (r["backend"], r["view"], r["user"], r["case"]) == (backend, view, user, case)), None)
            ref = base.get((backend, case))
            ratios.append(f"{mine / ref:17.2f}" if mine and ref else f"{'-':>17}")
        print(f"{backend:<9} {who:<20} " + " ".join(ratios))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per case (after 3 warm-ups)")
    parser.add_argument("--cases", default="", help="only the cases whose name contains this (e.g. house)")
    parser.add_argument("--inside-app", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside_app:
        app_context_setup()
        return
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows: list[dict] = []
    for backend in backends:
        rows += bench_backend(backend, args.requests, args.cases)
    report(rows, args.requests)


if __name__ == "__main__":
    main()
