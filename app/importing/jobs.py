"""Import jobs of the page: create one from an upload, queue its check or import, run it in the task.

The task commits (services never do). Progress (rows done / total) is written through a connection of its own so
the page sees it while the job runs; on SQLite the import phase holds the only write lock, so there progress is
written when the job ends (the embedded default runs jobs inside the request anyway).
"""
from __future__ import annotations

import logging
from typing import Optional

from flask import current_app
from sqlalchemy import update

from app.audit import acting_as
from app.domain import clock
from app.extensions import db
from app.importing import service
from app.importing.messages import file_message
from app.importing.models import (
    JOB_CHECKED, JOB_CHECKING, JOB_DONE, JOB_FAILED, JOB_IMPORTING, JOB_QUEUED, ImportJob,
)
from app.models import PortalUser

log = logging.getLogger(__name__)
STORED_ERRORS = 5000  # bad rows kept on the job for the page and the download; the CLI lists every one
BROKER_UNAVAILABLE = "broker_unavailable"


def create_job(user, file_name: str, data: bytes, skip_invalid: bool) -> ImportJob:
    job = ImportJob(user_id=user.id, file_name=file_name[:255], file_path="", sha256="", size=len(data),
                    skip_invalid=skip_invalid, state=JOB_QUEUED, rows_done=0, created_at=clock.utcnow())
    db.session.add(job)
    db.session.flush()
    path = service.stored_path(job.id, file_name)
    path.write_bytes(data)
    job.file_path = str(path)
    import hashlib

    job.sha256 = hashlib.sha256(data).hexdigest()
    return job


def queue(job_id: int, actor_id: int, write: bool) -> Optional[str]:
    """Send the check (or the import) to Celery; returns an error code when the broker is unreachable."""
    db.session.commit()  # the worker (or the eager task's own session) must see the job
    name = "importing.run" if write else "importing.check"
    try:
        current_app.extensions["celery"].tasks[name].apply_async(args=[job_id, actor_id])
    except Exception as exc:  # noqa: BLE001 - kombu/redis raise many types; all mean "not queued"
        log.warning("import job %s not queued: %r", job_id, exc)
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        job.state, job.message = JOB_FAILED, BROKER_UNAVAILABLE
        db.session.commit()
        return BROKER_UNAVAILABLE
    db.session.expire_all()
    return None


def _progress_writer(job_id: int):
    sqlite = db.engine.dialect.name == "sqlite"

    def write(done: int, total: Optional[int], phase: str) -> None:
        if sqlite and phase == "import":
            return
        with db.engine.begin() as conn:
            conn.execute(update(ImportJob.__table__).where(ImportJob.__table__.c.id == job_id)
                         .values(rows_done=done, rows_total=total))

    return write


def run_job(job_id: int, actor_id: int, *, write: bool) -> None:
    from app.access.scoping import compute_visible_committee_ids

    job = db.session.get(ImportJob, job_id)
    user = db.session.get(PortalUser, actor_id)
    if job is None or user is None or job.state in (JOB_DONE, JOB_FAILED):
        return  # a redelivered task for a finished job
    job.state, job.rows_done = (JOB_IMPORTING if write else JOB_CHECKING), 0
    db.session.commit()
    scope = compute_visible_committee_ids(user)
    file_name, path, skip_invalid = job.file_name, job.file_path, job.skip_invalid
    with acting_as(user.username, user_id=user.id, source="task"):
        try:
            outcome = service.import_register(path, scope, dry_run=not write, skip_invalid=skip_invalid,
                                              progress=_progress_writer(job_id), job_id=job_id, actor_id=user.id)
        except service.ImportRefused as exc:
            db.session.rollback()
            job = db.session.get(ImportJob, job_id)
            job.state, job.message, job.finished_at = JOB_FAILED, file_message(exc.code, **exc.params), clock.utcnow()
            service.record_import(file_name, job.sha256, {"refused": exc.code}, job_id)
            db.session.commit()
            return
        except Exception as exc:  # noqa: BLE001 - the page shows a failed job, never a half import
            log.exception("import job %s failed", job_id)
            db.session.rollback()
            job = db.session.get(ImportJob, job_id)
            job.state, job.message, job.finished_at = JOB_FAILED, repr(exc)[:500], clock.utcnow()
            db.session.commit()
            return
        summary = outcome.summary
        if write and not summary.imported:
            db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        job.summary = summary.as_dict()
        job.errors = outcome.errors[:STORED_ERRORS]
        job.rows_done = job.rows_total = summary.rows
        job.state = JOB_DONE if write else JOB_CHECKED
        job.finished_at = clock.utcnow() if write else None
        service.record_import(file_name, outcome.sha256, summary.as_dict(), job_id)
        db.session.commit()


def may_import(job: ImportJob) -> bool:
    summary = job.summary or {}
    return job.state == JOB_CHECKED and summary.get("valid", 0) > 0 and (
        not summary.get("errors") or job.skip_invalid)
