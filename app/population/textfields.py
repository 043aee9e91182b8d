"""The web side of app/domain/textinput.py: a WTForms validator for the screens and a payload check for the
REST API, so both refuse the same names, addresses and rooms with the same Chinese message."""
from __future__ import annotations

from typing import Optional

from flask_babel import gettext as _
from wtforms.validators import StopValidation

from app.domain.textinput import InvalidText, clean_text


def text_message(exc: InvalidText) -> str:
    messages = {
        "empty": _("Please fill in this field; spaces alone are not a value."),
        "characters": _("This text contains control or invisible characters, or characters that do not exist; "
                        "please type it again."),
        "formula": _("This text may not begin with =, +, - or @."),
    }
    return messages.get(exc.code, _("This text is not valid."))


class CleanText:
    """Refuses what clean_text refuses, and puts its normal form in the field (what gets saved)."""

    def __init__(self, required: bool = True):
        self.required = required

    def __call__(self, form, field):
        try:
            field.data = clean_text(field.data, required=self.required)
        except InvalidText as exc:
            raise StopValidation(text_message(exc)) from exc


def clean_payload_text(item, columns: dict[str, bool], labels: dict) -> Optional[str]:
    """Normalise ``columns`` (name → required) of an API item in place; the first refusal as a message."""
    for name, required in columns.items():
        try:
            setattr(item, name, clean_text(getattr(item, name, None), required=required))
        except InvalidText as exc:
            return f"{labels.get(name, name)}: {text_message(exc)}"
    return None
