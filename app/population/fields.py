"""A form field for a relation too large for a dropdown (200,000 persons, 70,000 houses, 3,600 buildings).

The browser searches through /lookup/<kind> (see app/population/lookup.py, app/static/js/lookup.js); the field
receives a primary key and resolves it with the same scoped query, so a hand-made POST cannot pick a record outside
the user's area. The page carries only the chosen record, never the whole table (FAB's QuerySelectField renders
every row as an <option>: 317 KB for the buildings of the street).

In a list's search form (FAB's "Add filter", ``search_form_extra_fields``) the field renders with
``LookupFilterWidget``: the records the active filters name (``?_flt_0_building=12``) are its options, read through
the same scoped query, so after a search the filter shows what was searched, and an id out of scope shows nothing.
"""
from __future__ import annotations

import re

from flask import request
from markupsafe import Markup, escape
from wtforms import Field
from wtforms.validators import StopValidation

from app.inputs import id_or_none


def _option(record, label, selected: bool = False) -> str:
    chosen = " selected" if selected else ""
    return f'<option value="{escape(record.id)}"{chosen}>{escape(label(record))}</option>'


class LookupSelectWidget:
    def __init__(self, url: str, label=str, min_input: int = 1):
        self.url, self.label, self.min_input = url, label, min_input

    def options(self, field) -> str:
        return _option(field.data, self.label, selected=True) if field.data is not None else ""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("class", "form-control")
        attrs = " ".join(f'{k.replace("_", "-")}="{escape(v)}"' for k, v in kwargs.items() if k != "class_")
        required = " required" if field.flags.required else ""
        return Markup(
            f'<select name="{escape(field.name)}" data-lookup-url="{escape(self.url)}" '
            f'data-min="{self.min_input}" {attrs}{required}>{self.options(field)}</select>'
        )


class LookupFilterWidget(LookupSelectWidget):
    """The field of a list's filter row: an empty first choice, then the in-scope records the request's active
    filters on this column name (FAB's ab_filters.js selects each row's value among them)."""

    def options(self, field) -> str:
        pattern = re.compile(rf"^_flt_\d+_{re.escape(field.name)}$")
        ids = {id_or_none(v) for key in request.args if pattern.match(key) for v in request.args.getlist(key)}
        ids.discard(None)
        records = []
        if ids:
            query = field.query_factory()
            model = query.column_descriptions[0]["entity"]
            records = query.filter(model.id.in_(sorted(ids))).all()
        return '<option value=""></option>' + "".join(_option(r, self.label) for r in records)


class LookupSelectField(Field):
    """Holds a model instance; ``query_factory()`` returns the query the chosen pk must belong to. ``label`` makes
    an option's text from a record (as the endpoint does); ``widget_class`` is LookupFilterWidget in a search form."""

    def __init__(self, label=None, validators=None, *, url: str, query_factory, not_found_message="",
                 option_label=str, min_input: int = 1, widget_class=LookupSelectWidget, **kwargs):
        super().__init__(label, validators, widget=widget_class(url, option_label, min_input), **kwargs)
        self.query_factory = query_factory
        self.not_found_message = not_found_message
        self._pk = None

    def process_formdata(self, valuelist):
        self._pk = valuelist[0] if valuelist and valuelist[0] else None
        self.data = None

    def pre_validate(self, form):
        if self._pk is None:
            return
        # "abc", "²", -1 and 10**20 are no record, not a database error. A pk out of scope or unknown stops the
        # field's validation: its validators would only add "this field is required" (DataRequired clears
        # the reason) for what was given, just not found.
        pk = id_or_none(self._pk)
        query = self.query_factory()
        model = query.column_descriptions[0]["entity"]
        self.data = query.filter(model.id == pk).one_or_none() if pk is not None else None
        if self.data is None:
            raise StopValidation(str(self.not_found_message))
