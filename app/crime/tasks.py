"""Beat task: every morning, criticise the leads not verified by their deadline (app.schedule)."""
from __future__ import annotations

from celery import shared_task
from app.audit import acting_as
from app.crime import service
from app.unit_of_work import unit_of_work

OVERDUE_TASK = "crime.criticise_overdue_leads"


@shared_task(name=OVERDUE_TASK)
def criticise_overdue_leads() -> int:
    with acting_as("crime-overdue", source="task"), unit_of_work():
        made = service.criticise_overdue_leads()
    return len(made)
