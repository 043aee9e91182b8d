"""Time as the register keeps it: instants stored as naive UTC, days counted in the rules' time zone."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from app.domain.rules import DEFAULT_RULES, Rules


def utcnow() -> dt.datetime:
    """Now, as the naive UTC datetime every DateTime column holds."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def local_today(rules: Optional[Rules] = None, now: Optional[dt.datetime] = None) -> dt.date:
    """The calendar day in the rules' time zone (Asia/Shanghai) at ``now`` (aware, or naive UTC; default now)."""
    rules = rules or DEFAULT_RULES
    moment = now or dt.datetime.now(dt.timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(rules.zone).date()
