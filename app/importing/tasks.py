"""Celery tasks of the import page: check a stored file, then import it. Arguments are ids (JSON); the acting
user is explicit. In the embedded default (no broker) they run in-process, inside the request."""
from __future__ import annotations

from celery import shared_task
from app.importing import jobs


@shared_task(name="importing.check", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def check_job(job_id: int, actor_id: int) -> None:
    jobs.run_job(job_id, actor_id, write=False)


@shared_task(name="importing.run", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int, actor_id: int) -> None:
    jobs.run_job(job_id, actor_id, write=True)
