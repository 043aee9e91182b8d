"""app/domain/months.py: the one meaning of a month's bounds (first and last day, both inside the month)."""
from __future__ import annotations

import datetime as dt

from app.domain.months import days_on_weekdays, month_bounds, next_month, previous_month


def test_bounds_are_the_first_and_the_last_day():
    assert month_bounds(2024, 2) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))  # leap year
    assert month_bounds(2025, 2) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert month_bounds(2026, 12) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))  # across the year end
    assert month_bounds(2026, 4)[1] == dt.date(2026, 4, 30)


def test_next_and_previous_month_cross_the_year():
    assert next_month(2026, 12) == (2027, 1) and next_month(2026, 3) == (2026, 4)
    assert previous_month(2025, 1) == (2024, 12) and previous_month(2025, 3) == (2025, 2)


def test_wednesdays_and_fridays_of_a_month():
    days = days_on_weekdays(2026, 12, (2, 4))
    assert days[0] == dt.date(2026, 12, 2) and days[-1] == dt.date(2026, 12, 30)
    assert len(days) == 9 and all(d.weekday() in (2, 4) and d.month == 12 for d in days)
    assert days_on_weekdays(2026, 2, ()) == []
