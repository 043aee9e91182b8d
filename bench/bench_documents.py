"""Benchmark of document rendering through Celery: a real prefork worker on Redis (DB 13), as in production.

Prints median and p95 of
  * a one-page document rendered warm inside a worker child (the sample notice, reports/samples/notice.json;
    target < 0.3 s), measured in the child itself (documents.render_probe);
  * the queue's overhead: round trip of a no-op task (portal.ping) through Redis vs the same task run eagerly
    (target < 10 ms added);
and the worker child's RSS after 0/100/200/300 renders (one FontConfiguration per child: it should stay flat).

    .venv/bin/python bench/bench_documents.py [--renders 300] [--pings 200] [--redis redis://127.0.0.1:6379/13]

Needs Redis. Not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def summary(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"{label}: median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=300, help="renders in the RSS soak (default 300)")
    parser.add_argument("--warm", type=int, default=50, help="timed warm renders (default 50)")
    parser.add_argument("--pings", type=int, default=200, help="no-op round trips (default 200)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="broker and result backend")
    args = parser.parse_args()

    import redis

    redis.Redis.from_url(args.redis).flushdb()
    scratch = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{scratch / 'bench.db'}",  # the probe and ping tasks touch no table
        INSTANCE_DIR=str(scratch / "instance"),
        DOCUMENTS_DIR=str(scratch / "documents"),
        SECRET_KEY="bench",
        CELERY_BROKER_URL=args.redis,
        CELERY_RESULT_BACKEND=args.redis,
        PYTHONPATH=str(ROOT),
    )
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "INSTANCE_DIR", "DOCUMENTS_DIR", "SECRET_KEY")})
    log_path = scratch / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "app.celery_app:celery", "worker", "--pool=prefork",
             "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        from app import create_app

        queued = create_app({"CELERY_BROKER_URL": args.redis, "CELERY_RESULT_BACKEND": args.redis})
        eager = create_app({"CELERY_BROKER_URL": ""})
        celery = queued.extensions["celery"]

        started = time.perf_counter()
        celery.tasks["portal.ping"].delay().get(timeout=60)  # waits for the worker to be up
        print(f"worker up and first round trip after {time.perf_counter() - started:.1f} s")

        # -- queue overhead ----------------------------------------------------------------------------------
        def timed(call, n):
            out = []
            for _ in range(n):
                t = time.perf_counter()
                call()
                out.append(time.perf_counter() - t)
            return out

        via_redis = timed(lambda: celery.tasks["portal.ping"].delay().get(timeout=10), args.pings)
        in_process = timed(lambda: eager.extensions["celery"].tasks["portal.ping"].apply().get(), args.pings)
        print(summary("no-op task, round trip through Redis", via_redis))
        print(summary("no-op task, eager (in-process)", in_process))
        added = statistics.median(via_redis) - statistics.median(in_process)
        print(f"queue adds {added * 1000:.1f} ms (median)  [target < 10 ms]")

        # -- render in the worker child ------------------------------------------------------------------------
        probe = celery.tasks["documents.render_probe"]
        first = probe.delay().get(timeout=120)
        print(f"first render in the child: {first['seconds'] * 1000:.0f} ms, {first['bytes']} bytes, "
              f"RSS {first['rss_mib']:.1f} MiB (pid {first['pid']})")
        results = [probe.delay().get(timeout=60) for _ in range(args.warm)]
        print(summary("one-page notice rendered warm in the worker child", [r["seconds"] for r in results])
              + "  [target < 300 ms]")
        round_trips = timed(lambda: probe.delay().get(timeout=60), 20)
        print(summary("same, as seen by the caller (queue + render + result)", round_trips))

        # -- RSS soak --------------------------------------------------------------------------------------------
        readings, pids = [], set()
        for i in range(args.renders + 1):
            result = probe.delay().get(timeout=60)
            pids.add(result["pid"])
            if i % 100 == 0:
                readings.append((i, result["rss_mib"]))
        print("worker child RSS: " + ", ".join(f"{n} renders {rss:.1f} MiB" for n, rss in readings)
              + f"; child pid(s) {sorted(pids)}")
    finally:
        try:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
