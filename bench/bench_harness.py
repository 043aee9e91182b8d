"""What the test harness itself costs per test (issue 11 item 6), for one checkout or two side by side (not a test).

    .venv/bin/python bench/bench_harness.py [--tests 60] [--repeats 3] [--backend sqlite|postgresql|both]
                                            [--reference DIR] [CHECKOUT]

Writes a throwaway test module into each checkout's tests/ (removed afterwards): N tests that each take the
``app`` and ``client`` fixtures, sign in as the admin and open the home page — the smallest thing a real test
does. Runs it with that checkout's own conftest on SQLite and, when reachable, on PostgreSQL
(TEST_DATABASE_URL, default database ``test`` on 127.0.0.1; its schema is recreated by the conftest), ``repeats``
times, and prints what each test costs (median of setup + call + teardown; the first test's setup, where the
session's app is built, apart) and what is paid once per run. With ``--reference`` (e.g.
a worktree of the commit before the harness changed) the same runs are made there, one after the other in the
same sitting, and the ratio is printed.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
MODULE = "test_zz_bench_harness.py"
BODY = '''
import pytest
from tests.conftest import login


@pytest.mark.parametrize("n", range({n}))
def test_harness(client, n):
    login(client)
    assert client.get("/").status_code == 200
'''
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> bool:
    probe = "import sys, psycopg; psycopg.connect(sys.argv[1].replace('+psycopg', ''), connect_timeout=3).close()"
    return subprocess.run([PYTHON, "-c", probe, PG_URL], capture_output=True).returncode == 0


def _run(checkout: Path, backend: str, tests: int) -> tuple[float, float]:
    """One pytest run: (the session's one-off setup, the median of each test's setup + call + teardown), seconds."""
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    if backend == "postgresql":
        env["TEST_DATABASE_URL"] = PG_URL
    module = checkout / "tests" / MODULE
    module.write_text(BODY.format(n=tests))
    try:
        result = subprocess.run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=0",
                                 "--durations-min=0", f"tests/{MODULE}"],
                                cwd=checkout, env=env, capture_output=True, text=True)
    finally:
        module.unlink()
    if not re.search(rf"{tests} passed", result.stdout):
        raise SystemExit(f"{checkout} on {backend}: the harness run failed\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    per_test: dict[str, float] = {}
    first_setup = 0.0
    for seconds, phase, test in re.findall(r"^([0-9.]+)s (setup|call|teardown)\s+(\S+)$", result.stdout, re.M):
        if phase == "setup" and test.endswith("[0]"):
            first_setup = float(seconds)  # the session's app, migrations and seed are built here
            continue
        per_test[test] = per_test.get(test, 0.0) + float(seconds)
    return first_setup, statistics.median(per_test.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", nargs="?", default=str(ROOT))
    parser.add_argument("--reference", help="a second checkout (the 'before'), timed in the same sitting")
    parser.add_argument("--tests", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = [b for b in ("sqlite", "postgresql") if args.backend in (b, "both")]
    if "postgresql" in backends and not _pg_reachable():
        print(f"PostgreSQL not reachable at {PG_URL}: SQLite only")
        backends.remove("postgresql")
    checkouts = [("checkout", Path(args.checkout))] + ([("reference", Path(args.reference))] if args.reference else [])
    print(f"{args.tests} tests per run, {args.repeats} runs; load {os.getloadavg()[0]:.2f}")
    for backend in backends:
        medians = {}
        for label, checkout in checkouts:
            runs = [_run(checkout, backend, args.tests) for _ in range(args.repeats)]
            session = statistics.median(first for first, _ in runs)
            medians[label] = statistics.median(each for _, each in runs)
            print(f"{backend:10} {label:9} per test {1000 * medians[label]:6.0f} ms (runs: "
                  f"{', '.join(f'{1000 * each:.0f}' for _, each in runs)}); once per run {session:5.1f} s  ({checkout})")
        if "reference" in medians:
            print(f"{backend:10} per test, checkout / reference = {medians['checkout'] / medians['reference']:.2f}")
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
