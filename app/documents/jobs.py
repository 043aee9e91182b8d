"""The document job's steps, each its own unit of work: request → queued → rendering → done | failed.

Every state must reach other processes as soon as it is set (the worker must find the queued row, the page polls
the state), so each step commits through app.unit_of_work, the one commit outside views; app.documents.service
only changes the state. Views, tasks and tests request, render and give up documents here.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from flask import current_app

from app.documents import service
from app.documents.models import STATE_DONE, STATE_QUEUED, Document
from app.documents.service import DocumentRefused  # noqa: F401  (what request_document raises, for its callers)
from app.extensions import db
from app.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

RENDER_TASK = "documents.render"


def request_document(kind: str, committee_id: Optional[int], actor, *, delay_seconds: float = 0,
                     params: Optional[dict] = None) -> Document:
    """Record a document request by ``actor`` (a user object) and queue its rendering.

    Raises DocumentRefused (nothing recorded) for an unknown kind or a committee outside the actor's scope. If the
    broker cannot be reached the document is kept as failed with reason "background service unavailable"; the
    caller never sees the broker's exception. ``delay_seconds`` is honoured by the task only in tests.
    """
    with unit_of_work():  # the worker (or the eager task's own session) must see the row
        document = service.record_request(kind, committee_id, actor, params=params)
    document_id, actor_id, task_id = document.id, actor.id, document.task_id

    kwargs = {"delay_seconds": delay_seconds} if delay_seconds else {}
    try:
        task = current_app.extensions["celery"].tasks[RENDER_TASK]
        task.apply_async(args=[document_id, actor_id], kwargs=kwargs, task_id=task_id)
    except Exception as exc:  # noqa: BLE001 - kombu/redis raise many types; all mean "not queued"
        log.warning("document %s not queued: %r", document_id, exc)
        with unit_of_work():
            document = db.session.get(Document, document_id)
            if document.state == STATE_QUEUED:
                service.fail(document, service.BROKER_UNAVAILABLE, repr(exc))
    db.session.expire_all()  # an eager task changed the row through its own session
    return db.session.get(Document, document_id)


def render_document(document_id: int, actor_id: int, *, delay_seconds: float = 0) -> Optional[str]:
    """Render a requested document to its file (the task's body). Safe to run twice (a redelivered task): a
    finished document is left alone. Returns the stored path relative to DOCUMENTS_DIR, or None."""
    with unit_of_work():  # 'rendering' (one attempt more) is visible while the file is made
        document = db.session.get(Document, document_id)
        if document is None:
            log.warning("document %s does not exist (deleted, or a message from another database)", document_id)
            return None
        if not service.start_attempt(document):
            return document.file_path if document.state == STATE_DONE else None
    try:
        with unit_of_work():  # done, with its file; a failure rolls back whatever the rendering touched
            return service.render_file(db.session.get(Document, document_id), actor_id,
                                       delay_seconds=delay_seconds)
    except service.RenderFailed as failure:
        with unit_of_work():
            service.fail(db.session.get(Document, document_id), failure.code, failure.detail)
        return None


def mark_stale_jobs(minutes: Optional[int] = None, now: Optional[dt.datetime] = None) -> int:
    """Give up jobs queued or rendering for longer than ``minutes`` (DOCUMENT_JOB_STALE_MINUTES): failed."""
    with unit_of_work():
        return service.mark_stale_jobs(minutes, now)
