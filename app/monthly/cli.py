"""``flask --app app report …``: the monthly table as JSON, PDF or Excel, and upkeep of the latest-per-person
table after bulk loads."""
from __future__ import annotations

import json
import types
from pathlib import Path

import click
from flask.cli import with_appcontext
from app.extensions import db
from app.audit import acting_as
from app.documents.pdf import render_pdf, write_pdf_atomically
from app.monthly import documents, excel, service, table
from app.monthly.table import BadMonth, parse_month
from app.unit_of_work import unit_of_work


@click.group("report")
def report_group() -> None:
    """Monthly reports (the verification table of 附件2)."""


def _month_arg(value: str) -> tuple[int, int]:
    try:
        return parse_month(value)
    except BadMonth:
        raise click.BadParameter(f"{value!r}: expected YYYY-MM, e.g. 2025-03", param_hint="--month") from None


@report_group.command("monthly")
@click.option("--month", "month_text", required=True, help="YYYY-MM")
@click.option("--format", "fmt", type=click.Choice(["json", "pdf", "xlsx"]), default="json", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="file to write (JSON goes to stdout without it)")
@with_appcontext
def monthly_command(month_text: str, fmt: str, out: str | None) -> None:
    """The month's table: the approved snapshot if approved, else computed now."""
    year, month = _month_arg(month_text)
    if fmt == "json":
        payload = json.dumps(service.table_json(year, month), ensure_ascii=False, indent=2)
        if out:
            Path(out).write_text(payload + "\n", encoding="utf-8")
        else:
            click.echo(payload)
        return
    if not out:
        raise click.UsageError("--out is required for pdf and xlsx")
    if fmt == "xlsx":
        data = service.month_data(year, month)
        Path(out).write_bytes(excel.workbook(data["table"], excel.quota_of(data["rules"]),
                                             data["rules"].get("accuracy_decimals", 1)))
    else:
        document = types.SimpleNamespace(params={"month": month_text}, committee_id=None)
        pdf = render_pdf("monthly_table.html", documents.monthly_table_context(document), strict=True)
        write_pdf_atomically(pdf, Path(out))
    click.echo(f"{out}")


@report_group.command("rebuild-latest")
@click.option("--month", "month_text", default=None, help="YYYY-MM (default: every month with records)")
@with_appcontext
def rebuild_latest_command(month_text: str | None) -> None:
    """Recompute the per-person latest table after records were loaded without the ORM (bulk imports)."""
    with db.engine.begin() as conn:
        if month_text:
            rows = table.rebuild_latest(conn, *_month_arg(month_text))
        else:
            rows = table.rebuild_all(conn)
    click.echo(f"verification_latest: {rows:,} rows")


@report_group.command("draft")
@click.option("--month", "month_text", required=True, help="YYYY-MM")
@with_appcontext
def draft_command(month_text: str) -> None:
    """What the beat task does on the 1st: draft the month and ask the zone leaders to submit."""
    with acting_as("report-draft", source="cli"), unit_of_work():
        drafted = service.draft_month(*_month_arg(month_text))
    click.echo(json.dumps(drafted, ensure_ascii=False))
