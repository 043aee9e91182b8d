"""Beat task: on the 1st of each month, draft last month's table and ranking and ask the zone leaders to submit."""
from __future__ import annotations

from celery import shared_task

from app.audit import acting_as
from app.domain.months import previous_month
from app.monthly import service
from app.unit_of_work import unit_of_work

DRAFT_TASK = "monthly.draft_last_month"


@shared_task(name=DRAFT_TASK)
def draft_last_month() -> dict:
    today = service.local_today()
    with acting_as("monthly-draft", source="task"), unit_of_work():
        return service.draft_month(*previous_month(today.year, today.month))
