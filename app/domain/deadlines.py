"""The clock of the change flow (DOMAIN.md "The flow", points 1-4).

A change reported on day D must have its form collected within `rules.collection_days` calendar days, and the
form collected on day C must be entered within `rules.entry_days` calendar days. In key areas everything
happens the same day as the report.

Definition used everywhere: "within N days of day D" means "by the end of calendar day D + N", with calendar
days counted in local time (`rules.timezone`, Asia/Shanghai) whatever zone a timestamp arrives in. A deadline is
returned as the last instant of that day, 23:59:59.999999 local time; it is met by anything at or before it,
i.e. strictly before midnight starting the next day (the exclusive bound `due + 1 µs`). So a case reported on
Friday evening with 2 days is due by the end of Sunday: weekends count, as the plan says "days", not
"working days".
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from .rules import DEFAULT_RULES, Rules


def _require_aware(dt: datetime, name: str) -> None:
    if not isinstance(dt, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware: a naive time cannot be placed on a Shanghai calendar day")


def local_day(dt: datetime, rules: Rules = DEFAULT_RULES) -> date:
    """The calendar day of `dt` in the rules' time zone (a 23:30 UTC report is already tomorrow in Shanghai)."""
    _require_aware(dt, "dt")
    return dt.astimezone(rules.zone).date()


def end_of_day(day: date, rules: Rules = DEFAULT_RULES) -> datetime:
    """The last instant (23:59:59.999999) of `day` in the rules' time zone."""
    return datetime.combine(day, time.max, tzinfo=rules.zone)


def collection_due(reported_at: datetime, key_area: bool, rules: Rules = DEFAULT_RULES) -> datetime:
    """When the form must be collected: end of the report day + collection_days (key area: same day)."""
    day = local_day(reported_at, rules)
    days = 0 if key_area and rules.key_area_same_day else rules.collection_days
    return end_of_day(day + timedelta(days=days), rules)


def entry_due(
    reported_at: datetime,
    collected_at: datetime | None,
    key_area: bool,
    rules: Rules = DEFAULT_RULES,
) -> datetime:
    """When the form must be entered (or the residence cancelled).

    Normally: end of the collection day + entry_days, so `collected_at` is required. Key area: end of the day of
    the *report* (everything the same day), so `collected_at` may still be None.
    """
    _require_aware(reported_at, "reported_at")
    if key_area and rules.key_area_same_day:
        return end_of_day(local_day(reported_at, rules), rules)
    if collected_at is None:
        raise ValueError("collected_at is required: outside key areas the entry clock starts at collection")
    return end_of_day(local_day(collected_at, rules) + timedelta(days=rules.entry_days), rules)


def is_overdue(due: datetime, now_or_done_at: datetime) -> bool:
    """True when the deadline has passed at `now_or_done_at` (the current time, or when the step was done)."""
    _require_aware(due, "due")
    _require_aware(now_or_done_at, "now_or_done_at")
    return now_or_done_at > due


def is_on_time(
    reported_at: datetime,
    collected_at: datetime | None,
    entered_at: datetime | None,
    key_area: bool,
    now: datetime,
    rules: Rules = DEFAULT_RULES,
) -> bool:
    """Whether a change was (so far) handled within both deadlines; feeds the ranking's timeliness share.

    A step not done yet counts as on time only while its deadline has not passed at `now`.
    """
    due = collection_due(reported_at, key_area, rules)
    if is_overdue(due, collected_at if collected_at is not None else now):
        return False
    if collected_at is None:
        return True
    due = entry_due(reported_at, collected_at, key_area, rules)
    return not is_overdue(due, entered_at if entered_at is not None else now)
