"""The nightly run of the rules that find gaps (scheduled in app/schedule.py) and its CLI twin
(`flask analysis run [--rule CODE]`). Registered by ``init_app`` (create_app calls it), not on import."""
from __future__ import annotations

import time

import click

NIGHTLY_TASK = "analysis.nightly_run"
NIGHTLY_ACTOR = "analysis-nightly"


def run_nightly(only=None) -> dict:
    """Every rule over the whole street, as an explicit actor (no ``g.user`` in a worker). Commits."""
    from app.analysis import service
    from app.audit import acting_as
    from app.extensions import db

    with acting_as(NIGHTLY_ACTOR, source="task"):
        try:
            counts = service.run_rules(only=only)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return counts


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

    app.cli.add_command(group)
