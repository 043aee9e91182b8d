"""The portal's application factory."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from flask import Flask


def create_app(test_config: Optional[Mapping[str, Any]] = None) -> Flask:
    """Build a new, fully wired app. Each call gives an independent app (tests rely on it)."""
    from flask_appbuilder import AppBuilder

    from app import cli, errors, inputs
    from app.access import hooks, privacy
    from app.extensions import csrf, db, migrate
    from app.views import register_views

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object("config.Config")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        from config import secret_key

        app.config["SECRET_KEY"] = secret_key()  # generated and kept under instance/ on first use
    # Flask-Babel resolves relative catalog paths against the package root; ours is at the top level.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = app.config["BABEL_DEFAULT_FOLDER"]

    inputs.init_app(app)  # <int:…> bounded to 64 bits: before any route is added, rules bind converters then
    db.init_app(app)
    from app.models import sqlite_pragmas

    sqlite_pragmas.init_app(app)  # SQLite: foreign keys enforced as PostgreSQL does, write-ahead log
    # SQLite cannot ALTER most things: batch mode rebuilds tables there, and is a no-op on PostgreSQL.
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True)
    csrf.init_app(app)

    # Session hooks: each feature registers its own here, never as a side effect of an import.
    from app.audit import recorder
    from app.monthly import hooks as monthly_hooks
    from app.population import integrity
    from app.verification import hooks as verification_hooks

    for feature in (verification_hooks, monthly_hooks, recorder, integrity):  # the order they had as imports
        feature.init_app(app)

    with app.app_context():
        appbuilder = AppBuilder(update_perms=app.config["FAB_UPDATE_PERMS"])
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)

    errors.init_app(app)
    _register_refusals()
    from app.views import display

    display.init_app(app)  # the |shown and |local_minute filters (Shanghai time to the minute, 是/否, no None)
    from app.views import menu

    menu.init_app(app)  # permissions and the navbar's menu per role set, dropped when roles change
    hooks.init_app(app)
    privacy.init_app(app)  # audit of responses that carry full ID numbers
    cli.init_app(app)

    # Printable document kinds: each feature registers its own (app.documents.registry).
    from app.changes import printing
    from app.documents import service as documents
    from app.monthly import documents as monthly_documents
    from app.verification import poster

    from app.analysis import review as analysis_review
    from app.crime import documents as crime_documents, hooks as crime_hooks

    from app.inspections import documents as inspection_documents
    from app.jointaction import documents as joint_documents
    from app.performance import documents as performance_documents

    crime_hooks.init_app(app)  # a late entry brings its criticism and, if serious violent, the veto
    from app.volunteers import documents as volunteer_documents

    for feature in (documents, printing, monthly_documents, poster, crime_documents, analysis_review,
                    volunteer_documents, inspection_documents, joint_documents, performance_documents):
        feature.init_app(app)

    from app import health
    from app.celery_app import celery_init_app

    from app.analysis import tasks as analysis_tasks

    analysis_tasks.init_app(app)  # the nightly run of the gap rules (task + `flask analysis run`)
    celery_init_app(app)  # app.extensions["celery"]: in-process (eager) unless CELERY_BROKER_URL is set
    health.init_app(app)  # GET /health for docker's health check
    from app.notifications import views as notification_views

    notification_views.init_app(app)  # navbar badge; webhook delivery after commits
    return app


def _register_refusals() -> None:
    """How each feature's refusal codes read (app.errors maps every Refused to a message and a status)."""
    from app import errors
    from app.analysis import messages as analysis_messages
    from app.analysis.service import AnalysisRefused
    from app.changes import messages as change_messages
    from app.changes.service import CaseRefused
    from app.domain.case_flow import Refusal
    from app.importing.messages import file_message
    from app.importing.service import ImportRefused
    from app.verification import messages as verification_messages
    from app.verification.service.reach import VerificationRefused

    errors.register_refusal(CaseRefused, change_messages.refusal)
    errors.register_refusal(Refusal, change_messages.refusal)
    errors.register_refusal(VerificationRefused, verification_messages.refusal)
    errors.register_refusal(ImportRefused, lambda exc: file_message(exc.code, **exc.params))
    errors.register_refusal(AnalysisRefused, analysis_messages.refusal)
    from app.domain.volunteers import MeetingRefused, VolunteerRefused
    from app.volunteers import messages as volunteer_messages

    errors.register_refusal(VolunteerRefused, volunteer_messages.refusal)
    errors.register_refusal(MeetingRefused, volunteer_messages.refusal)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
