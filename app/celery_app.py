"""Celery for the portal, after Flask's own Celery example plus Superset's worker hygiene.

* ``celery_init_app(app)`` (called by ``create_app``) builds a Celery app whose tasks run inside
  ``app.app_context()`` and keeps it in ``app.extensions["celery"]``. The web process sends tasks through it.
* With no ``CELERY_BROKER_URL`` (the embedded default) tasks run in-process (``task_always_eager``): a newcomer gets
  PDFs with nothing else installed. With ``CELERY_BROKER_URL=redis://…`` real workers do the work, configured for
  at-least-once delivery (``acks_late`` + ``reject_on_worker_lost``: a worker child killed mid-task is redelivered),
  one task at a time per child, time limits, a memory cap per child, JSON only.
* ``celery -A app.celery_app:celery worker|beat`` (docker/boot.sh) reads the module attribute ``celery``: it is
  built on first access (PEP 562 ``__getattr__``) from a fresh ``create_app()``, so importing this module from
  ``create_app`` itself does not recurse. Only then are the worker signal handlers connected: each prefork child
  disposes the inherited database engine and starts with its own WeasyPrint ``FontConfiguration``.
* Tasks get ids (document id, acting user id), never ORM objects, and never rely on ``g.user``.
"""
from __future__ import annotations

import importlib
import logging
import threading

from celery import Celery, Task

from app.documents.pdf import reset_font_configuration
from app.extensions import db
from app.schedule import BEAT_SCHEDULE

log = logging.getLogger(__name__)


def celery_config(config) -> dict:
    """Celery settings from the Flask config (config.py reads them from the environment)."""
    broker = (config.get("CELERY_BROKER_URL") or "").strip()
    eager = not broker
    hard = int(config.get("CELERY_TASK_TIME_LIMIT", 300))
    soft = min(int(config.get("CELERY_TASK_SOFT_TIME_LIMIT", 240)), hard - 1)
    connect_timeout = float(config.get("CELERY_BROKER_CONNECT_TIMEOUT", 2))
    publish_retries = int(config.get("CELERY_PUBLISH_MAX_RETRIES", 2))

    return {
        "broker_url": broker or "memory://",
        "result_backend": (config.get("CELERY_RESULT_BACKEND") or "").strip() or None,
        "task_ignore_result": True,  # the job state lives in the document table
        "task_always_eager": eager,
        "task_eager_propagates": False,  # tasks record their own failures; the web page never 500s
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_soft_time_limit": soft,
        "task_time_limit": hard,
        "worker_prefetch_multiplier": 1,
        "worker_max_memory_per_child": int(config.get("CELERY_WORKER_MAX_MEMORY_MB", 512)) * 1024,  # KiB
        "broker_connection_timeout": connect_timeout,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            # Redis re-delivers an unacknowledged message after this long: it must exceed the slowest task.
            "visibility_timeout": max(int(config.get("CELERY_VISIBILITY_TIMEOUT", 3600)), 2 * hard),
            "socket_connect_timeout": connect_timeout,
            "socket_timeout": max(connect_timeout, 5.0),
            "max_retries": publish_retries,
        } if not broker.startswith("sqla+") else {
            # kombu's SQLAlchemy transport (the embedded default of ./manage.sh serve) hands its options to
            # create_engine(): the Redis ones above would make it fail.
            "max_retries": publish_retries,
        },
        # The web process must not hang on a broker that is down: a few quick retries, then an error the
        # document service turns into "background service unavailable".
        "task_publish_retry": True,
        "task_publish_retry_policy": {
            "max_retries": publish_retries,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        "timezone": config.get("CELERY_TIMEZONE", "Asia/Shanghai"),
        "enable_utc": True,
        "beat_schedule": BEAT_SCHEDULE,
    }


def _scheduled_task_names() -> frozenset:
    return frozenset(entry["task"] for entry in BEAT_SCHEDULE.values())


SCHEDULED_TASKS = _scheduled_task_names()


TASK_MODULES = (
    "app.documents.tasks",
    "app.backups.tasks",  # the nightly backup, issue 13
    "app.notifications.tasks",  # webhook delivery, issue 13
    "app.importing.tasks",  # issue 15: check and import a register file
    "app.changes.tasks",  # the daily overdue check
    "app.monthly.tasks",  # the monthly table's draft
    "app.crime.tasks",  # issue 16 item 3: leads not verified in time
)


def celery_init_app(app) -> Celery:
    """Bind a new Celery app to the Flask ``app`` (one per ``create_app`` call, like the AppBuilder)."""
    from app.extensions import db

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    if self.name in SCHEDULED_TASKS:
                        # job_run keeps the last start/end/outcome of each scheduled job for /health (issue 13)
                        from app.scheduling_log import recorded

                        with recorded(self.name):
                            return self.run(*args, **kwargs)
                    return self.run(*args, **kwargs)
                finally:
                    # Superset removes the session on task_postrun; here the task owns its app context, so the
                    # session goes at the end of every task (also in eager mode, inside a web request).
                    db.session.remove()

    # Every feature's tasks are registered here (shared_task), not because some view happens to import them.
    # Inside the function: the task modules import the services, which must not load when this module does
    # (the worker entry point below builds the app first).
    for module in TASK_MODULES:
        importlib.import_module(module)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app.config))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


# --------------------------------------------------------------------------------------------------------------
# Worker / beat entry point: `celery -A app.celery_app:celery worker`
# --------------------------------------------------------------------------------------------------------------

_worker_app = None
_worker_lock = threading.Lock()


def _worker_flask_app():
    global _worker_app
    with _worker_lock:
        if _worker_app is None:
            from celery.signals import worker_process_init

            # late: create_app imports this module; the worker builds the app on first access (see above)
            from app import create_app

            flask_app = create_app()

            @worker_process_init.connect(weak=False)
            def _fresh_child(**_kwargs):
                """A prefork child must not reuse the parent's database connections or font state."""
                reset_font_configuration()
                with flask_app.app_context():
                    for engine in db.engines.values():
                        engine.dispose(close=False)

            _worker_app = flask_app
    return _worker_app


def __getattr__(name: str):
    if name == "celery":
        return _worker_flask_app().extensions["celery"]
    if name == "flask_app":
        return _worker_flask_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
