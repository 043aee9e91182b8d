"""Celery tasks. Arguments are ids and numbers (JSON), never ORM objects; the acting user is explicit.

Every task runs inside the Flask app context (app.celery_app.FlaskTask) and leaves its session removed.
"""
from __future__ import annotations

import os
import time

from celery import shared_task
from app.documents import jobs


@shared_task(name="documents.render", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def render_document(document_id: int, actor_id: int, delay_seconds: float = 0):
    """Render a requested document (see app.documents.jobs.render_document)."""

    return jobs.render_document(document_id, actor_id, delay_seconds=delay_seconds)


@shared_task(name="documents.mark_stale_jobs", ignore_result=True)
def mark_stale_jobs() -> int:
    """Beat (app/schedule.py): give up jobs stuck in queued/rendering for longer than DOCUMENT_JOB_STALE_MINUTES."""

    return jobs.mark_stale_jobs()


@shared_task(name="portal.ping", ignore_result=False)
def ping() -> str:
    """No-op round trip through the broker (bench/bench_documents.py measures the queue's overhead with it)."""
    return "pong"


@shared_task(name="documents.render_probe", ignore_result=False)
def render_probe() -> dict:
    """Render the sample notice in memory, store nothing: the worker child's render time, RSS and pid. Used by
    bench/bench_documents.py, and handy to check that a worker has its fonts."""
    from app.documents.pdf import render_pdf  # late: WeasyPrint takes about a second to load; only the probe needs it
    from app.documents.samples import sample_notice_context  # late: the sample notice's context is built only for the probe

    started = time.perf_counter()
    pdf = render_pdf("notice.html", sample_notice_context(), strict=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "bytes": len(pdf), "rss_mib": _rss_mib(), "pid": os.getpid()}


def _rss_mib() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return float("nan")
