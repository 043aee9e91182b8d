"""The one transaction rule for views (after Superset's ``@transaction``): services never commit; the view does.

``with committing(_("Saved.")):`` runs the body as one unit of work: on success it commits and flashes the
message; on a refusal (``Refused``), a bad ID number or a database error it rolls back, flashes the Chinese
reason (app.errors.user_message) and swallows the error, so the view goes on to its redirect. Nothing
half-saved, no 500, one copy of try/rollback/flash instead of one per view.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional

from flask import flash
from sqlalchemy.exc import SQLAlchemyError

from app.domain.idnumber import InvalidIdNumber
from app.domain.refusal import Refused
from app.errors import user_message
from app.extensions import db


@dataclass
class Outcome:
    """What happened: ``ok`` after the commit, else ``error`` holds the sentence that was flashed and
    ``refusal`` the exception (a view that re-renders a form with per-row errors reads it)."""

    ok: bool = False
    error: Optional[str] = None
    refusal: Optional[Exception] = None


@contextmanager
def committing(success: Optional[str] = None, category: str = "success") -> Iterator[Outcome]:
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except (Refused, InvalidIdNumber, SQLAlchemyError) as exc:
        db.session.rollback()
        outcome.error, outcome.refusal = user_message(exc), exc
        flash(outcome.error, "danger")
        return
    outcome.ok = True
    if success:
        flash(success, category)
