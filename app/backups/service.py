"""A backup is a directory BACKUP_DIR/<YYYYmmdd-HHMMSS>/ with the database and the documents:

* SQLite: ``database.sqlite3`` made with SQLite's online backup API (a consistent copy while the portal runs);
* PostgreSQL: ``database.dump`` from ``pg_dump --format=custom`` (schema, data, triggers: the audit trail stays
  append-only after a restore);
* ``documents.tar.gz``: DOCUMENTS_DIR;
* ``manifest.json``: when, which database kind, row counts of the main tables (a restore can be checked).

Backups older than BACKUP_KEEP_DAYS are removed after each new one. A restore onto a database that holds data
(any person, house, change case or audit event) is refused unless forced, so a mistyped command cannot replace
a live register with last week's."""
from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.domain.clock import utcnow
from app.extensions import db

log = logging.getLogger(__name__)

COUNTED_TABLES = ("house", "person", "residence", "change_case", "verification_record", "document", "audit_event")
NON_EMPTY_TABLES = ("person", "house", "change_case", "audit_event")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (shown by the CLI)."""


def backup_dir() -> Path:
    return Path(current_app.config["BACKUP_DIR"])


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _pg_env_args(url) -> tuple[dict, list[str]]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    return env, args


def table_counts() -> dict[str, int]:
    names = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()) for t in COUNTED_TABLES
                if t in names}


def backup(now=None) -> Path:
    """Write a new backup and prune old ones. Returns its directory."""
    now = now or utcnow()
    url = _url()
    target = backup_dir() / now.strftime("%Y%m%d-%H%M%S")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    started = time.monotonic()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        dest = sqlite3.connect(partial / "database.sqlite3")
        try:
            with dest:
                source.backup(dest)
            # The copy inherits the live file's write-ahead-log mode; a backup is one self-contained file.
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
            source.close()
        kind = "sqlite"
    elif url.get_backend_name() == "postgresql":
        env, args = _pg_env_args(url)
        result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", *args, "-f",
                                 str(partial / "database.dump"), url.database], env=env, capture_output=True,
                                text=True)
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        kind = "postgresql"
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    documents = Path(current_app.config["DOCUMENTS_DIR"])
    with tarfile.open(partial / "documents.tar.gz", "w:gz") as tar:
        if documents.is_dir():
            tar.add(documents, arcname="documents")
    manifest = {"created_at": now.isoformat(), "kind": kind, "counts": table_counts(),
                "seconds": round(time.monotonic() - started, 2)}
    (partial / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    partial.rename(target)  # a backup directory without .partial is complete
    prune(now)
    return target


def prune(now=None) -> list[Path]:
    """Remove backups older than BACKUP_KEEP_DAYS (by the time in their name)."""
    import datetime as dt

    now = now or utcnow()
    keep = int(current_app.config.get("BACKUP_KEEP_DAYS", 14))
    removed = []
    root = backup_dir()
    if not root.is_dir():
        return removed
    for path in sorted(root.iterdir()):
        try:
            made = dt.datetime.strptime(path.name.removesuffix(".partial"), "%Y%m%d-%H%M%S")
        except ValueError:
            continue  # not ours
        if now - made > dt.timedelta(days=keep):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def database_has_data() -> bool:
    names = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return any(conn.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first() is not None
                   for t in NON_EMPTY_TABLES if t in names)


def restore(path: Path, *, force: bool = False) -> dict:
    """Replace the database and the documents with the backup at ``path``. Returns the manifest."""
    path = Path(path)
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise BackupError(f"{path} is not a backup (no manifest.json)")
    manifest = json.loads(manifest_file.read_text())
    url = _url()
    if manifest["kind"] != url.get_backend_name():
        raise BackupError(f"the backup is of {manifest['kind']}, the database is {url.get_backend_name()}")
    if not force and database_has_data():
        raise BackupError("the database is not empty: restoring would replace its data (use --force)")
    db.session.remove()
    db.engine.dispose()  # no connection may keep the old schema or file open
    if manifest["kind"] == "sqlite":
        _restore_sqlite(path / "database.sqlite3", Path(url.database))
    else:
        env, args = _pg_env_args(url)
        with db.engine.begin() as conn:  # pg_restore --clean cannot drop what the dump does not know
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
        result = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", *args, "-d", url.database,
                                 str(path / "database.dump")], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
    documents = Path(current_app.config["DOCUMENTS_DIR"])
    archive = path / "documents.tar.gz"
    if archive.is_file():
        shutil.rmtree(documents, ignore_errors=True)
        documents.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if not member.name.startswith("documents") or ".." in Path(member.name).parts:
                    continue
                member.name = member.name.removeprefix("documents").lstrip("/")
                if member.name:
                    tar.extract(member, documents, filter="data")
    return manifest


_CREATE_ORDER = {"table": 0, "index": 1, "view": 2, "trigger": 3}


def _restore_sqlite(source: Path, target: Path) -> None:
    """Replace the live database's schema and rows with the backup's, in one write transaction.

    Not SQLite's backup API into the live file: the database runs in write-ahead-log mode
    (app/models/sqlite_pragmas.py), and there the backup API waits forever while any other connection — a web
    worker, the Celery worker — has the file open. One ordinary write transaction works beside them: they wait
    for the write lock as for any writer, see the old register or the restored one and never a mix, and re-read
    the schema after it. Triggers are created after the rows are copied, so the copy neither fires the
    append-only guards nor recounts committee_count; indexes after the rows, which is faster than before."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, timeout=60, isolation_level=None)  # autocommit: the BEGIN below is ours
    try:
        conn.execute("PRAGMA foreign_keys=OFF")  # tables are dropped and filled in any order
        conn.execute("ATTACH DATABASE ? AS backup", (str(source),))
        conn.execute("BEGIN IMMEDIATE")
        try:
            live = conn.execute("SELECT type, name FROM main.sqlite_master "
                                "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'").fetchall()
            for kind, name in live:  # dropping a table drops its indexes and triggers
                conn.execute(f'DROP {kind.upper()} IF EXISTS main."{name}"')
            saved = conn.execute("SELECT type, name, sql FROM backup.sqlite_master "
                                 "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'").fetchall()
            for kind, name, sql in sorted(saved, key=lambda row: _CREATE_ORDER[row[0]]):
                conn.execute(sql)  # unqualified CREATE statements land in main
                if kind == "table":
                    conn.execute(f'INSERT INTO main."{name}" SELECT * FROM backup."{name}"')
            _copy_autoincrement_counters(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if conn.execute("SELECT 1 FROM backup.sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            conn.execute("ANALYZE main")  # the planner's statistics, as the backed-up database had them
        conn.execute("DETACH DATABASE backup")
    finally:
        conn.close()


def _copy_autoincrement_counters(conn: sqlite3.Connection) -> None:
    """sqlite_sequence survives DROP TABLE; give it the backup's counters so no id is handed out twice."""
    has = {schema: conn.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE name = 'sqlite_sequence'").fetchone()
           for schema in ("main", "backup")}
    if has["main"]:
        conn.execute("DELETE FROM main.sqlite_sequence")
        if has["backup"]:
            conn.execute("INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM backup.sqlite_sequence")


def latest(root: Path | None = None) -> Path | None:
    root = root or backup_dir()
    found = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.endswith(".partial")) \
        if root.is_dir() else []
    return found[-1] if found else None
