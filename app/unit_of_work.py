"""The one commit for code that is not a view: a Celery task, a CLI command, a test acting as one.

Services never commit (they flush when they need ids); whoever started the work ends it here, so a refusal or
a crash halfway rolls the whole unit back. Views use app/views/transaction.py ``committing()``, which adds the
flash message and turns refusals into one.
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
