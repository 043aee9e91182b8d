#!/usr/bin/env bash
# Runs the test suite with the system clock moved, to prove no test reads the real date (DEVELOPERS.md):
#   scripts/test_at.sh "2026-12-31 23:30:00" [pytest args]     (the time is UTC; it ticks from there)
# libfaketime comes from PyPI (the test extra); monotonic time is left alone so timeouts still work.
set -euo pipefail
cd "$(dirname "$0")/.."
when=${1:?usage: scripts/test_at.sh "YYYY-MM-DD HH:MM:SS" [pytest args]}
shift
lib=$(.venv/bin/python -c "import libfaketime, pathlib; print(next(pathlib.Path(libfaketime.__file__).parent.rglob('libfaketime.so.1')))")
export LD_PRELOAD="$lib" FAKETIME="@$when" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1 TZ=UTC
echo "==> system clock at $(date -u '+%F %T') UTC" >&2
exec .venv/bin/pytest "$@"
