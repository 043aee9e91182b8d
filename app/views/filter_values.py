"""The one check of a list filter's value against its column, for screens (?_flt_0_name=…) and the API (rison).

Without it SQLite compares "not-a-date" with dates and returns nonsense, PostgreSQL fails with a 500, and FAB adds
``True + "%"`` for a boolean typed into a name filter. Screens send strings; the API sends JSON values (numbers,
booleans, lists), so typed values are checked too.
"""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, Integer, String

from app.inputs import BadValue, bad_value_message, is_whole_number, parse_date, parse_datetime

MAX_FILTER_LENGTH = 255
_BOOLEAN_WORDS = {"y", "n", "true", "false", "1", "0", "on", "off"}


def column_type(model, column: Optional[str]):
    attr = getattr(model, column or "", None)
    columns = getattr(getattr(attr, "property", None), "columns", None)
    return columns[0].type if columns else None


def filter_value_problem(model, column: Optional[str], value: Any, *, is_relation: bool = False) -> Optional[str]:
    """None if ``value`` may filter ``model.column``, else the Chinese sentence saying why not."""
    if isinstance(value, (list, tuple)):
        return next((p for p in (filter_value_problem(model, column, v, is_relation=is_relation) for v in value)
                     if p), None)
    if value is None or value == "":
        return None
    invalid = str(_l("The filter value is not valid for this column."))
    if isinstance(value, (dict, float)):
        return invalid
    if isinstance(value, str) and len(value) > MAX_FILTER_LENGTH:
        return str(_l("The filter value is too long."))
    kind = column_type(model, column)
    if isinstance(value, bool):
        return None if isinstance(kind, Boolean) else invalid
    if isinstance(kind, String) and not isinstance(value, str):
        return invalid
    text = str(value)
    try:
        if isinstance(kind, DateTime):
            parse_datetime(text)
        elif isinstance(kind, Date):
            parse_date(text)
        elif isinstance(kind, Boolean):
            if text.lower() not in _BOOLEAN_WORDS:
                return invalid
        elif isinstance(kind, Integer) or (kind is None and is_relation):
            if not is_whole_number(text):
                return invalid
    except BadValue as exc:
        return bad_value_message(exc)
    return None
