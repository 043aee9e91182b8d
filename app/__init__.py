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
    # Flask-Babel resolves relative catalog paths against the package root; ours is at the top level.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = app.config["BABEL_DEFAULT_FOLDER"]

    inputs.init_app(app)  # <int:…> bounded to 64 bits: before any route is added, rules bind converters then
    db.init_app(app)
    # SQLite cannot ALTER most things: batch mode rebuilds tables there, and is a no-op on PostgreSQL.
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True)
    csrf.init_app(app)

    from app.audit import recorder  # noqa: F401  (registers the flush hook that writes the audit trail)
    from app.population import integrity  # noqa: F401  (registers the flush hook that guards every write)

    with app.app_context():
        appbuilder = AppBuilder(update_perms=app.config["FAB_UPDATE_PERMS"])
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)

    errors.init_app(app)
    from app.views import display

    display.init_app(app)  # the |shown and |local_minute filters (Shanghai time to the minute, 是/否, no None)
    hooks.init_app(app)
    privacy.init_app(app)  # audit of responses that carry full ID numbers
    cli.init_app(app)

    # Printable document kinds: each feature registers its own (app.documents.registry).
    from app.changes import printing
    from app.documents import service as documents
    from app.monthly import documents as monthly_documents
    from app.verification import poster

    for feature in (documents, printing, monthly_documents, poster):
        feature.init_app(app)

    from app import health
    from app.celery_app import celery_init_app

    celery_init_app(app)  # app.extensions["celery"]: in-process (eager) unless CELERY_BROKER_URL is set
    health.init_app(app)  # GET /health for docker's health check
    from app.notifications import views as notification_views

    notification_views.init_app(app)  # navbar badge; webhook delivery after commits
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
