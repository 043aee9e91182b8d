"""Benchmark: render reports/notice.html to PDF in one process.

Prints the first render time (fresh process: includes importing WeasyPrint and building the FontConfiguration),
median and p95 of 50 warm renders, and VmRSS before/after 300 further renders (one FontConfiguration per process,
so RSS should stay flat).

    .venv/bin/python bench/bench_render.py [--warm 50] [--soak 300]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def vm_rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # kB → MiB
    raise RuntimeError("VmRSS not found in /proc/self/status")


def vm_hwm_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _sample_context() -> dict:
    from app.documents.samples import sample_notice_context  # the one sample notice (reports/samples/notice.json)

    return sample_notice_context()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=50, help="timed warm renders (default 50)")
    parser.add_argument("--soak", type=int, default=300, help="renders between the two RSS readings (default 300)")
    parser.add_argument("--strict", action="store_true", help="render with strict=True (.notdef check)")
    args = parser.parse_args()

    rss_start = vm_rss_mib()
    t0 = time.perf_counter()
    from app.documents.pdf import render_pdf  # noqa: E402  (import time is part of the first render)

    context = _sample_context()
    pdf = render_pdf("notice.html", context, strict=args.strict)
    first = time.perf_counter() - t0
    print(f"first render (incl. import weasyprint + FontConfiguration): {first * 1000:.0f} ms, {len(pdf)} bytes")

    times = []
    for _ in range(args.warm):
        t = time.perf_counter()
        render_pdf("notice.html", context, strict=args.strict)
        times.append(time.perf_counter() - t)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"warm renders x{args.warm}: median {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, min {times[0] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
    )

    gc.collect()
    rss_before = vm_rss_mib()
    t = time.perf_counter()
    for _ in range(args.soak):
        render_pdf("notice.html", context, strict=args.strict)
    soak = time.perf_counter() - t
    gc.collect()
    rss_after = vm_rss_mib()
    print(f"RSS at start (python only): {rss_start:.1f} MiB")
    print(
        f"RSS before {args.soak} renders: {rss_before:.1f} MiB, after: {rss_after:.1f} MiB "
        f"(delta {rss_after - rss_before:+.1f} MiB), peak VmHWM {vm_hwm_mib():.1f} MiB; "
        f"{args.soak} renders took {soak:.1f} s ({args.soak / soak:.1f}/s)"
    )


if __name__ == "__main__":
    main()
