"""The nightly run of the rules that find gaps (scheduled in app/schedule.py) and its CLI twin
(`flask analysis run [--rule CODE]`); the run ends by refreshing the dashboard's derived table, which
`flask analysis refresh-dashboard [--year YYYY]` also does alone. Registered by ``init_app`` (create_app calls
it), not on import."""
from __future__ import annotations

import time

import click

from app.analysis import dashboard, service
from app.audit import acting_as
from app.unit_of_work import unit_of_work

NIGHTLY_TASK = "analysis.nightly_run"
NIGHTLY_ACTOR = "analysis-nightly"


def run_nightly(only=None) -> dict:
    """Every rule over the whole street, as an explicit actor (no ``g.user`` in a worker). Commits."""
    with acting_as(NIGHTLY_ACTOR, source="task"):
        with unit_of_work():
            counts = service.run_rules(only=only)
        with unit_of_work():  # the findings are kept even if the dashboard's refresh fails
            dashboard.refresh()
    return counts


def refresh_dashboard(year=None) -> int:
    """The dashboard's derived table counted again for ``year`` (default this year). Commits."""
    with acting_as(NIGHTLY_ACTOR, source="task"):
        with unit_of_work():
            return dashboard.refresh(year)


def _nightly_run() -> dict:
    return run_nightly()


def init_app(app) -> None:
    from celery import shared_task

    from app.domain.analysis import RULES_BY_CODE

    shared_task(name=NIGHTLY_TASK, ignore_result=True)(_nightly_run)

    group = click.Group("analysis", help="The rules that find gaps (主动发现).")

    @group.command("run")
    @click.option("--rule", "rules", multiple=True, type=click.Choice(sorted(RULES_BY_CODE)))
    def run_command(rules):
        """Run the rules now over the whole street (what the nightly schedule does)."""
        started = time.perf_counter()
        counts = run_nightly(set(rules) or None)
        click.echo(f"{counts} in {time.perf_counter() - started:.1f} s")

    @group.command("refresh-dashboard")
    @click.option("--year", type=click.IntRange(2000, 2100), default=None, help="default: this year")
    def refresh_command(year):
        """Count the dashboard's figures again into analysis_committee_month (the nightly run does it too)."""
        started = time.perf_counter()
        rows = refresh_dashboard(year)
        click.echo(f"{rows} committee months in {time.perf_counter() - started:.1f} s")

    app.cli.add_command(group)
