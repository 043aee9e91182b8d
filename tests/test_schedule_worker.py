"""The embedded schedule (issue 13 item 3): a real Celery worker process on kombu's SQLAlchemy transport over a
SQLite file (what `./manage.sh serve` starts) runs a scheduled job, and /health shows its last run; a broker that
is down shows on /health without taking the portal down."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.models.jobs import JobRun

ROOT = Path(__file__).resolve().parent.parent
TASK = "notifications.deliver_webhooks"


def _wait_for(predicate, seconds=90.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


@pytest.fixture()
def broker_app(app, app_config, tmp_path):
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    flask_app = create_app({**app_config, "CELERY_BROKER_URL": url})
    with flask_app.app_context():
        db.session.query(JobRun).delete()
        db.session.commit()
    env = {**os.environ, "CELERY_BROKER_URL": url, "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
           "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "test-secret", "DOCUMENTS_DIR": app_config["DOCUMENTS_DIR"]}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app.celery_app:celery", "worker", "--pool", "solo",
         "--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=open(tmp_path / "worker.log", "wb"), stderr=subprocess.STDOUT)
    yield flask_app
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
    with flask_app.app_context():
        db.session.query(JobRun).delete()
        db.session.commit()


def _job_run(flask_app):
    with flask_app.app_context():
        row = db.session.get(JobRun, TASK)
        status = row.status if row is not None else None
        db.session.remove()
        return status


def test_a_real_worker_on_the_sqlite_broker_runs_a_scheduled_job_and_health_shows_it(broker_app, tmp_path):
    client = broker_app.test_client()
    health = client.get("/health").get_json()
    assert health["broker"] == "ok" and health["jobs"][TASK]["last_started"] is None
    broker_app.extensions["celery"].send_task(TASK)
    assert _wait_for(lambda: _job_run(broker_app) == "ok"), (tmp_path / "worker.log").read_text()[-3000:]
    health = client.get("/health").get_json()
    job = health["jobs"][TASK]
    assert job["last_status"] == "ok" and job["last_finished"] and job["stale"] is False


def test_a_scheduler_that_stopped_shows_as_stale(app, frozen_clock):
    import datetime as dt

    from app.health import is_stale
    from app.schedule import BEAT_SCHEDULE

    daily = BEAT_SCHEDULE["changes-daily-check"]["schedule"]
    frozen_clock.set(dt.datetime(2026, 6, 10, 2, 0))  # 10:00 in Shanghai
    assert not is_stale(daily, dt.datetime(2026, 6, 9, 22, 30))  # ran at 06:30 today
    assert is_stale(daily, dt.datetime(2026, 6, 7, 22, 30))  # last ran on the 8th: two runs missed


def test_a_broker_that_is_down_shows_on_health_and_the_portal_still_answers(app, app_config):
    flask_app = create_app({**app_config, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
                            "CELERY_BROKER_CONNECT_TIMEOUT": 0.5})
    response = flask_app.test_client().get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok" and body["broker"] == "down"
