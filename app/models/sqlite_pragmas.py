"""SQLite enforces foreign keys only when each connection asks for it; PostgreSQL always does.

Without this the embedded default (SQLite) would accept a residence pointing at a deleted house, and the rules
"declared in the database" would hold on one database only. Registered by ``init_app`` from the app factory;
migrations turn enforcement off for their table rebuilds (migrations/env.py) and check the result afterwards.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _enforce_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def enforce_on(engine: Engine) -> None:
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _enforce_foreign_keys):
        event.listen(engine, "connect", _enforce_foreign_keys)


def init_app(app) -> None:
    from app.extensions import db

    with app.app_context():
        enforce_on(db.engine)
