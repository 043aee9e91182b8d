"""``flask --app app import-register FILE [--dry-run] [--skip-invalid] [--errors OUT.xlsx] [--as USERNAME]``.

Bad rows are printed as 第N行 [列] 消息; the last line of output is the JSON summary. Exit codes: 0 imported (or a
clean dry run), 1 the file has bad rows and nothing was imported (or a dry run found some), 2 the file was refused
as a whole (too large, unreadable, no header) or the user is unknown.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from app.extensions import db
from app.models import PortalUser
from app.access.scoping import compute_visible_committee_ids
from app.audit import acting_as
from app.importing import jobs, service
from app.importing.messages import file_message, row_message
from app.importing.workbook import rows_workbook_bytes


@click.command("import-register")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check only: write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some rows are bad.")
@click.option("--errors", "errors_out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the bad rows (row, column, message) to this .xlsx.")
@click.option("--as", "username", help="Import as this user: only the committees in their area.")
@with_appcontext
def import_register_command(file: Path, dry_run: bool, skip_invalid: bool, errors_out, username) -> None:
    """Load the register (实有人口) from an Excel sheet, or check it with --dry-run."""

    user = None
    if username:
        user = db.session.query(PortalUser).filter_by(username=username).one_or_none()
        if user is None or not user.active:
            click.echo(json.dumps({"error": f"unknown or inactive user {username}"}, ensure_ascii=False))
            sys.exit(2)
    scope = compute_visible_committee_ids(user) if user is not None else None
    tty = sys.stderr.isatty()

    def progress(done, total, phase):
        if tty:
            click.echo(f"\r{phase}: {done}/{total or '?'}", nl=False, err=True)

    actor = (user.username if user else "import-register", user.id if user else None)
    with acting_as(actor[0], user_id=actor[1], source="cli"):
        try:  # one unit of work with its audit event; a file with bad rows imports nothing (app.importing.jobs)
            outcome = jobs.import_file(file, scope, dry_run=dry_run, skip_invalid=skip_invalid, file_name=file.name,
                                       progress=progress, actor_id=actor[1])
        except service.ImportRefused as exc:
            message = file_message(exc.code, **exc.params)
            click.echo(message)
            click.echo(json.dumps({"error": exc.code, "message": message}, ensure_ascii=False))
            sys.exit(2)
        if tty:
            click.echo("", err=True)
        summary = outcome.summary
    for line in service.errors_report_rows(outcome.notes):  # a check names the transfers it would request
        click.echo(f"第{line[0]}行 [{line[1] or '-'}] {line[2]}")
    for line in service.errors_report_rows(outcome.errors):
        click.echo(f"第{line[0]}行 [{line[1] or '-'}] {line[2]}")
    if errors_out is not None:
        errors_out.write_bytes(rows_workbook_bytes("错误清单", ["行号", "列", "问题"],
                                                   service.errors_report_rows(outcome.errors)))
    click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
    if summary.errors and not (skip_invalid and not dry_run):
        sys.exit(1)
