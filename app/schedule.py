"""Celery beat's schedule, in one place. Times are Asia/Shanghai (CELERY_TIMEZONE).

Each entry names a task (by its registered name) and when it runs. Examples of the shapes to use:
    daily at 02:30                 crontab(hour=2, minute=30)
    monthly, 1st at 06:00          crontab(day_of_month=1, hour=6, minute=0)
    monthly, 25th (before the monthly table is due)   crontab(day_of_month=25, hour=7, minute=0)
Run with `celery -A app.celery_app:celery beat` (docker/boot.sh does); one beat process per installation.
"""
from __future__ import annotations

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    # Housekeeping: jobs queued or rendering for longer than DOCUMENT_JOB_STALE_MINUTES (a worker hit its hard
    # time limit, the broker lost the message, …) are marked failed with a reason, so nobody waits forever.
    "documents-mark-stale-jobs": {
        "task": "documents.mark_stale_jobs",
        "schedule": crontab(minute=5),  # hourly at :05; cheap (one indexed UPDATE)
    },
    # The change flow (issue 5): mark newly overdue cases and notify their holders; flag estates whose guards
    # logged no visitors yesterday. Early morning, so the day's work starts with the list.
    "changes-daily-check": {
        "task": "changes.daily_check",
        "schedule": crontab(hour=6, minute=30),
    },
    # The monthly close (issue 7): on the 1st, draft last month's table and ranking and ask the zone leaders to
    # submit by RULE_SUBMISSION_DEADLINE_DAY.
    "monthly-draft-last-month": {
        "task": "monthly.draft_last_month",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
    # Crime-related leads (issue 16 item 3): a lead not verified by its deadline is criticised (通报批评).
    "crime-overdue-leads": {
        "task": "crime.criticise_overdue_leads",
        "schedule": crontab(hour=6, minute=40),
    },
    # The analysis loop (issue 17): every rule that finds gaps, over the whole street; findings are the morning's
    # tasks (before the change flow's check at 06:30). Under a minute at 200,000 persons (bench/bench_analysis.py).
    "analysis-nightly-run": {
        "task": "analysis.nightly_run",
        "schedule": crontab(hour=2, minute=15),
    },
    # Notifications (issue 13): webhook messages that failed earlier (robot down, timeout) are retried when due.
    "notifications-deliver-webhooks": {
        "task": "notifications.deliver_webhooks",
        "schedule": crontab(),  # every minute; one indexed query when nothing waits
    },
    # Backups (issue 13): the database and the documents every night, kept BACKUP_KEEP_DAYS.
    "backups-nightly": {
        "task": "backups.nightly",
        "schedule": crontab(hour=2, minute=30),
    },
}
