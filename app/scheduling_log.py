"""recorded(name): wraps a scheduled task (FlaskTask does, for every task in the beat schedule) so job_run keeps
its last start, end and outcome. Written on its own connection and committed at once, so a task that fails (and
rolls back) still leaves its trace for /health."""
from __future__ import annotations

import contextlib
import logging

from sqlalchemy import update

from app.domain.clock import utcnow
from app.extensions import db
from app.models.jobs import JobRun

log = logging.getLogger(__name__)


def _write(name: str, **values) -> None:
    try:
        with db.engine.begin() as conn:
            done = conn.execute(update(JobRun.__table__).where(JobRun.__table__.c.name == name).values(**values))
            if done.rowcount == 0:
                conn.execute(JobRun.__table__.insert().values(name=name, **values))
    except Exception:  # noqa: BLE001 - bookkeeping must never fail the job itself
        log.exception("could not record the run of %s", name)


@contextlib.contextmanager
def recorded(name: str):
    _write(name, started_at=utcnow(), finished_at=None, status="running", error=None)
    try:
        yield
    except Exception as exc:
        _write(name, finished_at=utcnow(), status="error", error=repr(exc)[:255])
        raise
    _write(name, finished_at=utcnow(), status="ok", error=None)


def last_runs() -> dict[str, dict]:
    return {r.name: {"started_at": r.started_at, "finished_at": r.finished_at, "status": r.status,
                     "error": r.error}
            for r in db.session.query(JobRun).order_by(JobRun.name)}
