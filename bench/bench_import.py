"""Loading the register from Excel (issue 15): 200,000 rows checked (dry run) and imported, on SQLite and PostgreSQL.

    /work/main/.venv/bin/python bench/bench_import.py [--rows 200000] [--backend sqlite|postgres|both]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/h7_import_bench]

Writes bench/out/register-<rows>.xlsx once (valid ID numbers, 23 committees, ~4 persons a house; a few dozen
pairs of rows share a name and a birth date by chance, so the review queue is exercised too). Each backend starts
from a fresh schema (migrations + seeded organisation); each step runs in a process of its own, as the CLI or a
worker task would, and reports: the dry run alone, the import (one read of the file: checked and written batch by
batch), the same file imported again (idempotent: all unchanged), the step's peak RSS, and the machine's load
average around it.
Targets: under 2 minutes per import, under 500 MB. One run each: a 2-minute job needs no median. The process's CPU
time is printed too: on a shared, loaded machine it says more than the wall clock (PostgreSQL's own work is not in
it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def make_file(rows: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from openpyxl import Workbook

    from app.domain.idnumber import make_id_number
    from app.domain.organisation import COMMITTEES

    path = OUT / f"register-{rows}.xlsx"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    names = [c.name for c in COMMITTEES]
    rng = random.Random(7)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    categories = ("户籍", "人户分离", "来沪")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("实有人口登记")
    ws.append(["序号", "居委", "地址", "室号", "姓名", "证件类型", "证件号码", "人员类别", "户籍地址", "联系电话", "入住日期"])
    used = set()
    for i in range(rows):
        committee = names[i % len(names)]
        house = i // 4
        building, room = f"上南路{100 + house // 60}弄{(house // 12) % 5 + 1}号", f"{(house % 12) // 2 + 1}0{house % 2 + 1}"
        while True:
            born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 59 * 365))  # before every move-in date
            number = make_id_number("310115", born, rng.randrange(0, 1000))
            if number not in used:
                used.add(number)
                break
        ws.append([i + 1, committee, building, room, rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                   "居民身份证", number, categories[i % 3], "上海市浦东新区" + building, f"139{rng.randrange(10**8):08d}",
                   (dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 9000))).isoformat()])
    wb.save(path)
    return path


STEPS = (("dry_run", True), ("import", False), ("reimport", False))


def child(url: str, path: Path, step: str) -> None:
    """One step in a process of its own, as the CLI or a worker task runs it: its peak RSS is that step's alone."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    fresh = step == STEPS[0][0]
    if fresh and url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.importing import service
    from app.seeding import seed_organisation

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "IMPORT_MAX_ROWS": 250_000})
    result = {}
    with app.app_context():
        if fresh:
            upgrade()
            seed_organisation()
            db.session.commit()
        dry = dict(STEPS)[step]
        load_before = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        outcome = service.import_register(path, None, dry_run=dry, skip_invalid=False)
        if not dry:
            db.session.commit()
        else:
            db.session.rollback()
        result[step] = {"seconds": round(time.perf_counter() - started, 1),
                        "cpu_seconds": round(time.process_time() - cpu, 1),
                        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                        "load": f"{load_before:.1f}→{os.getloadavg()[0]:.1f}",
                        "summary": outcome.summary.as_dict()}
    print(json.dumps(result, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/h7_import_bench")
    parser.add_argument("--child", nargs=3, metavar=("URL", "FILE", "STEP"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.child[2])
        return
    started = time.perf_counter()
    path = make_file(args.rows)
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - started:.0f} s)")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            db_file = OUT / "import-bench.db"
            if db_file.exists():
                db_file.unlink()
            url = f"sqlite:///{db_file}"
        else:
            url = args.pg
            name = url.rsplit("/", 1)[1]
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {name}"],
                           capture_output=True)
        env = dict(os.environ, DATABASE_URL=url)
        for step, _dry in STEPS:
            out = subprocess.run([sys.executable, __file__, "--child", url, str(path), step], env=env, cwd=ROOT,
                                 capture_output=True, text=True)
            lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
            if out.returncode or not lines:
                print(backend, step, "failed:", out.stderr[-3000:])
                break
            figures = json.loads(lines[-1])[step]
            s = figures["summary"]
            print(f"{backend:8} {step:9} {figures['seconds']:7.1f} s (CPU {figures['cpu_seconds']:.1f} s)  "
                  f"peak RSS {figures['peak_rss_mb']} MB  load {figures['load']}  "
                  f"rows={s['rows']} created={s['persons_created']} houses={s['houses_created']} "
                  f"review={s['review']} unchanged={s['unchanged']} errors={s['errors']}", flush=True)


if __name__ == "__main__":
    main()
