"""Time as the register keeps it: instants stored as naive UTC, days counted in the rules' time zone.

This is the only module that reads the system clock. Everything else asks it, so a test (or a CLI command that
replays a past day) can move time for the whole program by setting one source with ``set_source``.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

from app.domain.rules import DEFAULT_RULES, Rules


def _system_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# The one hook: a callable returning an aware instant. Tests replace it (tests/conftest.py: ``frozen_clock``).
_source: Callable[[], dt.datetime] = _system_now


def set_source(source: Optional[Callable[[], dt.datetime]]) -> None:
    """Read time from ``source`` (a callable returning an aware datetime); None goes back to the system clock."""
    global _source
    _source = source or _system_now


def now_aware() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    moment = _source()
    if moment.tzinfo is None:  # a naive source means naive UTC, like our columns
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    """Now, as the naive UTC datetime every DateTime column holds."""
    return now_aware().replace(tzinfo=None)


def aware(moment: dt.datetime, rules: Optional[Rules] = None) -> dt.datetime:
    """A stored naive-UTC instant (or an aware one) as an aware datetime in the rules' time zone."""
    rules = rules or DEFAULT_RULES
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(rules.zone)


def naive(moment: dt.datetime) -> dt.datetime:
    """Any instant as naive UTC (aware → converted; naive is taken as UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_now(rules: Optional[Rules] = None) -> dt.datetime:
    """Now, aware, in the rules' time zone (Asia/Shanghai)."""
    return aware(now_aware(), rules)


def local_today(rules: Optional[Rules] = None, now: Optional[dt.datetime] = None) -> dt.date:
    """The calendar day in the rules' time zone (Asia/Shanghai) at ``now`` (aware, or naive UTC; default now)."""
    return aware(now if now is not None else now_aware(), rules).date()
