"""Celery task: send the webhook messages that are due (after a commit, and every minute from beat)."""
from __future__ import annotations

from celery import shared_task

from app.notifications.webhook import deliver_due

DELIVER_TASK = "notifications.deliver_webhooks"


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver_webhooks() -> dict:
    return deliver_due()
