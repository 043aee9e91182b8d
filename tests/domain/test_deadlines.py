from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.deadlines import collection_due, entry_due, is_on_time, is_overdue, local_day
from app.domain.rules import DEFAULT_RULES

SH = ZoneInfo("Asia/Shanghai")


def sh(*args):
    return datetime(*args, tzinfo=SH)


def end_of(y, m, d):
    return sh(y, m, d, 23, 59, 59, 999999)


def test_key_area_reported_at_2350_is_due_before_midnight():
    reported = sh(2024, 5, 10, 23, 50)
    due = collection_due(reported, key_area=True)
    assert due == end_of(2024, 5, 10)
    assert not is_overdue(due, sh(2024, 5, 10, 23, 59, 30))
    assert is_overdue(due, sh(2024, 5, 11, 0, 0))
    assert entry_due(reported, None, key_area=True) == end_of(2024, 5, 10)


def test_utc_input_is_placed_on_the_shanghai_calendar_day():
    # 16:30 UTC on the 10th is already 00:30 on the 11th in Shanghai: the key-area case is due end of the 11th.
    reported = datetime(2024, 5, 10, 16, 30, tzinfo=timezone.utc)
    assert local_day(reported) == datetime(2024, 5, 11).date()
    assert collection_due(reported, key_area=True) == end_of(2024, 5, 11)
    # 15:50 UTC is 23:50 on the 10th in Shanghai: due within ten minutes.
    reported = datetime(2024, 5, 10, 15, 50, tzinfo=timezone.utc)
    due = collection_due(reported, key_area=True)
    assert due == end_of(2024, 5, 10)
    assert is_overdue(due, datetime(2024, 5, 10, 16, 0, tzinfo=timezone.utc))


def test_deadlines_come_back_in_shanghai_time():
    due = collection_due(datetime(2024, 5, 10, 1, 0, tzinfo=timezone.utc), key_area=False)
    assert due.tzinfo == SH
    assert due.utcoffset() == timedelta(hours=8)


def test_friday_evening_report_is_due_sunday_end_of_day():
    reported = sh(2024, 5, 10, 20, 0)  # a Friday
    assert reported.weekday() == 4
    due = collection_due(reported, key_area=False)
    assert due == end_of(2024, 5, 12)  # Sunday: calendar days, weekends count
    assert not is_overdue(due, sh(2024, 5, 12, 23, 59))
    assert is_overdue(due, sh(2024, 5, 13, 0, 0))


def test_entry_is_due_two_days_after_collection():
    reported = sh(2024, 5, 10, 20, 0)
    collected = sh(2024, 5, 12, 22, 0)
    assert entry_due(reported, collected, key_area=False) == end_of(2024, 5, 14)


def test_non_default_collection_days():
    rules = replace(DEFAULT_RULES, collection_days=3, entry_days=1)
    reported = sh(2024, 5, 10, 8, 0)
    assert collection_due(reported, False, rules) == end_of(2024, 5, 13)
    assert entry_due(reported, sh(2024, 5, 13, 9, 0), False, rules) == end_of(2024, 5, 14)


def test_key_area_same_day_can_be_switched_off():
    rules = replace(DEFAULT_RULES, key_area_same_day=False)
    assert collection_due(sh(2024, 5, 10, 23, 50), True, rules) == end_of(2024, 5, 12)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        collection_due(datetime(2024, 5, 10, 12, 0), key_area=False)
    with pytest.raises(ValueError):
        is_overdue(end_of(2024, 5, 10), datetime(2024, 5, 11))
    with pytest.raises(ValueError):
        entry_due(sh(2024, 5, 10, 12, 0), None, key_area=False)  # not collected yet: no entry clock


def test_is_on_time_over_the_whole_flow():
    reported = sh(2024, 5, 10, 9, 0)
    now = sh(2024, 5, 20, 9, 0)
    assert is_on_time(reported, sh(2024, 5, 12, 18, 0), sh(2024, 5, 14, 18, 0), False, now)
    assert not is_on_time(reported, sh(2024, 5, 13, 8, 0), sh(2024, 5, 13, 9, 0), False, now)  # collected late
    assert not is_on_time(reported, sh(2024, 5, 11, 8, 0), sh(2024, 5, 14, 0, 1), False, now)  # entered late
    assert not is_on_time(reported, sh(2024, 5, 11, 8, 0), None, False, now)  # still not entered, overdue
    assert is_on_time(reported, None, None, False, sh(2024, 5, 11, 9, 0))  # still within time
    assert not is_on_time(reported, sh(2024, 5, 10, 20, 0), sh(2024, 5, 11, 8, 0), True, now)  # key area
