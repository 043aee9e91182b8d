"""Import jobs of the page: create one from an upload, queue its check or import, run it in the task.

Each step of a job is its own unit of work (app.unit_of_work, the one commit outside views), so the page and the
worker see every state as it is reached: the queued job before the task is sent, 'checking'/'importing' while
it runs, the result at the end. Progress (rows done / total) is written through a connection of its own (the
import's transaction holds its rows until the end); on SQLite the import phase holds the only write lock, so there
progress is written when the job ends (the embedded default runs jobs inside the request anyway).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Callable, Optional

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
from app.unit_of_work import unit_of_work
from app.access.scoping import compute_visible_committee_ids

log = logging.getLogger(__name__)
STORED_ERRORS = 5000  # bad rows kept on the job for the page and the download; the CLI lists every one
BROKER_UNAVAILABLE = "broker_unavailable"


def create_job(user, file_name: str, data: bytes, skip_invalid: bool) -> ImportJob:
    """A new queued job for an upload, its file stored (flushed; start_check commits it)."""
    job = ImportJob(user_id=user.id, file_name=file_name[:255], file_path="", sha256="", size=len(data),
                    skip_invalid=skip_invalid, state=JOB_QUEUED, rows_done=0, created_at=clock.utcnow())
    db.session.add(job)
    db.session.flush()
    path = service.stored_path(job.id, file_name)
    path.write_bytes(data)
    job.file_path = str(path)
    job.sha256 = hashlib.sha256(data).hexdigest()
    return job


def start_check(user, file_name: str, data: bytes, skip_invalid: bool) -> tuple[int, Optional[str]]:
    """Store an upload as a job and queue its check: (the job's id, an error code when the broker is unreachable)."""
    with unit_of_work():  # the worker (or the eager task's own session) must see the job
        job_id = create_job(user, file_name, data, skip_invalid).id
    return job_id, _send(job_id, user.id, write=False)


def start_import(job: ImportJob, actor_id: int) -> Optional[str]:
    """Queue the import of a checked job; an error code when the broker is unreachable."""
    with unit_of_work():  # the worker (or the eager task's own session) must see the job queued
        job.state, job.rows_done = JOB_QUEUED, 0
    return _send(job.id, actor_id, write=True)


def _send(job_id: int, actor_id: int, write: bool) -> Optional[str]:
    """Send the check (or the import) to Celery; returns an error code when the broker is unreachable."""
    name = "importing.run" if write else "importing.check"
    try:
        current_app.extensions["celery"].tasks[name].apply_async(args=[job_id, actor_id])
    except Exception as exc:  # noqa: BLE001 - kombu/redis raise many types; all mean "not queued"
        log.warning("import job %s not queued: %r", job_id, exc)
        with unit_of_work():
            job = db.session.get(ImportJob, job_id)
            job.state, job.message = JOB_FAILED, BROKER_UNAVAILABLE
        return BROKER_UNAVAILABLE
    db.session.expire_all()  # an eager task changed the job through its own session
    return None


def _progress_writer(job_id: int):
    sqlite = db.engine.dialect.name == "sqlite"

    def write(done: int, total: Optional[int], phase: str) -> None:
        if sqlite and phase == "import":
            return
        # Its own connection and transaction, committed at once: the session's unit holds the import until the end.
        with db.engine.begin() as conn:
            conn.execute(update(ImportJob.__table__).where(ImportJob.__table__.c.id == job_id)
                         .values(rows_done=done, rows_total=total))

    return write


class _NothingImported(Exception):
    """Bad rows stopped the import: its unit is rolled back, the outcome is still recorded."""

    def __init__(self, outcome: service.Outcome):
        super().__init__("nothing imported")
        self.outcome = outcome


def import_file(path: Path | str, scope: Optional[frozenset[int]], *, dry_run: bool, skip_invalid: bool,
                file_name: str, progress: Optional[Callable] = None, job_id: Optional[int] = None,
                actor_id: Optional[int] = None,
                finish: Optional[Callable[[service.Outcome], None]] = None) -> service.Outcome:
    """Check or import a file (app.importing.service.import_register), for the task and the CLI.

    One unit of work: the rows written, the audit event of the import (record_import) and whatever ``finish``
    records (the job's result). A file whose bad rows stopped the import imports nothing: what its first batches
    wrote is rolled back, and the event and ``finish`` are committed on their own. ImportRefused (a file refused
    as a whole) is raised with nothing kept."""

    def record(outcome: service.Outcome) -> None:
        service.record_import(file_name, outcome.sha256, outcome.summary.as_dict(), job_id)
        if finish is not None:
            finish(outcome)

    try:
        with unit_of_work():
            outcome = service.import_register(path, scope, dry_run=dry_run, skip_invalid=skip_invalid,
                                              progress=progress, job_id=job_id, actor_id=actor_id)
            if not dry_run and not outcome.summary.imported:
                raise _NothingImported(outcome)
            record(outcome)
    except _NothingImported as nothing:
        outcome = nothing.outcome
        with unit_of_work():
            record(outcome)
    return outcome


def run_job(job_id: int, actor_id: int, *, write: bool) -> None:
    """The task's body: the job 'checking' or 'importing' (committed: the page shows it), then the check or the
    import with the job's result, or the job failed with the reason."""

    with unit_of_work():
        job = db.session.get(ImportJob, job_id)
        user = db.session.get(PortalUser, actor_id)
        if job is None or user is None or job.state in (JOB_DONE, JOB_FAILED):
            return  # a redelivered task for a finished job
        job.state, job.rows_done = (JOB_IMPORTING if write else JOB_CHECKING), 0
    scope = compute_visible_committee_ids(user)
    file_name, path, skip_invalid = job.file_name, job.file_path, job.skip_invalid

    def finish(outcome: service.Outcome) -> None:
        summary = outcome.summary
        done = db.session.get(ImportJob, job_id)
        done.summary = summary.as_dict()
        done.errors = outcome.errors[:STORED_ERRORS]
        done.rows_done = done.rows_total = summary.rows
        done.state = JOB_DONE if write else JOB_CHECKED
        done.finished_at = clock.utcnow() if write else None

    with acting_as(user.username, user_id=user.id, source="task"):
        try:
            import_file(path, scope, dry_run=not write, skip_invalid=skip_invalid, file_name=file_name,
                        progress=_progress_writer(job_id), job_id=job_id, actor_id=user.id, finish=finish)
        except service.ImportRefused as exc:
            with unit_of_work():
                job = db.session.get(ImportJob, job_id)
                job.state, job.finished_at = JOB_FAILED, clock.utcnow()
                job.message = file_message(exc.code, **exc.params)
                service.record_import(file_name, job.sha256, {"refused": exc.code}, job_id)
        except Exception as exc:  # noqa: BLE001 - the page shows a failed job, never a half import
            log.exception("import job %s failed", job_id)
            with unit_of_work():
                job = db.session.get(ImportJob, job_id)
                job.state, job.message, job.finished_at = JOB_FAILED, repr(exc)[:500], clock.utcnow()


def may_import(job: ImportJob) -> bool:
    summary = job.summary or {}
    return job.state == JOB_CHECKED and summary.get("valid", 0) > 0 and (
        not summary.get("errors") or job.skip_invalid)
