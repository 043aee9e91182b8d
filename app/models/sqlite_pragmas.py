"""Per-connection settings SQLite needs to behave like the production database; PostgreSQL needs none.

* Foreign keys: SQLite enforces them only when each connection asks for it. Without this the embedded default
  would accept a residence pointing at a deleted house, and the rules "declared in the database" would hold on one
  database only. Migrations turn enforcement off for their table rebuilds (migrations/env.py) and check the result
  afterwards.
* Write-ahead log: readers (web workers) no longer wait for a writer (the Celery worker, an import) and a commit
  costs one append instead of a journal file created and deleted. ``synchronous=FULL`` keeps a committed row on
  disk through a power cut, as the rollback journal did (read events alone use a second engine without that wait:
  app/audit/recorder.py). The mode is stored in the file; ``flask restore`` is written for it
  (app/backups/service.py).

Registered by ``init_app`` from the app factory.
"""
from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def _configure(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # a no-op once the file is in WAL; :memory: answers "memory"
        except sqlite3.OperationalError as exc:  # another process holds the file locked: next connection will
            log.warning("SQLite write-ahead log not switched on yet: %s", exc)
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def enforce_on(engine: Engine) -> None:
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _configure):
        event.listen(engine, "connect", _configure)


def init_app(app) -> None:
    from app.extensions import db

    with app.app_context():
        enforce_on(db.engine)
