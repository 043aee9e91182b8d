"""The portal plus PLAIN Flask-AppBuilder ModelViews over the same Person and House tables, for
bench/bench_lists.py only.

``gunicorn --pythonpath bench "plain_app:create_app()"`` serves it; the views are at /plainpersonview/list/ and
/plainhouseview/list/ (whose search form lists every building, as FAB renders a relation filter). They have
none of the portal's additions (no stable order, no exact-match search, no argument checks, no scoping), so their
timings are what stock FAB gives on the same data. Their permissions are created by ``grant_plain_permissions``
(called from the benchmark's setup step); FAB grants new permissions to the admin role as it makes them.
"""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app import create_app as create_portal_app
from app.models import House, Person

LIST_COLUMNS = ["name", "id_number", "sex", "birth_date", "category", "committee"]


class PlainPersonView(ModelView):
    datamodel = SQLAInterface(Person)
    list_columns = LIST_COLUMNS
    search_columns = ["name", "id_number", "phone", "committee", "category", "birth_date"]
    page_size = 25  # the portal's page size, so both views render the same number of rows


class PlainHouseView(ModelView):
    datamodel = SQLAInterface(House)
    list_columns = ["committee", "building", "room", "address", "is_rental", "key_area"]
    search_columns = ["committee", "building", "address", "is_rental", "key_area"]
    page_size = 25


PLAIN_VIEWS = (PlainPersonView, PlainHouseView)


def create_app(test_config=None):
    app = create_portal_app(test_config)
    with app.app_context():
        for view in PLAIN_VIEWS:
            app.appbuilder.add_view_no_menu(view)
    return app


def grant_plain_permissions(app) -> None:
    """Create the plain views' permissions (and so grant them to admin). Touches no other view's permissions."""
    sm = app.appbuilder.sm
    for view in app.appbuilder.baseviews:
        if isinstance(view, PLAIN_VIEWS):
            sm.add_permissions_view(view.base_permissions, view.class_permission_name)
