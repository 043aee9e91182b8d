"""What every list/CRUD screen of the portal shares, on top of FAB's ModelView.

- Deterministic order: FAB adds no ORDER BY unless the user sorts, and ties on a sorted column come back in any
  order; PortalInterface always appends the primary key, so page N is the same rows every time.
- Request arguments are checked before FAB sees them: a malformed page, page size, sort column or filter value is
  an HTTP 400 with a Chinese message instead of FAB's 500; the page size is capped (PAGE_SIZE_MAX).
- Ids and dates go through the one converter (app/inputs.py): an id above 2**63, page 10**20 or a date in year
  9999 is "not found" or a 400, on every route.
- An unticked checkbox is False, not a missing required value (FAB marks non-nullable booleans required).
- Exact-match search first for identifiers (ID number, phone, plate), so the search uses the unique index instead
  of FAB's default "starts with" (lower(col) LIKE), which scans the table.
"""
from __future__ import annotations

import datetime as dt
import io

from flask import abort, current_app, flash, g, request, send_file
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Integer, inspect
from sqlalchemy.exc import StatementError
from wtforms import BooleanField
from wtforms.validators import DataRequired, InputRequired

from app.access.export import workbook_bytes
from app.access.roles import DELETE, EXPORT, READ, WRITE
from app.audit import record_export
from app.errors import UserFacingError, user_message
from app.extensions import db
from app.inputs import ID_MAX, parse_id
from app.models import Committee
from app.access.scoping import FilterInScope, can_see_committee, scope_column_name
from app.domain import clock
from app.domain.idnumber import normalise_identifier
from app.settings import current_rules
from app.views import quicksearch
from app.views.filter_values import filter_value_problem
from app.views.list_counts import count_from_table


# Below this offset a page's rows are read directly; from it on, the page's ids first (see PortalInterface).
SHALLOW_OFFSET = 500


class PortalInterface(SQLAInterface):
    """SQLAInterface tuned for 200,000-row lists, and whose writes roll back and raise a translated
    UserFacingError (FAB flashes str(exception) to the user).

    - Every ordered page ends with the primary key as a tie-breaker (FAB orders by nothing, or by one column).
    - The count runs without ORDER BY, so it is answered from an index.
    - A deep page is fetched in two steps: the page's ids first (ORDER BY/OFFSET over a covering index such as
      (name, id)), then those 25 rows with their relations. A plain OFFSET 125000 walks 125,000 joined rows.
      The first pages (offset below SHALLOW_OFFSET) are read in one statement: there the second round trip
      cost more than the short walk it saves.
    """

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None, **kwargs):
        # A text with a stored natural key (Building.name, House.room/address: 1, 2 … 10) is ordered by its key.
        order_column = getattr(self.obj, "natural_order", {}).get(order_column, order_column)
        query = super().apply_order_by(query, order_column, order_direction, aliases_mapping, **kwargs)
        if not order_column or order_column == self.get_pk_name():
            return query  # FAB's count query (ordering would only defeat the index), or already ordered by pk
        pk = getattr(self.obj, self.get_pk_name())
        return query.order_by(pk.desc() if order_direction == "desc" else pk.asc())

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        natural = getattr(self.obj, "natural_order", None)
        if not order_column and natural and not select_columns:
            order_column, order_direction = next(iter(natural)), "asc"  # related dropdowns: 1号楼 … 10号楼
        if not page_size or select_columns or not order_column:
            return super().query(filters, order_column, order_direction, page, page_size, select_columns,
                                 outer_default_load)
        count = self.query_count(self.session.query(self.obj), filters)
        pk = getattr(self.obj, self.get_pk_name())
        if (page or 0) * page_size < SHALLOW_OFFSET:  # the first pages: one statement, the index walk is short
            rows = self.apply_order_by(self.apply_filters(self.session.query(self.obj), filters), order_column,
                                       order_direction)
            return count, self.apply_pagination(rows, page, page_size).all()
        ids = self.apply_filters(self.session.query(pk), filters)
        ids = self.apply_order_by(ids, order_column, order_direction)
        page_ids = [row[0] for row in self.apply_pagination(ids, page, page_size)]
        if not page_ids:
            return count, []
        rows = self.session.query(self.obj).filter(pk.in_(page_ids))
        return count, self.apply_order_by(rows, order_column, order_direction).all()

    def query_count(self, query, filters=None, select_columns=None):
        # Filtered by committees alone: the total from committee_count's few rows (app/views/list_counts.py).
        total = count_from_table(self.obj, filters)
        return total if total is not None else super().query_count(query, filters, select_columns)

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):  # noqa: A002 - FAB's name
        # Every FAB route that takes a pk (show, edit, delete, action) asks here: an id no database can hold is
        # simply not found, instead of an OverflowError from the driver.
        column = None if self.is_pk_composite() else self.list_columns.get(self.get_pk_name())
        if column is not None and isinstance(column.type, Integer) and parse_id(id) is None:
            return None
        return super().get(id, filters, select_columns, outer_default_load)

    def _write(self, method, item, commit):
        try:
            method(item, commit=commit)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence; the session is clean again
            self.session.rollback()
            raise UserFacingError(user_message(exc.__cause__ or exc)) from exc

    def add(self, item, commit=True):
        self._write(super().add, item, commit)

    def edit(self, item, commit=True):
        self._write(super().edit, item, commit)

    def delete(self, item, commit=True):
        self._write(super().delete, item, commit)


class FilterEqualNormalised(FilterEqual):
    """Exact match on an identifier, ignoring surrounding spaces and the case of a trailing x in an ID number."""

    def apply(self, query, value):
        if self.column_name == "id_number":  # the one normal form of stored numbers (app/domain/idnumber.py)
            return super().apply(query, normalise_identifier(value))
        return super().apply(query, (value or "").strip().upper())


def can(verb: str, permission: str) -> bool:
    """Whether the signed-in user holds ``can_<verb>`` on ``permission`` (templates' buttons, view branches)."""
    from flask import g

    user = getattr(g, "user", None)
    return bool(user is not None and user.is_authenticated
                and current_app.appbuilder.sm.has_access(f"can_{verb}", permission))


def bad_request(message) -> None:
    abort(400, description=str(message))


# One verb set for screens and APIs (see app/access/roles.py): FAB checks "can_<verb>" on class_permission_name.
VIEW_METHOD_PERMISSIONS = {
    "list": READ, "show": READ, "add": WRITE, "edit": WRITE, "delete": DELETE,
    "action": WRITE, "action_post": WRITE, "export": EXPORT,
}


def scope_filter_for(model):
    """The base-filter entry that keeps ``model``'s rows inside the user's committees (None: not scoped)."""
    column = scope_column_name(model)
    return [column, FilterInScope, None] if column else None


def committee_of(item):
    """The committee a record being written will belong to, read from what the form set."""
    if isinstance(item, Committee):
        return item.id
    for attr in ("committee", "building", "house", "block"):
        related = getattr(item, attr, None)
        if related is not None:
            return related.id if attr == "committee" else related.committee_id
    return getattr(item, "committee_id", None)


def _unticked_checkboxes_allowed(form) -> None:
    """FAB's model converter makes a non-nullable Boolean column's checkbox InputRequired/DataRequired, and a
    browser sends nothing for an unticked box: a house could not be saved as non-rental. Unticked is False."""
    for unbound in vars(form).values() if form is not None else ():
        if getattr(unbound, "field_class", None) is not None and issubclass(unbound.field_class, BooleanField):
            validators = unbound.kwargs.get("validators") or []
            unbound.kwargs["validators"] = [v for v in validators
                                            if not isinstance(v, (DataRequired, InputRequired))]


def _blank_choice_says_please_select(form) -> None:
    """FAB's related-record dropdowns offer an empty first choice whose text is blank (WTForms then shows its
    value, ``__None``): it reads 请选择 instead (issue 14 item 6)."""
    from flask_appbuilder.fields import QuerySelectField

    for unbound in vars(form).values() if form is not None else ():
        if getattr(unbound, "field_class", None) is not None and issubclass(unbound.field_class, QuerySelectField):
            if not unbound.kwargs.get("blank_text"):
                unbound.kwargs["blank_text"] = _l("Please select")


class PortalModelView(ModelView):
    """Base of every CRUD screen: committee scoping on every route, validated arguments, capped page size,
    stable order, exact identifier search, Excel export of what the user sees."""

    page_size = 25
    list_template = "portal/list.html"
    exact_search_columns: list[str] = []
    # True: the list has the one search box (?q=: name, full ID number, phone or address; app/views/quicksearch.py)
    quick_search = False
    base_order = ("id", "desc")
    method_permission_name = VIEW_METHOD_PERMISSIONS
    base_permissions = ["can_read", "can_write", "can_export"]
    # False only for a view whose own base filter applies app.access.scoping together with a further rule (documents:
    # street-wide kinds are read by permission, not committee); every other view gets the committee filter.
    committee_scope_filter = True
    # No portal model has a file column; FAB's /download/<filename> would only read an unset UPLOAD_FOLDER.
    exclude_route_methods = {"download"}

    def __init__(self, **kwargs):
        if not hasattr(self, "datamodel") or self.datamodel is None:
            raise TypeError("PortalModelView needs a datamodel")
        model = self.datamodel.obj
        self.class_permission_name = self.class_permission_name or model.__name__
        scope = scope_filter_for(model) if self.committee_scope_filter else None
        self.base_filters = list(self.base_filters or []) + ([scope] if scope else [])
        # Every dropdown of a related record offers only what the user may see; QuerySelectField re-checks the
        # posted value against the same query, so a hand-made POST cannot pick another committee's record.
        rel_filters = {}
        for name, rel in inspect(model).relationships.items():
            entry = scope_filter_for(rel.mapper.class_)
            if entry is not None and rel.direction.name == "MANYTOONE":
                rel_filters[name] = [entry]
        for attr in ("add_form_query_rel_fields", "edit_form_query_rel_fields", "search_form_query_rel_fields"):
            setattr(self, attr, {**rel_filters, **(getattr(self, attr, None) or {})})
        super().__init__(**kwargs)
        self.extra_args = {
            **(self.extra_args or {}),
            "export_endpoint": f"{self.__class__.__name__}.export",
            "permission_name": self.class_permission_name,
            "search_box_enabled": self.quick_search,
        }

    # -- scoping of writes and actions (FAB applies base filters to list/show/edit/delete only) ------------------
    def _check_scope(self, item) -> None:
        if not can_see_committee(committee_of(item)):
            raise UserFacingError(str(_l("You can only register records in your own committees.")))

    def pre_add(self, item):
        self._check_scope(item)

    def _add(self):
        """FAB's add, except that a refusal (out of scope, a rule of the data, a failed write) shows the form again
        with everything typed and the reason, instead of a redirect to the list that drops the input (issue 14 §3)."""
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                try:
                    form.populate_obj(item)
                    self.pre_add(item)
                    self.datamodel.add(item)
                except Exception as exc:  # noqa: BLE001 - FAB flashes every failure too; we keep the form
                    db.session.rollback()
                    flash(str(exc) if isinstance(exc, UserFacingError) else user_message(exc), "danger")
                    return self._get_add_widget(form=form, exclude_cols=exclude_cols)
                self.post_add(item)
                flash(self.add_row_message, "success")
                return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def pre_update(self, item):
        self._check_scope(item)

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    @has_access
    def action(self, name, pk):
        if self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    @has_access
    def action_post(self):
        for pk in request.form.getlist("rowid"):
            if self.datamodel.get(pk, self._base_filters) is None:
                abort(404)
        if request.form.get("action") not in self.actions:
            abort(400, description=str(_l("Unknown action.")))
        return super().action_post()

    def _init_forms(self):
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            _unticked_checkboxes_allowed(form)
            _blank_choice_says_please_select(form)

    def _init_titles(self):
        # FAB makes the titles a view leaves out from its class name, in English ("Add Block Leader", "Show
        # Estate"): they follow the list's translated title instead (issue 14 item 6).
        if self.list_title:
            self.add_title = self.add_title or _l("Add %(what)s", what=self.list_title)
            self.edit_title = self.edit_title or _l("Edit %(what)s", what=self.list_title)
            self.show_title = self.show_title or _l("%(what)s: details", what=self.list_title)
        super()._init_titles()

    def _init_properties(self):
        super()._init_properties()
        # FAB resolves URL filters through _all_filters and builds the search form from _search_filters:
        # replace both, or the form offers "equal" while the server still runs "starts with".
        search = self._filters.get_search_filters()
        for column in self.exact_search_columns:
            if column in search:
                search[column] = [FilterEqualNormalised(column, self.datamodel)]
                self._filters._all_filters[column] = search[column]

    # -- argument checking -------------------------------------------------------------------------------------
    def _check_list_args(self) -> None:
        name = self.__class__.__name__
        max_size = current_app.config.get("PAGE_SIZE_MAX", 100)
        for key, value in request.args.items():
            if key in (f"page_{name}", f"psize_{name}"):
                if not value.isdigit():
                    bad_request(_l("The page number and page size must be whole numbers."))
                if key.startswith("psize_") and not 1 <= int(value) <= max_size:
                    bad_request(_l("The page size must be between 1 and %(max)s.", max=max_size))
                if int(value) > ID_MAX // (max_size + 1):  # the offset page × size must fit the database
                    bad_request(_l("There is no such page."))
            elif key == f"_oc_{name}":
                if value not in self.order_columns:
                    bad_request(_l("This list cannot be sorted by that column."))
            elif key.startswith("_flt_"):
                self._check_filter_value(key, request.args.getlist(key))

    def _check_filter_value(self, key: str, values: list[str]) -> None:
        parts = key.split("_", 3)  # ['', 'flt', '<index>', '<column>']
        if len(parts) != 4 or not parts[2].isdigit():
            bad_request(_l("Unknown filter."))
        column = parts[3]
        problem = filter_value_problem(self.datamodel.obj, column, values,
                                       is_relation=self.datamodel.is_relation(column))
        if problem:
            bad_request(problem)

    # -- export: the list as the user sees it (filters, order, scope, masking) -------------------------------
    @expose("/export/")
    @has_access
    def export(self):
        self._check_list_args()
        max_rows = current_app.config.get("EXPORT_MAX_ROWS", 100_000)
        get_filter_args(self._filters)
        order_column, order_direction = get_order_args().get(self.__class__.__name__, ("", ""))
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        search = quicksearch.outcome_for(self.datamodel.obj.__name__) if self.quick_search else None
        joined = quicksearch.with_search(self._filters, search).get_joined_filters(self._base_filters)
        try:
            count, items = self.datamodel.query(joined, order_column, order_direction, page_size=max_rows)
        except (ValueError, StatementError):
            db.session.rollback()
            bad_request(_l("The filter value is not valid for this column."))
        if count > max_rows:
            bad_request(_l("The export is limited to %(max)s rows; narrow the search first.", max=max_rows))
        columns = list(self.list_columns)
        rows = (
            [self._export_value(item, column) for column in columns] for item in items
        )
        payload = workbook_bytes(
            str(self.list_title or self.datamodel.obj.__name__),
            [str(self.label_columns.get(c, c)) for c in columns],
            rows,
        )
        record_export(self.datamodel.obj.__name__, count, request.query_string.decode()[:500])
        filename = f"{self.route_base.strip('/') or 'export'}-{clock.local_today(current_rules()):%Y%m%d}.xlsx"
        return send_file(
            io.BytesIO(payload), as_attachment=True, download_name=filename,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def _export_value(self, item, column):
        """A cell as the list shows it: computed columns called (FAB calls them too; a bound method's repr is
        not a label), HTML reduced to its text, instants in local time to the minute, None as empty."""
        value = getattr(item, column, None)
        if callable(value):
            value = value()
        formatter = self.formatters_columns.get(column)
        if formatter is not None:
            value = formatter(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(_l("Yes") if value else _l("No"))
        if isinstance(value, dt.datetime):
            return clock.aware(value, current_rules()).strftime("%Y-%m-%d %H:%M")
        if isinstance(value, (int, float, dt.date)):
            return value
        if isinstance(value, Markup):
            return value.striptags()
        return str(value)

    def _get_list_widget(self, filters, **kwargs):
        # The one search box (issue 14 §1) adds its criterion to what FAB queries, beside the user's FAB filters.
        return super()._get_list_widget(quicksearch.with_search(filters, g.get("quick_search")), **kwargs)

    def _list(self, **kwargs):
        self._check_list_args()
        g.quick_search = quicksearch.outcome_for(self.datamodel.obj.__name__) if self.quick_search else None
        try:
            return super()._list(**kwargs)
        except (ValueError, StatementError):
            db.session.rollback()
            bad_request(_l("The filter value is not valid for this column."))
