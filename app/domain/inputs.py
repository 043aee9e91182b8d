"""What a typed value from outside (URL, query, form, JSON, rison, CSV) may be before it reaches a query.

Pure Python, no Flask: app/inputs.py wraps these for requests. Two converters, used everywhere:

- ids: whole decimal numbers inside the database's 64-bit signed range. SQLite's driver raises OverflowError
  for anything larger and PostgreSQL refuses it; both used to surface as a 500.
- dates and datetimes: ISO text inside [DATE_MIN, DATE_MAX]. Python's date arithmetic overflows at year 1 and
  9999 (the day before 0001-01-01, a Shanghai wall clock turned into UTC), so a date at the edge of what
  ``date.fromisoformat`` accepts crashed whatever computed with it. No record of the plan lies outside this range.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

# BIGINT / SQLite INTEGER: the largest id any of our databases can compare without an error.
ID_MAX = 2**63 - 1
# The range of dates and datetimes accepted from outside: births of the oldest residents to far future deadlines.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)


class BadValue(ValueError):
    """A value from outside that is not what it claims to be. ``code``: "id", "date", "datetime", "range"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def parse_id(value: Any) -> Optional[int]:
    """A record id (1 … ID_MAX) from text or a number; None for anything else (negative, 1e5, 10**20, "x", True).
    A missing id and an impossible one are the same to a caller: no such record."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return None
        number = int(text)
    return number if 0 < number <= ID_MAX else None


def is_whole_number(value: Any) -> bool:
    """An integer (id, page, year, count) that fits a 64-bit signed column; negative numbers included."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -ID_MAX <= value <= ID_MAX
    text = str(value if value is not None else "").strip()
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isascii() and digits.isdigit() and len(digits) <= 19 and -ID_MAX <= int(text) <= ID_MAX


def parse_date(value: Any) -> dt.date:
    """An ISO date (YYYY-MM-DD) inside [DATE_MIN, DATE_MAX]; BadValue otherwise."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise BadValue("date") from exc
    if not DATE_MIN <= value <= DATE_MAX:
        raise BadValue("range")
    return value


def parse_datetime(value: Any) -> dt.datetime:
    """An ISO datetime (a date alone is its midnight) whose day lies inside [DATE_MIN, DATE_MAX]; BadValue
    otherwise. The result is what was written: naive stays naive (the caller knows its zone)."""
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise BadValue("datetime") from exc
    if not DATE_MIN <= value.date() <= DATE_MAX:
        raise BadValue("range")
    return value
