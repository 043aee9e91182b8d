"""The small form behind "Request a document": what, and for which committee (or the whole street)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

STREET_WIDE = "all"


class DocumentRequestForm(FlaskForm):
    kind = SelectField(_l("Document"), validators=[InputRequired()])
    committee = SelectField(
        _l("Residential committee"), validators=[InputRequired()],
        description=_l("The monthly close's documents always cover the whole subdistrict."),
    )
    # Read only for a kind that has that period (app/domain/periods.py); the view checks the value.
    month = SelectField(_l("Month"), validate_choice=False,
                        description=_l("For the monthly documents (table, ranking bulletin, party report)."))
    quarter = SelectField(_l("Quarter"), validate_choice=False,
                          description=_l("For the quarterly documents (bulletin, review pack)."))
