"""The schema comes from the migrations alone, and the migrations describe exactly what the models declare."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from app.models.registry import import_all

metadata = import_all()  # every feature's tables, not only the core ones app.models exports


def test_migrations_match_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_fab_does_not_create_tables_itself(app):
    assert app.config["FAB_CREATE_DB"] is False
