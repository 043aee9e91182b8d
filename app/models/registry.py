"""The one list of every feature's models, for whoever needs the whole metadata.

Migrations (migrations/env.py), the tests (tests/conftest.py) and the benches call ``import_all()`` so that
``Model.metadata`` holds every table; the app itself gets them through the views that use them. A new feature with
tables adds its models module here.
"""
from __future__ import annotations

import importlib

from flask_appbuilder import Model  # the declarative base every module below registers on

MODEL_MODULES = (
    "app.models",  # the core: organisation, population, accounts, audit
    "app.models.jobs",
    "app.models.counts",  # per-committee counts kept by triggers
    "app.documents.models",
    "app.notifications.models",
    "app.changes.models",
    "app.verification.models",
    "app.monthly.models",
    "app.importing.models",
    "app.crime.models",
    "app.analysis.models",
    "app.inspections.models",
    "app.jointaction.models",
    "app.volunteers.models",
    "app.meetings.models",
    "app.performance.models",
)


def import_all():
    """Import every model module; returns the shared MetaData."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Model.metadata
