"""Read events (full numbers shown, exports, reveals) on SQLite commit through a second engine that does not wait
for an fsync (app/audit/recorder.py); the register's own writes keep synchronous=FULL, and a read event recorded
while the request holds an uncommitted write joins that write's unit instead of waiting for its lock."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app.audit import recorder
from app.audit.models import AuditEvent
from app.extensions import db
from app.models import Block

PROBE, BESIDE = "read event probe", "read event beside a write"


def _sqlite_only(app):
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "sqlite":
        pytest.skip("the second engine exists for SQLite's fsync only")


def _events(detail):
    """Events with this detail (the audit trail is append-only: a test's rows stay after it)."""
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.detail == detail))


def test_a_read_event_is_committed_at_once_without_the_registers_fsync(app):
    _sqlite_only(app)
    with app.test_request_context("/persons/list/"):
        recorder.record("read_full_id", model="Person", detail=PROBE)
        engine = recorder._read_event_engine()
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL: no wait for the disk
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL for the register
        db.session.rollback()  # nothing of the session's own: the event is already committed
        assert _events(PROBE) == 1


def test_a_read_event_beside_an_uncommitted_write_joins_its_unit(app, places):
    _sqlite_only(app)
    with app.test_request_context("/persons/list/"):
        db.session.add(Block(committee_id=places["钢一"]["committee"], name="读事件旁的写"))
        db.session.flush()  # the request holds SQLite's write lock now
        recorder.record("read_full_id", model="Person", detail=BESIDE)  # must not wait 30 s for it
        assert _events(BESIDE) == 1
        assert db.session.scalar(select(func.count()).select_from(Block).where(Block.name == "读事件旁的写")) == 1
