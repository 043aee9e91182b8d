"""Calendar months as the plan counts them (a monthly table, a month's quota, a month's roster): one meaning of a
month's bounds for the whole program, its first and its last day, both included. A query over a Date column reads
``first <= day <= last``; nothing else in the program computes month ends."""
from __future__ import annotations

import datetime as dt
from typing import Iterable


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of the month (both inside it)."""
    following = dt.date(*next_month(year, month), 1)
    return dt.date(year, month, 1), following - dt.timedelta(days=1)


def days_on_weekdays(year: int, month: int, weekdays: Iterable[int]) -> list[dt.date]:
    """The month's days falling on ``weekdays`` (Monday = 0), in order."""
    wanted = set(weekdays)
    first, last = month_bounds(year, month)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)
            if (first + dt.timedelta(days=n)).weekday() in wanted]
