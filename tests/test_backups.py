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
        # Every table dropped through an ordinary connection: other tests' apps may still hold the file (and its
        # write-ahead log) open, so truncating the file under them would be a different accident from a lost disk.
        import sqlite3

        conn = sqlite3.connect(url.database, isolation_level=None)
        conn.execute("PRAGMA foreign_keys=OFF")
        for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') "
                                       "AND name NOT LIKE 'sqlite_%'").fetchall():
            conn.execute(f'DROP {kind.upper()} "{name}"')
        conn.close()
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


def _sqlite_file(app):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's file and journal")
    return url.database


def test_the_sqlite_register_runs_in_write_ahead_log_mode(app):
    _sqlite_file(app)
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: a commit survives a power cut
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_restore_beside_a_running_portal_finishes_and_the_portal_sees_the_backup(app, places, backup_root):
    """A web worker and the Celery worker keep the file open while the office restores. SQLite's backup API into
    a write-ahead-logged file waited forever then; the restore must finish, and the open connection must read the
    restored register, not the rows added after the backup."""
    import sqlite3
    import threading

    database = _sqlite_file(app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup"]).exit_code == 0
    with app.app_context():
        backed_up = service.table_counts()
        committee = places["钢一"]["committee"]
        db.session.execute(text("INSERT INTO block (committee_id, name) VALUES (:c, '恢复后不应存在的块')"),
                           {"c": committee})
        db.session.commit()

    other_worker = sqlite3.connect(database)  # idle, as a web worker's pooled connection is between requests
    assert other_worker.execute("SELECT count(*) FROM block WHERE name = '恢复后不应存在的块'").fetchone() == (1,)
    outcome = {}
    restoring = threading.Thread(target=lambda: outcome.setdefault(
        "result", runner.invoke(args=["restore", "--force"])), daemon=True)
    restoring.start()
    restoring.join(timeout=120)
    try:
        assert not restoring.is_alive(), "flask restore still waiting after 2 minutes beside an open connection"
        assert outcome["result"].exit_code == 0, outcome["result"].output
        assert other_worker.execute("SELECT count(*) FROM block WHERE name = '恢复后不应存在的块'").fetchone() == (0,)
        with app.app_context():
            assert service.table_counts() == backed_up
            # the restored schema carries its triggers: committee_count still follows inserts
            assert db.session.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")).scalar() > 0
    finally:
        other_worker.close()
