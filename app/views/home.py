"""The landing page: what the signed-in user's area holds today."""
from __future__ import annotations

from flask import g
from flask_appbuilder import IndexView, expose
from sqlalchemy import func

from app.models import House, Person, Residence
from app.scoping import scoped_query


class HomeView(IndexView):
    index_template = "portal/home.html"

    @expose("/")
    def index(self):
        stats = None
        if g.user is not None and g.user.is_authenticated:
            stats = {
                "houses": scoped_query(House).with_entities(func.count(House.id)).scalar(),
                "persons": scoped_query(Person).with_entities(func.count(Person.id)).scalar(),
                "active_residences": scoped_query(Residence)
                .filter(Residence.end_date.is_(None))
                .with_entities(func.count(Residence.id))
                .scalar(),
            }
        return self.render_template(self.index_template, appbuilder=self.appbuilder, stats=stats)
