"""Search endpoints behind the person and house pickers of the forms (JSON for Select2), scoped like the lists."""
from __future__ import annotations

from flask import abort, jsonify, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access_api
from flask_babel import gettext as _

from app.domain.idnumber import mask_id_number, normalise_identifier
from app.models import Person
from app.organisation.views import HouseView
from app.population.views import PersonView
from app.access.scoping import buildings_matching, houses_matching, scoped_query
from app.inputs import int_or_default

LIMIT = 20


class PersonLookup(BaseView):
    """Needs the same "read Person" permission as the person list."""

    route_base = "/lookup"
    default_view = "persons"
    class_permission_name = "Person"
    method_permission_name = {"persons": "read"}
    # Views sharing a permission name must declare the same set, or FAB's sync deletes the others' permissions.
    base_permissions = PersonView.base_permissions

    @expose("/persons")
    @has_access_api
    def persons(self):
        q = (request.args.get("q") or "").strip()[:64]
        if not q:
            return jsonify(results=[])
        query = scoped_query(Person)
        number = normalise_identifier(q)
        if len(number) >= 15 and number[:6].isdigit():
            query = query.filter(Person.id_number == number)
        else:
            query = query.filter(Person.name >= q, Person.name < q + "\uffff")
        rows = query.order_by(Person.name, Person.id).limit(LIMIT).all()
        return jsonify(results=[{"id": p.id, "text": f"{p.name} {mask_id_number(p.id_number)}"} for p in rows])


class HouseLookup(BaseView):
    """Houses, and the buildings of the house list's filter and forms: whoever reads the house list."""

    route_base = "/lookup"
    default_view = "houses"
    class_permission_name = "House"
    method_permission_name = {"houses": "read", "buildings": "read"}
    base_permissions = HouseView.base_permissions

    @expose("/houses")
    @has_access_api
    def houses(self):
        q = (request.args.get("q") or "").strip()[:128]
        if not q:
            return jsonify(results=[])
        return jsonify(results=houses_matching(q, limit=LIMIT))

    @expose("/buildings")
    @has_access_api
    def buildings(self):
        """Buildings whose name contains ?q= (every one for an empty q: a committee scrolls its ~150), in natural
        order, LIMIT at a time (?page=2 …; Select2's infinite scroll), within the user's committees."""
        q = (request.args.get("q") or "").strip()[:128]
        page = int_or_default(request.args.get("page") or 1)
        if page is None or not 1 <= page <= 10_000:
            abort(400, description=_("There is no such page."))
        rows = buildings_matching(q, limit=LIMIT + 1, offset=(page - 1) * LIMIT)
        return jsonify(results=rows[:LIMIT], more=len(rows) > LIMIT)
