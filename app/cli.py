"""Commands: ``flask --app app seed`` and ``flask --app app demo-data``."""
from __future__ import annotations

import os
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from app.extensions import db
from app.demo_data import generate_population, generate_verifications
from app.monthly.table import rebuild_all
from app.seeding import seed_admin, seed_organisation, sync_permissions, sync_roles
from app.unit_of_work import unit_of_work


def init_app(app) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_data_command)
    from app.monthly.cli import report_group  # issue 7: `report monthly --month YYYY-MM --format json|pdf|xlsx`

    app.cli.add_command(report_group)
    from app.backups import cli as backup_cli  # issue 13: `backup`, `restore`

    backup_cli.init_app(app)
    from app.importing.cli import import_register_command  # issue 15: load the register from Excel

    app.cli.add_command(import_register_command)


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Seed the organisation, permissions and roles, and the first admin. Safe to run again: changes nothing
    that exists (an office that moved a committee to another zone keeps its choice)."""
    with unit_of_work():
        created = seed_organisation()
    sync_permissions(current_app.appbuilder)
    roles = sync_roles(current_app.appbuilder)
    password = os.environ.get("ADMIN_PASSWORD") or None
    generated = password is None
    try:
        admin, made = seed_admin(current_app.appbuilder, password or _strong_password())
    except PasswordComplexityValidationError as exc:
        raise click.ClickException(f"ADMIN_PASSWORD: {exc}") from exc
    click.echo(f"organisation: {created['zones']} zones and {created['committees']} committees added")
    click.echo(f"roles: {len(roles) + 1} roles with their permissions")
    if made:
        if generated:
            click.echo(f"first admin: user 'admin', password {admin.password_shown_once} (shown this once)")
        else:
            click.echo("first admin: user 'admin', password from ADMIN_PASSWORD")
    else:
        click.echo("first admin: exists, unchanged")


def _strong_password() -> str:
    # Meets FAB's complexity rule (2 upper, 2 digits, 1 special, 3 lower, 10+ chars) whatever the random part is.
    return "Pw-" + secrets.token_urlsafe(12) + "Aa9z8b"


@click.command("demo-data")
@click.option("--persons", type=click.IntRange(1, 2_000_000), default=2000, show_default=True)
@click.option("--seed", "seed", type=int, default=1, show_default=True)
@click.option("--verifications", type=click.IntRange(0, 20_000_000), default=0, show_default=True,
              help="Also add this many verification records over the last year (~32,000 is realistic).")
@with_appcontext
def demo_data_command(persons: int, seed: int, verifications: int = 0) -> None:
    """Build a realistic synthetic population (valid ID numbers, Chinese names, houses over the 23 committees)."""
    import time

    started = time.perf_counter()
    counts = generate_population(db.engine, persons=persons, seed=seed)
    if verifications:
        counts["verifications"] = generate_verifications(db.engine, verifications, seed)["records"]
        # Bulk inserts bypass the flush hook that keeps the monthly table's latest-result rows.
        with db.engine.begin() as conn:
            rebuild_all(conn)
    # Fresh statistics: without them SQLite and PostgreSQL (autovacuum may lag a bulk load) choose slow plans.
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    elapsed = time.perf_counter() - started
    click.echo(
        ", ".join(f"{k} {v:,}" for k, v in counts.items()) + f" — {elapsed:.1f} s"
    )
