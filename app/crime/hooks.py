"""Session hook (registered by app.crime.init_app): every crime-related late entry, however it is written (the
office's screen, the CLI, a test), brings its criticism and, for the eight serious violent crimes, the
accountability record with the veto, in the same transaction."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.crime import service
from app.monthly.models import CrimeLateEntry

_registered = False


def _before_flush(session, flush_context, instances) -> None:
    new = [o for o in session.new if isinstance(o, CrimeLateEntry)]
    dirty = [o for o in session.dirty if isinstance(o, CrimeLateEntry) and session.is_modified(o)]
    deleted = [o for o in session.deleted if isinstance(o, CrimeLateEntry)]
    if not (new or dirty or deleted):
        return
    with session.no_autoflush:
        for entry in new:
            service.on_late_entry(entry, session, is_new=True)
        for entry in dirty:
            service.on_late_entry(entry, session, is_new=False)
        for entry in deleted:
            service.on_late_entry_deleted(entry, session)


def init_app(app) -> None:
    global _registered
    if not _registered:  # one listener per process, however many apps the tests build
        event.listen(Session, "before_flush", _before_flush)
        _registered = True
