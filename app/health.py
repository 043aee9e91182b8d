"""GET /health: for docker's health check and load balancers. No login, no session, no template.

200 {"status": "ok", "database": "ok"} when the database answers a trivial query, 503 otherwise. Also (issue 13):
"broker" (ok / down / "in-process" when tasks run eagerly) — a broker that is down keeps 200, the web still
serves, but says so — and "jobs": each scheduled job's last start, end and outcome, with "stale": true once a
job has not started for longer than twice its period, so a stopped scheduler shows.
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from app.domain import clock
from app.extensions import db
from app.schedule import BEAT_SCHEDULE
from app.scheduling_log import last_runs

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check: database error %r", exc)
        db.session.rollback()
        database = "error"
    finally:
        db.session.remove()
    healthy = database == "ok"
    jobs = scheduled_jobs() if healthy else {}
    response = jsonify(status="ok" if healthy else "error", database=database, broker=broker_state(),
                       jobs=jobs)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def broker_state() -> str:
    """"in-process" (no broker: eager tasks), "ok" or "down" (one quick connection attempt)."""
    from flask import current_app

    celery = current_app.extensions.get("celery")
    if celery is None or celery.conf.task_always_eager:
        return "in-process"
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=float(current_app.config.get(
                "CELERY_BROKER_CONNECT_TIMEOUT", 2)))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means the broker cannot take tasks now
        log.warning("health check: broker error %r", exc)
        return "down"


def scheduled_jobs() -> dict:
    """Every job of the beat schedule with its last run (None: never ran)."""
    try:
        runs = last_runs()
    except Exception:  # noqa: BLE001 - before the migration that adds job_run
        db.session.rollback()
        runs = {}
    out = {}
    for entry in BEAT_SCHEDULE.values():
        task = entry["task"]
        run = runs.get(task)
        out[task] = {
            "last_started": run["started_at"].isoformat() + "Z" if run else None,
            "last_finished": run["finished_at"].isoformat() + "Z" if run and run["finished_at"] else None,
            "last_status": run["status"] if run else None,
            "stale": is_stale(entry["schedule"], run["started_at"]) if run else None,
        }
    return out


def is_stale(schedule, last_started: dt.datetime, grace: dt.timedelta = dt.timedelta(hours=1)) -> bool:
    """True when the job's next run after ``last_started`` is more than ``grace`` in the past (on the portal's
    clock): the scheduler or the workers stopped."""
    from celery.schedules import crontab


    if not isinstance(schedule, crontab):
        return False
    ours = crontab(minute=schedule._orig_minute, hour=schedule._orig_hour,
                   day_of_week=schedule._orig_day_of_week, day_of_month=schedule._orig_day_of_month,
                   month_of_year=schedule._orig_month_of_year, nowfun=clock.now_aware)
    remaining = ours.remaining_estimate(clock.aware(last_started))
    return remaining < -grace


def init_app(app) -> None:
    app.register_blueprint(bp)
