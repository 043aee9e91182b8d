"""What every list/CRUD screen of the portal shares, on top of FAB's ModelView.

- Deterministic order: FAB adds no ORDER BY unless the user sorts, and ties on a sorted column come back in any
  order; PortalInterface always appends the primary key, so page N is the same rows every time.
- Request arguments are checked before FAB sees them: a malformed page, page size, sort column or filter value is
  an HTTP 400 with a Chinese message instead of FAB's 500; the page size is capped (PAGE_SIZE_MAX).
- Exact-match search first for identifiers (ID number, phone, plate), so the search uses the unique index instead
  of FAB's default "starts with" (lower(col) LIKE), which scans the table.
"""
from __future__ import annotations

import datetime as dt

from flask import abort, current_app, request
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, Integer
from sqlalchemy.exc import StatementError

from app.errors import UserFacingError, user_message
from app.extensions import db


class PortalInterface(SQLAInterface):
    """SQLAInterface whose every ordered query ends with the primary key as a tie-breaker, and whose writes
    roll back and raise a translated UserFacingError (FAB flashes str(exception) to the user)."""

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

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None, **kwargs):
        query = super().apply_order_by(query, order_column, order_direction, aliases_mapping, **kwargs)
        pk = getattr(self.obj, self.get_pk_name())
        return query.order_by(pk.desc() if order_direction == "desc" else pk.asc())


class FilterEqualNormalised(FilterEqual):
    """Exact match on an identifier, ignoring surrounding spaces and the case of a trailing x in an ID number."""

    def apply(self, query, value):
        return super().apply(query, (value or "").strip().upper())


def bad_request(message) -> None:
    abort(400, description=str(message))


class PortalModelView(ModelView):
    """Base of every CRUD screen: validated arguments, capped page size, stable order, exact identifier search."""

    page_size = 25
    exact_search_columns: list[str] = []
    base_order = ("id", "desc")

    def __init__(self, **kwargs):
        if not hasattr(self, "datamodel") or self.datamodel is None:
            raise TypeError("PortalModelView needs a datamodel")
        super().__init__(**kwargs)

    def _init_properties(self):
        super()._init_properties()
        search = self._filters.get_search_filters()
        for column in self.exact_search_columns:
            if column in search:
                search[column] = [FilterEqualNormalised(column, self.datamodel)]

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
        attr = getattr(self.datamodel.obj, column, None)
        columns = getattr(getattr(attr, "property", None), "columns", None)
        column_type = columns[0].type if columns else None
        for value in values:
            if value == "":
                continue
            if len(value) > 255:
                bad_request(_l("The filter value is too long."))
            try:
                if isinstance(column_type, DateTime):
                    dt.datetime.fromisoformat(value)
                elif isinstance(column_type, Date):
                    dt.date.fromisoformat(value)
                elif isinstance(column_type, Boolean):
                    if value.lower() not in ("y", "n", "true", "false", "1", "0", "on", "off"):
                        raise ValueError
                elif isinstance(column_type, Integer) or (column_type is None and self.datamodel.is_relation(column)):
                    int(value)
            except ValueError:
                bad_request(_l("The filter value is not valid for this column."))

    def _list(self, **kwargs):
        self._check_list_args()
        try:
            return super()._list(**kwargs)
        except (ValueError, StatementError):
            db.session.rollback()
            bad_request(_l("The filter value is not valid for this column."))
