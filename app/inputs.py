"""Request values → typed values, on top of app/domain/inputs.py: the one converter for ids and the one for
dates used by every route (URL converter, query, form, JSON, rison). A value that cannot be what it claims is
a 400 with a Chinese sentence (or simply "no such record" for an id), never a 500.

``init_app`` replaces Flask's ``int`` URL converter, so every ``<int:pk>`` route stops at ID_MAX: a larger
number matches no route (404) instead of reaching the database driver. It must run before any view is
registered, since a rule binds its converter when it is added.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask import abort
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from app.domain.inputs import (
    DATE_MAX, DATE_MIN, ID_MAX, BadValue, is_whole_number, parse_date, parse_datetime, parse_id,
)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to what a 64-bit signed column holds."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
        bound = ID_MAX if max is None or max > ID_MAX else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)


def bad_value_message(exc: BadValue) -> str:
    if exc.code == "range":
        return _("The date must lie between %(low)s and %(high)s.", low=DATE_MIN.isoformat(),
                 high=DATE_MAX.isoformat())
    if exc.code == "datetime":
        return _("The date or time is not valid.")
    return _("The date is not valid.")


def id_or_none(value: Any) -> Optional[int]:
    """An id from a query, form or JSON value; None when empty or impossible (negative, 10**20, "abc")."""
    return parse_id(value)


def int_or_default(value: Any, default=None):
    """A whole number (year, month, page…) from a request value; ``default`` when empty or not one that fits
    64 bits. The caller still checks its own range."""
    return int(str(value).strip()) if value is not None and is_whole_number(value) else default


def year_or_400(value: Any, default: int) -> int:
    """A year (2000-2100) from a request value; ``default`` when empty; a 400 when given but not such a year
    (never the default instead: a mistyped year must not act on this year)."""
    if value is None or not str(value).strip():
        return default
    year = int_or_default(value)
    if year is None or not 2000 <= year <= 2100:
        abort(400, description=_("Unknown year."))
    return year


def date_or_400(value: Any) -> Optional[dt.date]:
    """An ISO date from a request value, None when empty; a 400 with a Chinese message when malformed or
    outside [DATE_MIN, DATE_MAX]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_date(value)
    except BadValue as exc:
        abort(400, description=bad_value_message(exc))


def datetime_or_400(value: Any) -> Optional[dt.datetime]:
    """An ISO datetime from a request value (as written: naive stays naive), None when empty; a 400 when
    malformed or outside the date range."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_datetime(value)
    except BadValue as exc:
        abort(400, description=bad_value_message(exc))


def init_app(app) -> None:
    app.url_map.converters["int"] = BoundedIntConverter


__all__ = ["DATE_MAX", "DATE_MIN", "ID_MAX", "BadValue", "BoundedIntConverter", "bad_value_message", "date_or_400", "datetime_or_400", "id_or_none", "year_or_400",
           "init_app", "int_or_default", "is_whole_number", "parse_date", "parse_datetime", "parse_id"]
