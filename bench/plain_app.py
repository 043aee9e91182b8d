"""The portal plus a PLAIN Flask-AppBuilder ModelView over the same Person table, for bench/bench_lists.py only.

``gunicorn --pythonpath bench "plain_app:create_app()"`` serves it; the view is at /plainpersonview/list/. It has
none of the portal's additions (no stable order, no exact-match search, no argument checks, no scoping), so its
timings are what stock FAB gives on the same data. Its permissions are created by ``grant_plain_permissions``
(called from the benchmark's setup step); FAB grants new permissions to the admin role as it makes them.
"""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app import create_app as create_portal_app
from app.models import Person

LIST_COLUMNS = ["name", "id_number", "sex", "birth_date", "category", "committee"]


class PlainPersonView(ModelView):
    datamodel = SQLAInterface(Person)
    list_columns = LIST_COLUMNS
    search_columns = ["name", "id_number", "phone", "committee", "category", "birth_date"]
    page_size = 25  # the portal's page size, so both views render the same number of rows


def create_app(test_config=None):
    app = create_portal_app(test_config)
    with app.app_context():
        app.appbuilder.add_view_no_menu(PlainPersonView)
    return app


def grant_plain_permissions(app) -> None:
    """Create PlainPersonView's permissions (and so grant them to admin). Touches no other view's permissions."""
    sm = app.appbuilder.sm
    for view in app.appbuilder.baseviews:
        if isinstance(view, PlainPersonView):
            sm.add_permissions_view(view.base_permissions, view.class_permission_name)
