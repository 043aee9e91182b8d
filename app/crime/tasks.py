"""Beat task: every morning, criticise the leads not verified by their deadline (app.schedule)."""
from __future__ import annotations

from celery import shared_task

OVERDUE_TASK = "crime.criticise_overdue_leads"


@shared_task(name=OVERDUE_TASK)
def criticise_overdue_leads() -> int:
    from app.audit import acting_as
    from app.crime import service
    from app.extensions import db

    with acting_as("crime-overdue", source="task"):
        made = service.criticise_overdue_leads()
        db.session.commit()
    return len(made)
