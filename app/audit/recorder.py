"""Recording audit events, from requests, the CLI and background tasks."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from typing import Any, Iterator, Optional

from flask import g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.domain import clock
from app.extensions import db
from app.unit_of_work import unit_of_work

AUDITED_MODELS = ("Person", "Residence", "House")
_actor: contextvars.ContextVar[Optional[tuple[Optional[int], str, str]]] = contextvars.ContextVar(
    "audit_actor", default=None
)


@contextlib.contextmanager
def acting_as(name: str, user_id: Optional[int] = None, source: str = "cli") -> Iterator[None]:
    """Attribute writes outside a request to an actor: ``with acting_as("seed", source="cli"): …``."""
    token = _actor.set((user_id, name, source))
    try:
        yield
    finally:
        _actor.reset(token)


def _who() -> tuple[Optional[int], str, str, Optional[str]]:
    explicit = _actor.get()
    if explicit is not None:
        user_id, name, source = explicit
        return user_id, name, source, None
    if has_request_context():
        user = getattr(g, "user", None)
        source = "api" if request.path.startswith("/api/") else "web"
        # The peer's address, or what the trusted proxies said (ProxyFix, TRUSTED_PROXY_HOPS): never a header a
        # client could write itself.
        address = (request.remote_addr or "")[:64]
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, user.username, source, address
        return None, "anonymous", source, address
    return None, "system", "system", None


def current_actor() -> tuple[Optional[int], str, str, Optional[str]]:
    """(user id, name, source, address) of whoever is writing now: bulk loaders write their audit rows with it."""
    return _who()


def _new_event(action: str, **fields: Any) -> AuditEvent:
    user_id, name, source, address = _who()
    return AuditEvent(
        at=clock.utcnow(), actor_id=user_id, actor_name=name,
        source=source, remote_addr=address, action=action, **fields,
    )


def record(action: str, *, model: Optional[str] = None, record_id: Optional[int] = None,
           committee_id: Optional[int] = None, detail: Optional[str] = None, commit: bool = True) -> None:
    """Write one event: with ``commit`` (reads: an export, a reveal, full numbers shown) committed now, as its own
    unit of work, so it survives whatever the request does next (a GET view commits nothing); with
    ``commit=False`` in the caller's unit (a write audited with the write)."""

    event_ = _new_event(action, model=model, record_id=record_id, committee_id=committee_id, detail=detail)
    if not commit:
        db.session.add(event_)
        return
    engine = _read_event_engine()
    if engine is None or _session_holds_a_write():
        with unit_of_work():
            db.session.add(event_)
        return
    values = {column.name: getattr(event_, attribute.key) for attribute in inspect(AuditEvent).column_attrs
              for column in attribute.columns if getattr(event_, attribute.key) is not None}
    with engine.begin() as connection:
        connection.execute(AuditEvent.__table__.insert().values(**values))


# -- read events on SQLite -----------------------------------------------------------------------------------------
# Every list page an admin opens writes a read_full_id row, a commit of its own that the stock list never pays.
# On SQLite that commit waits for an fsync of the write-ahead log (synchronous=FULL, app/models/sqlite_pragmas.py),
# 0.3 ms on a quiet disk and 3-4 ms on a busy one. Read events go through a second engine on the same file whose
# connections use synchronous=NORMAL: the row is committed and visible at once and survives a crash of the portal;
# it reaches the disk with the next register write (whose fsync covers the whole log) or checkpoint, so a power cut
# can lose only the read events of the moments since the last write — never a register write, never a write's own
# audit row. PostgreSQL and in-memory SQLite keep the one unit of work.

def _read_event_engine():
    from flask import current_app
    from sqlalchemy import create_engine

    engine = db.engine
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:") \
            or "memory" in str(engine.url.query.get("mode", "")):
        return None
    cached = current_app.extensions.get("audit_read_engine")
    if cached is None or cached.url != engine.url:
        cached = create_engine(engine.url, connect_args={"timeout": 30})
        event.listen(cached, "connect", _deferred_sync)
        current_app.extensions["audit_read_engine"] = cached
    return cached


def _deferred_sync(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _session_holds_a_write() -> bool:
    """A write of this request not yet committed holds SQLite's write lock: the second engine would wait for it,
    so the event then joins the session's unit as before."""
    if db.session.new or db.session.dirty or db.session.deleted:
        return True
    if not db.session().in_transaction():
        return False
    return bool(getattr(db.session.connection().connection.dbapi_connection, "in_transaction", False))


def record_export(model: str, rows: int, query: str) -> None:
    record("export", model=model, detail=f"rows={rows} {query}".strip())
    if has_request_context():
        g._export_recorded = True  # this event covers the full numbers the export carries


def record_reveal(model: str, record_id: int, committee_id: Optional[int]) -> None:
    record("reveal_full_id", model=model, record_id=record_id, committee_id=committee_id)


def record_login(username: str, success: bool, user_id: Optional[int] = None) -> None:
    """A sign-in, refused, failed or done: in the security manager's unit of work (auth_user_db commits it)."""

    event_ = _new_event("login_success" if success else "login_failure", model="User", record_id=user_id,
                        detail=username[:128])
    if user_id is not None:
        event_.actor_id, event_.actor_name = user_id, username[:128]
    db.session.add(event_)


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# Columns computed from others (natural sort keys, app/domain/natural.py): they tell the trail nothing new.
DERIVED_COLUMNS = frozenset({"name_key", "room_key", "address_key"})


def _snapshot(obj, *, before: bool) -> dict:
    state = inspect(obj)
    result = {}
    for attr in state.mapper.column_attrs:
        if attr.key in DERIVED_COLUMNS:
            continue
        history = state.attrs[attr.key].history
        if before:
            value = history.deleted[0] if history.deleted else (
                history.unchanged[0] if history.unchanged else getattr(obj, attr.key, None)
            )
        else:
            value = getattr(obj, attr.key, None)
        result[attr.key] = _plain(value)
    return result


def _audit_writes(session: Session, flush_context) -> None:
    events = []
    for obj in session.new:
        if type(obj).__name__ in AUDITED_MODELS:
            events.append(_new_event("create", model=type(obj).__name__, record_id=obj.id,
                                     committee_id=getattr(obj, "committee_id", None),
                                     after=_snapshot(obj, before=False)))
    for obj in session.dirty:
        if type(obj).__name__ not in AUDITED_MODELS or not session.is_modified(obj, include_collections=False):
            continue
        before, after = _snapshot(obj, before=True), _snapshot(obj, before=False)
        changed = {k for k in after if before.get(k) != after.get(k)} - {"updated_at"}
        if not changed:
            continue
        action = "update"
        if type(obj).__name__ == "Residence" and "end_date" in changed and after.get("end_date"):
            action = "cancel"
        events.append(_new_event(action, model=type(obj).__name__, record_id=obj.id,
                                 committee_id=getattr(obj, "committee_id", None),
                                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed}))
    for obj in session.deleted:
        if type(obj).__name__ in AUDITED_MODELS:
            events.append(_new_event("delete", model=type(obj).__name__, record_id=obj.id,
                                     committee_id=getattr(obj, "committee_id", None),
                                     before=_snapshot(obj, before=True)))
    if events:
        # Inserted through the connection of this flush: same transaction, no recursion into the ORM.
        session.connection().execute(
            AuditEvent.__table__.insert(),
            [{c.name: getattr(e, c.key) for c in AuditEvent.__table__.columns if c.name != "id"} for e in events],
        )


def init_app(app) -> None:
    """Write the audit trail in every flush (session-wide; registered once however many apps are built)."""
    if not event.contains(Session, "after_flush", _audit_writes):
        event.listen(Session, "after_flush", _audit_writes)
