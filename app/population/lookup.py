"""Search endpoints behind the person and house pickers of the forms (JSON for Select2), scoped like the lists."""
from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access_api

from app.domain.idnumber import mask_id_number, normalise_identifier
from app.models import Person
from app.organisation.views import HouseView
from app.population.views import PersonView
from app.access.scoping import houses_matching, scoped_query

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
    route_base = "/lookup"
    default_view = "houses"
    class_permission_name = "House"
    method_permission_name = {"houses": "read"}
    base_permissions = HouseView.base_permissions

    @expose("/houses")
    @has_access_api
    def houses(self):
        q = (request.args.get("q") or "").strip()[:128]
        if not q:
            return jsonify(results=[])
        return jsonify(results=houses_matching(q, limit=LIMIT))
