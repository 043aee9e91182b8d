"""The nightly backup (app/schedule.py)."""
from __future__ import annotations

from celery import shared_task
from app.backups import service

NIGHTLY_TASK = "backups.nightly"


@shared_task(name=NIGHTLY_TASK, ignore_result=True)
def nightly() -> str:
    return str(service.backup())
