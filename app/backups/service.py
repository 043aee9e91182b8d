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
        source = sqlite3.connect(path / "database.sqlite3")
        dest = sqlite3.connect(url.database)
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
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


def latest(root: Path | None = None) -> Path | None:
    root = root or backup_dir()
    found = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.endswith(".partial")) \
        if root.is_dir() else []
    return found[-1] if found else None
