"""`flask backup` and `flask restore [PATH] [--force]` (app/backups/service.py)."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from app.backups import service


@click.command("backup")
@with_appcontext
def backup_command() -> None:
    """Back up the database and the documents into BACKUP_DIR; remove backups older than BACKUP_KEEP_DAYS."""

    started = time.monotonic()
    try:
        path = service.backup()
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {path} in {time.monotonic() - started:.1f} s")


@click.command("restore")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
@with_appcontext
def restore_command(path: Path | None, force: bool) -> None:
    """Restore a backup (default: the newest in BACKUP_DIR). Refused onto a database with data unless --force."""

    path = path or service.latest()
    if path is None:
        raise click.ClickException("no backup found")
    started = time.monotonic()
    try:
        manifest = service.restore(path, force=force)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {path} (made {manifest['created_at']}) in {time.monotonic() - started:.1f} s")


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
