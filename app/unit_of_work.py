"""The one ``commit()`` under app/: a Celery task, a CLI command, a job step, a test acting as one.

Services never commit (they flush when they need ids); whoever started the work ends it here, so a refusal or
a crash halfway rolls the whole unit back. A job whose states other processes read (app/documents/jobs.py,
app/importing/jobs.py) runs each step as its own unit. Views use app/views/transaction.py ``committing()``, built
on this, which adds the flash message and turns refusals into one. tests/test_structure.py keeps it the only one.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from app.extensions import db


@contextmanager
def unit_of_work() -> Iterator[None]:
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
