"""The change flow's daily check (scheduled in app/schedule.py). Runs inside the app context (FlaskTask) as an
explicit actor: there is no ``g.user`` in a worker."""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from app.audit import acting_as
from app.changes import service, visitors
from app.unit_of_work import unit_of_work

DAILY_CHECK_TASK = "changes.daily_check"
DAILY_CHECK_ACTOR = "daily-check"


def run_daily_check(now: dt.datetime | None = None) -> dict:
    """Mark newly overdue cases and notify their holders; flag estates that logged no visitors yesterday.
    Idempotent: running it twice the same day marks and notifies nothing more. Commits."""

    with acting_as(DAILY_CHECK_ACTOR, source="task"), unit_of_work():
        counts = service.check_overdue(now)
        yesterday = None
        if now is not None:
            rules = service.current_rules()
            yesterday = service.aware(service.naive(now)).astimezone(rules.zone).date() - dt.timedelta(days=1)
        counts["missing_visitor_logs"] = visitors.flag_missing_logs(yesterday)
    return counts


@shared_task(name=DAILY_CHECK_TASK, ignore_result=True)
def daily_check() -> dict:
    return run_daily_check()
