"""Backups (issue 13 item 4): back up, wipe, restore, and find the same rows, documents and an audit trail that is
still append-only; a restore onto a database with data is refused unless forced; old backups are pruned."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.backups import service
from app.changes import service as changes
from app.extensions import db
from app.models import PortalUser


@pytest.fixture()
def backup_root(app, tmp_path):
    old = app.config.get("BACKUP_DIR")
    app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    yield Path(app.config["BACKUP_DIR"])
    app.config["BACKUP_DIR"] = old


def _audit_rows():
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT id, model, record_id, action FROM audit_event ORDER BY id")).all()


def _wipe(app):
    """What a lost disk looks like: no tables at all, no documents."""
    db.session.remove()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        db.engine.dispose()
        Path(url.database).write_bytes(b"")
    else:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
    for path in Path(app.config["DOCUMENTS_DIR"]).glob("**/*"):
        if path.is_file():
            path.unlink()


def test_backup_wipe_restore_gives_back_the_same_register(app, places, users, backup_root):
    runner = app.test_cli_runner()
    with app.app_context():
        p = places["钢一"]
        changes.open_case(p["committee"], p["houses"][0], "move_in", source="report",
                          actor=db.session.get(PortalUser, users["social_worker"]))
        db.session.commit()
        document = Path(app.config["DOCUMENTS_DIR"]) / "2026" / "probe.pdf"
        document.parent.mkdir(parents=True, exist_ok=True)
        document.write_bytes(b"%PDF-1.7 probe")
        counts = service.table_counts()
        audit = _audit_rows()
    assert counts["house"] >= 4 and counts["change_case"] == 1 and audit

    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    made = service.latest(backup_root)
    assert made is not None and (made / "manifest.json").is_file()

    # onto the live database: refused, nothing touched
    refused = runner.invoke(args=["restore", str(made)])
    assert refused.exit_code != 0 and "not empty" in refused.output

    with app.app_context():
        _wipe(app)
    assert not document.exists()
    result = runner.invoke(args=["restore", str(made)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert service.table_counts() == counts
        assert _audit_rows() == audit
        assert document.read_bytes() == b"%PDF-1.7 probe"
        # the audit trail is still append-only after the restore (the database's own triggers)
        first = audit[0][0]
        for statement in (f"UPDATE audit_event SET model = 'x' WHERE id = {first}",
                          f"DELETE FROM audit_event WHERE id = {first}"):
            with pytest.raises(Exception), db.engine.begin() as conn:
                conn.execute(text(statement))
        assert _audit_rows() == audit


def test_restore_force_replaces_a_database_with_data(app, places, backup_root):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup"]).exit_code == 0
    with app.app_context():
        before = service.table_counts()
    result = runner.invoke(args=["restore", "--force"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert service.table_counts() == before


def test_old_backups_are_pruned(app, backup_root, frozen_clock):
    with app.app_context():
        app.config["BACKUP_KEEP_DAYS"] = 2
        old = service.backup(now=dt.datetime(2026, 6, 1, 2, 30))
        recent = service.backup(now=dt.datetime(2026, 6, 9, 2, 30))
        assert not old.exists() and recent.exists()
        app.config["BACKUP_KEEP_DAYS"] = 14


def test_restore_of_something_that_is_not_a_backup_is_refused(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path)])
    assert result.exit_code != 0 and "not a backup" in result.output
