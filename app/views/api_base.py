"""What every REST resource of the portal (/api/v1/…) shares, on top of FAB's ModelRestApi.

- Permissions: an API uses the permission name of its screens ("Person"…) and the same verbs (read, write,
  delete); its ``base_permissions`` must be the screen's list, or FAB's permission sync deletes the others.
  Routes whose verb the screen does not grant (delete, mostly) are not exposed at all.
- Scoping: the committee base filter on get, list, put and delete (out-of-scope pk → 404), like the screens. FAB
  does not filter POST, nor the records that ids in a payload point to: ``_check_scope`` refuses a payload whose
  related ids (committee_id, building_id, house_id, person_id…) are outside the user's area, and a record that
  would land in a committee the user does not see. Nothing is saved when a write is refused.
- Payloads name related records by their id columns (``house_id``), never by FAB's relation fields: those are
  loaded with a plain ``session.get`` (no filter; an unknown id even makes a new, transient record).
- Errors: a broken data rule (invalid ID number, second active residence…) is a 422 with a Chinese sentence
  (app/errors.py), never FAB's "Database exception occurred: …" nor a 500; a malformed pk is a 404.
- Input: ``?q=`` must be a rison/JSON object whose numbers fit 64 bits; ids (path, rison, JSON body) and filter
  dates go through the one converter (app/inputs.py); a filter value must fit its column (no ``!t`` on a name).
- ``_info`` describes a field only with a description the resource gives (FAB translated "" into the catalog
  header).
- ``mask_result`` lets a resource hide what the user may not read (ID and phone numbers) in every response,
  including the answer to its own POST/PUT.
"""
from __future__ import annotations

import json
from typing import Any, Optional

import prison
from flask import current_app, jsonify, request
from flask_appbuilder.api import ModelRestApi, expose
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _
from marshmallow import ValidationError
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError, StatementError

from app.access.roles import DELETE, READ, WRITE
from app.errors import UserFacingError, user_message
from app.extensions import db
from app.inputs import ID_MAX, is_whole_number, parse_id
from app.models import Block, Building, Committee, House, Person
from app.access.scoping import can_see_committee, scoped_query
from app.views.base import FilterEqualNormalised, scope_filter_for
from app.views.filter_values import filter_value_problem

API_METHOD_PERMISSIONS = {
    "get": READ, "get_list": READ, "info": READ, "get_not_an_id": READ,
    "post": WRITE, "put": WRITE,
    "delete": DELETE,
}
_VERB_ROUTES = {READ: {"get", "get_list", "info", "get_not_an_id"}, WRITE: {"post", "put"}, DELETE: {"delete"}}
# Models whose rows belong to a committee: an id of one of these in a payload must be inside the user's area.
SCOPED_MODELS = (Committee, Block, Building, House, Person)


class PortalSchemaConverter(Model2SchemaConverter):
    """FAB's converter, with foreign-key columns allowed: marshmallow-sqlalchemy drops ``house_id`` and the like
    unless the schema says ``include_fk``, and FAB's own schemas do not."""

    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        _model, _columns, _parent = model, columns, parent_schema_name

        class MetaSchema(SQLAlchemyAutoSchema, class_mixin):  # type: ignore[misc, valid-type]
            class Meta:
                model = _model
                if _columns:
                    fields = _columns
                include_fk = True
                load_instance = True
                sqla_session = current_app.appbuilder.session
                parent_schema_name = _parent

        return MetaSchema


class ApiRefusal(UserFacingError):
    """A write the API refuses before anything is saved: ``status`` and a translated ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(message, status=status)


class PortalModelRestApi(ModelRestApi):
    """Base of every REST resource: screen permissions and scoping, checked payloads, Chinese errors."""

    allow_browser_login = False
    model2schemaconverter = PortalSchemaConverter
    method_permission_name = API_METHOD_PERMISSIONS
    base_order = ("id", "asc")
    # Columns a client may filter on (rison "filters"); kept to plain, indexed ones.
    search_columns: list[str] = []
    # Identifiers searched by exact value only: "starts with" on a masked number would let it be guessed digit
    # by digit, and cannot use the unique index.
    exact_search_columns: list[str] = []
    # Routes the resource does not offer whatever the permissions (e.g. {"delete"}: history is kept).
    excluded_routes: set[str] = set()

    def __init__(self):
        model = self.datamodel.obj
        self.class_permission_name = self.class_permission_name or model.__name__
        # Only the routes whose verb the screen grants: a route that always answers 403 is noise in the spec.
        granted = {perm.removeprefix("can_") for perm in self.base_permissions or []}
        if self.include_route_methods is None:
            routes = set().union(*(_VERB_ROUTES[v] for v in granted if v in _VERB_ROUTES))
            self.include_route_methods = routes - set(self.excluded_routes)
        scope = scope_filter_for(model)
        self.base_filters = list(self.base_filters or []) + ([scope] if scope else [])
        super().__init__()

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(_check_query_argument)
        return blueprint

    def _init_properties(self) -> None:
        if not self.search_columns:
            raise TypeError(f"{type(self).__name__} must list its search_columns (FAB's default is every column)")
        super()._init_properties()
        search = self._filters.get_search_filters()
        for column in self.exact_search_columns:
            if column in search:
                search[column] = [FilterEqualNormalised(column, self.datamodel)]

    # -- writes --------------------------------------------------------------------------------------------------
    def post_headless(self):
        if not request.is_json:
            return self.response_400(message=_("The request body must be JSON."))
        if not _numbers_fit(request.json):
            return self.response_422(message=_("A number in the request is too large."))
        try:
            item = self.add_model_schema.load(request.json)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        return self._save(item, self.add_model_schema, 201, created=True)

    @expose("/<pk>", methods=["GET"])
    @protect()
    def get_not_an_id(self, pk):
        """GET of a pk that is no whole number ("abc", "-1"): not found, as an id that names nothing is. FAB's GET
        route takes only <int:pk>, so such a pk fell to the PUT/DELETE routes (any text) and werkzeug said 405."""
        return self.response_404()

    def get_headless(self, pk, **kwargs):
        if _pk_or_none(pk) is None:
            return self.response_404()
        return super().get_headless(int(pk), **kwargs)

    def put_headless(self, pk):
        if _pk_or_none(pk) is None:
            return self.response_404()
        item = self.datamodel.get(int(pk), self._base_filters)
        if item is None:
            return self.response_404()
        if not request.is_json or not isinstance(request.json, dict):
            return self.response_400(message=_("The request body must be JSON."))
        if not _numbers_fit(request.json):
            return self.response_422(message=_("A number in the request is too large."))
        try:
            data = self._merge_update_item(item, dict(request.json))
            # This changes the persistent item in place: every refusal below rolls the session back.
            item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        return self._save(item, self.edit_model_schema, 200, created=False)

    def delete_headless(self, pk):
        if _pk_or_none(pk) is None:
            return self.response_404()
        return super().delete_headless(int(pk))

    def _save(self, item, schema, status: int, created: bool):
        try:
            with db.session.no_autoflush:  # checks must not flush a half-checked record
                self._check_scope(item)
                self.pre_add(item) if created else self.pre_update(item)
            if created:
                self.datamodel.add(item)
                self.post_add(item)
            else:
                self.datamodel.edit(item)
                self.post_update(item)
        except ApiRefusal as refusal:
            db.session.rollback()
            return self.response(refusal.status, message=refusal.message)
        except UserFacingError as exc:  # PortalInterface: a data rule or constraint, already rolled back
            db.session.rollback()
            return self.response_422(message=str(exc))
        except (SQLAlchemyError, ValueError) as exc:
            db.session.rollback()
            return self.response_422(message=user_message(exc))
        result = self.mask_result(schema.dump(item, many=False))
        body: dict[str, Any] = {"result": result}
        if created:
            body["id"] = self.datamodel.get_pk_value(item)
        return self.response(status, **body)

    def _check_scope(self, item) -> None:
        """Every related id in the record points inside the user's area, and so does the record itself."""
        for column in inspect(type(item)).columns:
            for fk in column.foreign_keys:
                target = _model_for_table(fk.column.table.name)
                value = getattr(item, column.key, None)
                if target is None or value is None:
                    continue
                if scoped_query(target).filter(target.id == value).first() is None:
                    raise ApiRefusal(422, _("%(field)s: no such record in your area.", field=column.key))
        if not can_see_committee(self.committee_of(item)):
            raise ApiRefusal(403, _("You can only register records in your own committees."))

    def committee_of(self, item) -> Optional[int]:
        """The committee the record will belong to: where its house or building is, else its committee_id.

        Not app/views/base.py's committee_of, on purpose: an API payload sets the *_id columns, while a
        relationship loaded earlier may still name the old house, so ids come first here; a form sets the
        relationships, so they come first there."""
        if isinstance(item, Committee):
            return item.id
        house_id = getattr(item, "house_id", None)
        if house_id is not None:
            house = db.session.get(House, house_id)
            return house.committee_id if house is not None else None
        building_id = getattr(item, "building_id", None)
        if building_id is not None:
            building = db.session.get(Building, building_id)
            return building.committee_id if building is not None else None
        return getattr(item, "committee_id", None)

    # -- reads ---------------------------------------------------------------------------------------------------
    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        # FAB runs gettext("") for a field without a description, and gettext("") is the catalog's header
        # ("Project-Id-Version: …"): describe a field only with what description_columns says.
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        description = self.description_columns.get(field.name)
        info["description"] = str(description) if description else ""
        return info

    def mask_result(self, result: dict) -> dict:
        """Override: hide what the current user may not read. Called on every record a response carries."""
        return result

    def pre_get(self, data: dict) -> None:
        data["result"] = self.mask_result(data.get("result") or {})

    def pre_get_list(self, data: dict) -> None:
        data["result"] = [self.mask_result(row) for row in data.get("result") or []]

    def get_list_headless(self, **kwargs):
        for flt in (kwargs.get("rison") or {}).get("filters") or []:
            column = flt.get("col")
            problem = filter_value_problem(self.datamodel.obj, column, flt.get("value"),
                                           is_relation=isinstance(column, str) and self.datamodel.is_relation(column))
            if problem:
                return self.response_400(message=problem)
        try:
            return super().get_list_headless(**kwargs)
        except (ValueError, StatementError):
            db.session.rollback()
            return self.response_400(message=_("The filter value is not valid for this column."))


def _check_query_argument():
    """FAB parses ``?q=`` with prison inside its route and turns any surprise into a 500; "(((" makes prison
    recurse until Python gives up. Parse it first: anything that is neither rison nor JSON is a 400."""
    value = request.args.get("q")
    if not value:
        return None
    try:
        parsed = prison.loads(value)
    except Exception:  # noqa: BLE001 - prison raises ParserException, RecursionError, IndexError…
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            return jsonify(message=_("The query argument q is neither rison nor JSON.")), 400
    # ``1e+5`` is valid rison (a number), and FAB then calls .get() on it; page:10**20 overflows the offset.
    if not isinstance(parsed, dict):
        return jsonify(message=_("The query argument q must be an object, such as (page:0,page_size:25).")), 400
    if not _numbers_fit(parsed):
        return jsonify(message=_("A number in the request is too large.")), 400
    return None


def _numbers_fit(value: Any, depth: int = 0) -> bool:
    """Every whole number in a parsed rison/JSON value fits a 64-bit column (and the nesting is sane)."""
    if depth > 20:
        return False
    if isinstance(value, dict):
        return all(_numbers_fit(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_numbers_fit(v, depth + 1) for v in value)
    if isinstance(value, float):
        return abs(value) <= ID_MAX
    return not isinstance(value, int) or isinstance(value, bool) or is_whole_number(value)


def _pk_or_none(pk) -> Optional[int]:
    """A primary key through the one id converter, or None: "abc", "-1" and 10**20 are simply not found."""
    return parse_id(pk)


def _model_for_table(table_name: str):
    for model in SCOPED_MODELS:
        if model.__tablename__ == table_name:
            return model
    return None


__all__ = ["ApiRefusal", "PortalModelRestApi", "API_METHOD_PERMISSIONS"]
