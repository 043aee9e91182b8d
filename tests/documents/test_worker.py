"""Real Celery processes: a prefork worker on Redis renders a document; a worker child SIGKILLed mid-task is
redelivered (acks_late + reject_on_worker_lost) and the job still finishes; beat starts and reads the schedule.

The worker shares the test's database (the SQLite file of the session, or PostgreSQL with TEST_DATABASE_URL) and
documents directory, through the environment. Every process is killed by the celery_process fixture.
"""
from __future__ import annotations

import os
import signal
import time

import pytest

from app.documents import jobs, service
from app.documents.models import Document

KIND = "population_register"
WORKER_ARGS = ["worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-gossip",
               "--without-mingle", "--without-heartbeat", "-n", "docs-test@%h"]


@pytest.fixture()
def broker_app(app_config, redis_db, clean_documents):
    from app import create_app

    return create_app({**app_config, "CELERY_BROKER_URL": redis_db})


@pytest.fixture()
def worker(broker_app, redis_db, database_url, app_config, tmp_path, celery_process):
    from tests.documents.conftest import celery_env

    process = celery_process(WORKER_ARGS, celery_env(database_url, app_config, tmp_path, redis_db),
                             tmp_path / "worker.log")
    process.wait_for_log("ready.", timeout=90)
    return process


def request(app, committee_id, **kwargs) -> int:
    with app.test_request_context():
        actor = app.appbuilder.sm.find_user(username="admin")
        return jobs.request_document(KIND, committee_id, actor, **kwargs).id


def wait_for(app, document_id, predicate, timeout, worker) -> Document:
    from app.extensions import db

    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            document = db.session.get(Document, document_id)
            db.session.expunge(document)
        if predicate(document):
            return document
        if time.monotonic() > deadline:
            raise AssertionError(f"document {document_id} still {document.state} after {timeout} s; worker log:\n"
                                 f"{worker.log()[-4000:]}")
        time.sleep(0.1)


@pytest.mark.redis
def test_a_real_worker_renders_the_document(broker_app, worker, places):
    assert broker_app.extensions["celery"].conf.task_always_eager is False
    document_id = request(broker_app, places["钢一"]["committee"])
    document = wait_for(broker_app, document_id, lambda d: d.state in ("done", "failed"), 30, worker)
    assert document.state == "done", (document.error_code, document.error_detail, worker.log()[-3000:])
    with broker_app.app_context():
        path = service.document_file(document)
    assert path is not None and path.read_bytes().startswith(b"%PDF-")
    assert path.stat().st_size == document.size_bytes
    assert "documents.render" in worker.log()


@pytest.mark.redis
def test_a_worker_child_killed_mid_task_is_redelivered_and_finishes(broker_app, worker, places):
    document_id = request(broker_app, places["钢一"]["committee"], delay_seconds=2)
    wait_for(broker_app, document_id, lambda d: d.state == "rendering", 20, worker)
    children = worker.children()
    assert len(children) == 1, children
    os.kill(children[0], signal.SIGKILL)
    worker.wait_for_log("SIGKILL", timeout=10)

    document = wait_for(broker_app, document_id, lambda d: d.state in ("done", "failed"), 40, worker)
    assert document.state == "done", (document.error_code, document.error_detail, worker.log()[-3000:])
    assert document.attempts == 2
    with broker_app.app_context():
        path = service.document_file(document)
    assert path is not None and path.read_bytes().startswith(b"%PDF-")
    # Nothing half-written next to it (write_pdf_atomically's temp files are gone).
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    assert worker.children() and worker.children() != children  # a fresh child took over


def test_beat_starts_and_reads_the_schedule(database_url, app_config, tmp_path, celery_process):
    from tests.documents.conftest import celery_env

    env = celery_env(database_url, app_config, tmp_path)  # no broker: beat still starts and loads the schedule
    beat = celery_process(["beat", "--loglevel=DEBUG", "--schedule", str(tmp_path / "beat-schedule")], env,
                          tmp_path / "beat.log")
    beat.wait_for_log("documents-mark-stale-jobs", timeout=90)  # a loaded machine starts Python slowly; not a speed check
    time.sleep(1)
    assert beat.proc.poll() is None, beat.log()[-3000:]
    log = beat.log()
    assert "documents.mark_stale_jobs" in log
    assert "Traceback" not in log, log[-3000:]
