"""Session hook of verification (issue 6): the coverage tables follow every new record in the same flush, and
forget a house or person whose only record of the year was deleted (an undone mark).

Registered by ``init_app`` (called from ``create_app``), not when the models are imported: importing a model
module has no side effects, so migrations, scripts and tests that only need the tables get no hooks.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, delete, event, exists
from sqlalchemy.orm import Session

from app.verification.models import (
    VerificationHouseYear, VerificationPersonYear, VerificationRecord, _insert_ignore,
)


def _keep_coverage(session, flush_context) -> None:
    houses, persons = [], []
    for obj in session.new:
        if isinstance(obj, VerificationRecord) and obj.checked_on is not None:
            if obj.house_id is not None:
                houses.append({"year": obj.checked_on.year, "committee_id": obj.committee_id,
                               "house_id": obj.house_id})
            if obj.person_id is not None:
                persons.append({"year": obj.checked_on.year, "committee_id": obj.committee_id,
                                "person_id": obj.person_id})
    if houses or persons:
        connection = session.connection()
        _insert_ignore(connection, VerificationHouseYear.__table__, houses)
        _insert_ignore(connection, VerificationPersonYear.__table__, persons)
    gone = [obj for obj in session.deleted if isinstance(obj, VerificationRecord) and obj.checked_on is not None]
    if gone:
        _forget_unvisited(session.connection(), gone)


def _forget_unvisited(connection, records) -> None:
    """Drop the first-visit rows that no remaining record of that year and committee supports."""
    vr = VerificationRecord.__table__
    for table, column in ((VerificationHouseYear.__table__, "house_id"), (VerificationPersonYear.__table__,
                                                                          "person_id")):
        for record in records:
            value = getattr(record, column)
            if value is None:
                continue
            year = record.checked_on.year
            still = exists().where(and_(vr.c[column] == value, vr.c.committee_id == record.committee_id,
                                        vr.c.checked_on >= dt.date(year, 1, 1),
                                        vr.c.checked_on <= dt.date(year, 12, 31)))
            connection.execute(delete(table).where(table.c.year == year, table.c.committee_id == record.committee_id,
                                                   table.c[column] == value, ~still))


def init_app(app) -> None:
    # Session-wide (every session of the process); registered once however many apps are built.
    if not event.contains(Session, "after_flush", _keep_coverage):
        event.listen(Session, "after_flush", _keep_coverage)
