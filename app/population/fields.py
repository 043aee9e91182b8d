"""A form field for a relation too large for a dropdown (200,000 persons, 70,000 houses).

The browser searches through /lookup/<kind> (see app/population/lookup.py); the field receives a primary key and
resolves it with the same scoped query, so a hand-made POST cannot pick a record outside the user's area.
"""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.validators import ValidationError


class LookupSelectWidget:
    def __init__(self, url: str):
        self.url = url

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("class", "form-control")
        attrs = " ".join(f'{k.replace("_", "-")}="{escape(v)}"' for k, v in kwargs.items() if k != "class_")
        option = ""
        if field.data is not None:
            option = f'<option value="{escape(field.data.id)}" selected>{escape(str(field.data))}</option>'
        required = " required" if field.flags.required else ""
        return Markup(
            f'<select name="{escape(field.name)}" data-lookup-url="{escape(self.url)}" {attrs}{required}>{option}</select>'
        )


class LookupSelectField(Field):
    """Holds a model instance; ``query_factory()`` returns the query the chosen pk must belong to."""

    def __init__(self, label=None, validators=None, *, url: str, query_factory, not_found_message="", **kwargs):
        super().__init__(label, validators, widget=LookupSelectWidget(url), **kwargs)
        self.query_factory = query_factory
        self.not_found_message = not_found_message
        self._pk = None

    def process_formdata(self, valuelist):
        self._pk = valuelist[0] if valuelist and valuelist[0] else None
        self.data = None

    def pre_validate(self, form):
        if self._pk is None:
            return
        if not str(self._pk).isdigit():
            raise ValidationError(str(self.not_found_message))
        query = self.query_factory()
        model = query.column_descriptions[0]["entity"]
        self.data = query.filter(model.id == int(self._pk)).one_or_none()
        if self.data is None:
            raise ValidationError(str(self.not_found_message))
