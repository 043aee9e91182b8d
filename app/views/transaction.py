"""The one transaction rule for views (after Superset's ``@transaction``): services never commit; the view does.

``with committing(_("Saved.")):`` runs the body as one unit of work (app.unit_of_work): on success it commits and
flashes the message; on a refusal (``Refused``), a bad ID number or a database error it rolls back, flashes the
Chinese reason (app.errors.user_message) and swallows the error, so the view goes on to its redirect. Any other
exception (a LookupError the view turns into a 404, an abort) is rolled back and raised. Nothing half-saved, no
500, one copy of try/rollback/flash instead of one per view.

``with committing_quietly() as outcome:`` is the same unit without the flash, for endpoints that answer with
their own status (the sweep's JSON, the public declaration page): ``outcome.error`` and ``outcome.status`` say
what to answer.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional

from flask import flash
from sqlalchemy.exc import SQLAlchemyError

from app.domain.idnumber import InvalidIdNumber
from app.domain.refusal import Refused
from app.errors import refusal_status, user_message
from app.unit_of_work import unit_of_work


@dataclass
class Outcome:
    """What happened: ``ok`` after the commit, else ``error`` holds the sentence (flashed by committing()),
    ``refusal`` the exception (a view that re-renders a form with per-row errors reads it) and ``status`` the
    HTTP status it deserves (a Refused's own, else 400)."""

    ok: bool = False
    error: Optional[str] = None
    refusal: Optional[Exception] = None
    status: int = 200


@contextmanager
def committing_quietly() -> Iterator[Outcome]:
    outcome = Outcome()
    try:
        with unit_of_work():
            yield outcome
    except (Refused, InvalidIdNumber, SQLAlchemyError) as exc:
        outcome.error, outcome.refusal = user_message(exc), exc
        outcome.status = refusal_status(exc) if isinstance(exc, Refused) else 400
        return
    outcome.ok = True


@contextmanager
def committing(success: Optional[str] = None, category: str = "success") -> Iterator[Outcome]:
    with committing_quietly() as outcome:
        yield outcome
    if outcome.error is not None:
        flash(outcome.error, "danger")
    elif success:
        flash(success, category)
