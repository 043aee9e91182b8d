"""Search endpoints behind the person and house pickers of the forms (JSON for Select2), scoped like the lists."""
from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access_api

from app.domain.idnumber import mask_id_number
from app.models import House, Person
from app.scoping import scoped_query

LIMIT = 20


class LookupView(BaseView):
    route_base = "/lookup"
    default_view = "persons"
    class_permission_name = "Lookup"
    method_permission_name = {"persons": "read", "houses": "read"}

    @expose("/persons")
    @has_access_api
    def persons(self):
        q = (request.args.get("q") or "").strip()[:64]
        if not q:
            return jsonify(results=[])
        query = scoped_query(Person)
        if len(q) >= 15 and q[:6].isdigit():
            query = query.filter(Person.id_number == q.upper())
        else:
            query = query.filter(Person.name >= q, Person.name < q + "\uffff")
        rows = query.order_by(Person.name, Person.id).limit(LIMIT).all()
        return jsonify(results=[{"id": p.id, "text": f"{p.name} {mask_id_number(p.id_number)}"} for p in rows])

    @expose("/houses")
    @has_access_api
    def houses(self):
        q = (request.args.get("q") or "").strip()[:128]
        if not q:
            return jsonify(results=[])
        rows = (
            scoped_query(House)
            .filter(House.address.contains(q, autoescape=True))
            .order_by(House.address, House.id)
            .limit(LIMIT)
            .all()
        )
        return jsonify(results=[{"id": h.id, "text": h.address} for h in rows])
