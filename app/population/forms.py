"""Form fields and validators of the population screens. Messages are English msgids shown in Chinese."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_appbuilder.fieldwidgets import DatePickerWidget
from flask_appbuilder.validators import Unique
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.domain.idnumber import InvalidIdNumber
from app.errors import id_number_message
from app.models.population import ID_TYPE_RESIDENT
from app.population.integrity import DataRuleError, local_today, resolve_identity

ID_TYPE_CHOICES = [
    ("resident_id", _l("Mainland resident ID card")),
    ("passport", _l("Passport")),
    ("hk_macao_taiwan", _l("Hong Kong, Macao or Taiwan permit")),
    ("other", _l("Other document")),
]
SEX_CHOICES = [("", "—"), ("M", _l("Male")), ("F", _l("Female"))]
CATEGORY_CHOICES = [
    ("shanghai_household", _l("Shanghai household, living at the registered address")),
    ("separated", _l("Shanghai household, living away from the registered address")),
    ("migrant", _l("From elsewhere in China")),
    ("overseas", _l("From outside China")),
]


def label_of(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


class ValidIdNumber:
    """Normalises the document number; checks a mainland ID number (length, characters, real birth date not in
    the future, region code, check character) and that a sex or birth date typed in does not contradict it. A
    number shaped like a mainland ID number is checked as one whatever document type was chosen."""

    def __call__(self, form, field):
        try:
            id_type, number, info = resolve_identity(form.id_type.data, field.data, local_today())
        except InvalidIdNumber as exc:
            raise ValidationError(id_number_message(exc)) from exc
        except DataRuleError as exc:
            raise ValidationError(_l("Please enter the document number.")) from exc
        field.data, form.id_type.data = number, id_type
        if info is None:
            return
        if form.sex.data and form.sex.data != info.sex:
            raise ValidationError(_l("The sex does not match the ID number."))
        if form.birth_date.data and form.birth_date.data != info.birth_date:
            raise ValidationError(_l("The birth date does not match the ID number."))


class RequiredUnlessResidentId:
    """Sex and birth date are derived from a mainland ID number; for other documents they must be typed."""

    def __call__(self, form, field):
        if form.id_type.data != ID_TYPE_RESIDENT and not field.data:
            raise ValidationError(_l("Required for documents other than a mainland ID card."))


class NotInFuture:
    def __call__(self, form, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("This date is in the future."))


def person_extra_fields(datamodel) -> dict:
    # The uniqueness check runs after ValidIdNumber, which has normalised the number (upper-case X, no spaces).
    unique = Unique(datamodel, "id_number", message=_l("A person with this ID number is already registered."))
    return {
        "id_type": SelectField(_l("Document type"), choices=ID_TYPE_CHOICES, default=ID_TYPE_RESIDENT),
        "id_number": StringField(
            _l("Document number"), validators=[Length(max=32), ValidIdNumber(), unique],
            description=_l("For a mainland ID card, sex and birth date are taken from the number."),
        ),
        "sex": SelectField(_l("Sex"), choices=SEX_CHOICES, validators=[RequiredUnlessResidentId()]),
        "birth_date": DateField(
            _l("Birth date"), validators=[RequiredUnlessResidentId(), Optional(), NotInFuture()],
            widget=DatePickerWidget(),
        ),
        "category": SelectField(_l("Category"), choices=CATEGORY_CHOICES, validators=[DataRequired()]),
    }
