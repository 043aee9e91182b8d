"""Turning failures into clear Chinese messages and 4xx answers, never a 500 for bad input.

``user_message`` maps the exceptions a write can raise (a broken data rule, a database constraint) to a translated
sentence; error handlers answer HTML pages and the API alike.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, SQLAlchemyError, StatementError

from app.domain.idnumber import InvalidIdNumber
from app.domain.refusal import Refused
from app.extensions import db


class UserFacingError(Refused):
    """A refusal whose str() is already a translated sentence meant for the person at the screen."""

    def __init__(self, message: str = "", status: int | None = None):
        super().__init__(message, status=status, message=message)
        self.message = message


class DataRuleError(Refused, ValueError):
    """A write that breaks a data rule (app.population.integrity). ``code`` gives the translated message."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(code)
        self.args = (message or code,)  # str(): the developer's sentence, for logs


def refusal_message(exc: Refused) -> str:
    """The one mapping from a refusal to the sentence shown, on screens and in the API."""
    if isinstance(exc, UserFacingError):
        return exc.message
    if isinstance(exc, DataRuleError):
        return _DATA_RULE_MESSAGES().get(exc.code, str(exc))
    for kind, translate in _TRANSLATORS.items():
        if isinstance(exc, kind):
            return translate(exc)
    return _("The change could not be saved; nothing was changed.")


def refusal_status(exc: Refused) -> int:
    """The HTTP status of a refusal (400 unless its type or the raiser says otherwise)."""
    return exc.status


# Each feature registers how its refusal codes read, from its own init_app: errors.py imports no feature.
_TRANSLATORS: dict[type, object] = {}


def register_refusal(kind: type, translate) -> None:
    _TRANSLATORS[kind] = translate


def _DATA_RULE_MESSAGES() -> dict:
    return {
        "block_other_committee": _("The block belongs to another committee."),
        "house_without_building": _("A house needs a building."),
        "residence_without_house": _("A residence needs a house."),
        "document_number_empty": _("Please enter the document number."),
    }


def id_number_message(exc: InvalidIdNumber) -> str:
    messages = {
        "length": _("An ID number has 18 characters."),
        "characters": _("An ID number has 17 digits followed by a digit or X."),
        "birth_date": _("The birth date in this ID number does not exist."),
        "future": _("The birth date in this ID number is in the future."),
        "region": _("The region code (first six digits) of this ID number does not exist."),
        "checksum": _("The check character of this ID number is wrong; please check each digit."),
    }
    return messages.get(exc.code, _("This ID number is not valid."))


@dataclass(frozen=True)
class ConstraintViolation:
    """Which database rule a write broke, read from the driver's error codes rather than its wording.

    ``kind`` is unique / foreign_key / not_null / check / other; ``target`` the constraint or index name (PostgreSQL
    names it), or for SQLite the ``table.column`` list or ``index 'name'`` its message carries."""

    kind: str
    target: str

    def concerns(self, *targets: str) -> bool:
        return any(target == self.target or target in self.target.split(", ") for target in targets)


_POSTGRES_KINDS = {"23505": "unique", "23503": "foreign_key", "23502": "not_null", "23514": "check"}
_SQLITE_KINDS = {
    "SQLITE_CONSTRAINT_UNIQUE": "unique", "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key", "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_CHECK": "check",
}


def constraint_violation(exc: IntegrityError) -> ConstraintViolation:
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:  # psycopg: the SQLSTATE and the constraint's name come as fields
        diag = orig.diag
        return ConstraintViolation(_POSTGRES_KINDS.get(sqlstate, "other"), diag.constraint_name or "")
    # sqlite3 gives the extended error code as a field; the target only inside its fixed-grammar message
    # ("UNIQUE constraint failed: person.id_number" / "... failed: index 'name'").
    _, _, target = str(orig).partition("constraint failed: ")
    target = target.strip()
    if target.startswith("index "):
        target = target.removeprefix("index ").strip("'")
    return ConstraintViolation(_SQLITE_KINDS.get(getattr(orig, "sqlite_errorname", ""), "other"), target)


# The constraints a screen can meet, by the name PostgreSQL reports and the columns SQLite reports.
_ONE_ACTIVE_RESIDENCE = ("uq_residence_one_active_per_person", "residence.person_id")
_PERSON_ID_NUMBER = ("person_id_number_key", "person.id_number")


def user_message(exc: Exception) -> str:
    if isinstance(exc, InvalidIdNumber):
        return id_number_message(exc)
    if isinstance(exc, Refused):
        return refusal_message(exc)
    if isinstance(exc, IntegrityError):
        violation = constraint_violation(exc)
        if violation.kind == "unique" and violation.concerns(*_ONE_ACTIVE_RESIDENCE):
            return _("This person already has an active residence; cancel it before registering a new one.")
        if violation.kind == "unique" and violation.concerns(*_PERSON_ID_NUMBER):
            return _("A person with this ID number is already registered.")
        if violation.kind == "foreign_key":
            return _("This record is still referred to by other records and cannot be removed.")
        return _("This record conflicts with an existing one (a duplicate or a broken rule); nothing was saved.")
    if isinstance(exc, StatementError):
        return _("A value has the wrong format; nothing was saved.")
    return _("The change could not be saved; nothing was changed.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _page(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(message=message), status
    from flask import current_app, g
    from flask_login import current_user

    if "user" not in g:  # an error raised before FAB's own before_request (e.g. a CSRF refusal)
        g.user = current_user
    appbuilder = current_app.appbuilder
    page = render_template(
        "error.html", status=status, title=title, message=message,
        appbuilder=appbuilder, base_template=appbuilder.base_template,
    )
    return page, status


def forbidden_page():
    return _page(403, _("Access denied"), _("You do not have permission to see this."))


def init_app(app) -> None:
    @app.errorhandler(400)
    def bad_request(error):
        return _page(400, _("The request is not valid"), getattr(error, "description", "") or "")

    @app.errorhandler(403)
    def forbidden(error):
        return forbidden_page()

    @app.errorhandler(404)
    def not_found(error):
        return _page(404, _("Page not found"), _("The page or record does not exist, or is outside your area."))

    @app.errorhandler(Refused)
    def refused(error):
        # A refusal no view caught: still a clear sentence and a 4xx, never a 500.
        return _page(refusal_status(error), _("The request was refused"), refusal_message(error))

    @app.errorhandler(413)
    def too_large(error):
        return _page(413, _("The request is too large"), _("The upload or form is too large."))

    @app.errorhandler(InvalidIdNumber)
    def invalid_id(error):
        db.session.rollback()
        return _page(400, _("The request is not valid"), id_number_message(error))

    @app.errorhandler(OverflowError)
    def overflow(error):
        # Defence in depth behind app/inputs.py's converters: a number or date no database or calendar can hold
        # (SQLite's driver raises OverflowError for integers above 2**63) is bad input, not a server fault.
        db.session.rollback()
        return _page(400, _("The request is not valid"), _("A number or date in the request is out of range."))

    @app.errorhandler(SQLAlchemyError)
    def database_error(error):
        # The last line of defence: a constraint the forms did not catch. Roll back so nothing is half-saved.
        db.session.rollback()
        if isinstance(error, (IntegrityError, StatementError)):
            return _page(400, _("The request is not valid"), user_message(error))
        raise error
