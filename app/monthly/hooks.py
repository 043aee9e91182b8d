"""Session hooks on verification records (issue 6's table), registered by ``init_app`` (create_app).

- before_flush: a record in an approved (frozen) month cannot be added, changed or deleted unless the office
  unlocked that committee's month with a reason (``app.monthly.service.unlock_month``). Raises MonthFrozen.
- after_flush: keeps ``verification_latest`` (the monthly table's per-person latest row) up to date, in the
  same transaction, through the flush's connection.
The model is recognised by its table name, so this module does not import issue 6's code.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.monthly.service import MonthFrozen, frozen_checker
from app.monthly.table import refresh_keys

TABLE = "verification_record"


def _is_record(obj) -> bool:
    return getattr(type(obj), "__tablename__", None) == TABLE


def _old_and_new(obj) -> list[tuple]:
    """(committee_id, person_id, checked_on) before and after the pending change."""
    state = inspect(obj)
    values = []
    new = (obj.committee_id, obj.person_id, obj.checked_on)
    old = []
    for attr in ("committee_id", "person_id", "checked_on"):
        history = state.attrs[attr].history
        if history.deleted:
            old.append(history.deleted[0])
        else:
            old.append(getattr(obj, attr))
    values.append(tuple(old))
    if tuple(old) != new:
        values.append(new)
    return values


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def _guard_frozen_months(session: Session, flush_context, instances) -> None:
    touched = [o for o in session.new if _is_record(o)]
    touched += [o for o in session.dirty if _is_record(o) and session.is_modified(o, include_collections=False)]
    touched += [o for o in session.deleted if _is_record(o)]
    if not touched:
        return

    is_frozen = frozen_checker(session)
    for obj in touched:
        keys = [(obj.committee_id, obj.checked_on)] if obj in session.new else \
            [(c, d) for c, _p, d in _old_and_new(obj)]
        for committee_id, day in keys:
            day = _as_date(day)
            if committee_id is not None and day is not None and is_frozen(committee_id, day):
                raise MonthFrozen(committee_id, day)


def _maintain_latest(session: Session, flush_context) -> None:
    ids, keys = [], []
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not _is_record(obj) or obj.id is None:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        ids.append(obj.id)
        pairs = [(obj.committee_id, obj.person_id, obj.checked_on)] if obj in session.new else _old_and_new(obj)
        for committee_id, person_id, day in pairs:
            day = _as_date(day)
            if day is not None:
                keys.append((day.year, day.month, committee_id, person_id))
    if ids:
        refresh_keys(session.connection(), ids, keys)


def init_app(app) -> None:
    """Register both hooks (session-wide; once however many apps are built)."""
    for name, hook in (("before_flush", _guard_frozen_months), ("after_flush", _maintain_latest)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
