"""The landing page: the signed-in user's to-do list (app/home/service.py gathers it in two queries)."""
from __future__ import annotations

from flask import g
from flask_appbuilder import IndexView, expose

from app.domain import clock
from app.home.service import LINKS, home_for
from app.settings import current_rules
from app.changes import messages
from app.health import broker_state


class HomeView(IndexView):
    index_template = "portal/home.html"

    @expose("/")
    def index(self):
        home = None
        if g.user is not None and g.user.is_authenticated:
            broker = None
            if {r.name for r in g.user.roles} & {"admin", "street_office"}:
                # The office watches the scheduler: the same broker check /health makes.
                broker = broker_state()
            home = home_for(g.user, broker=broker)

        return self.render_template(self.index_template, appbuilder=self.appbuilder, home=home, links=LINKS,
                                    local=_local, labels=messages)


def _local(naive_utc) -> str:
    """Shanghai wall-clock time to the minute (the portal stores naive UTC)."""
    if naive_utc is None:
        return ""
    return clock.aware(naive_utc).astimezone(current_rules().zone).strftime("%Y-%m-%d %H:%M")
