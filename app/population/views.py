"""CRUD screens of the population (menu 实有人口): persons, residences (with 核销) and vehicles."""
from __future__ import annotations

from flask import abort, g, jsonify, request
from flask_appbuilder import expose, has_access
from flask_appbuilder.fieldwidgets import DatePickerWidget
from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from app.access.privacy import (
    mask_form_numbers,
    masked_id,
    masked_phone,
    may_view_full_id,
    unmask_posted_numbers,
)
from app.access.roles import VIEW_FULL_ID
from app.audit import record_reveal
from app.extensions import db
from app.models import House, Person, Residence, Vehicle
from app.population import whereabouts
from app.population.fields import LookupSelectField
from app.population.textfields import CleanText
from app.population.forms import (
    CATEGORY_CHOICES,
    ID_TYPE_CHOICES,
    SEX_CHOICES,
    NotInFuture,
    label_of,
    person_extra_fields,
)
from app.access.scoping import scoped_query, visible_committee_ids
from app.views.base import PortalInterface, PortalModelView
from app.changes import messages as case_messages
from app.verification import messages as check_messages

PERSON_LABELS = {
    "name": _l("Full name"),
    "id_type": _l("Document type"),
    "id_number": _l("Document number"),
    "sex": _l("Sex"),
    "birth_date": _l("Birth date"),
    "category": _l("Category"),
    "registered_address": _l("Registered (hukou) address"),
    "phone": _l("Phone"),
    "residence_permit_no": _l("Residence permit number"),
    "residence_permit_expiry": _l("Residence permit expiry"),
    "committee": _l("Committee"),
    "created_at": _l("Created"),
    "updated_at": _l("Updated"),
}


def _houses():
    return scoped_query(House)


def _persons():
    return scoped_query(Person)


class HouseNeededInScope:
    """Committee staff register a person with the house he lives in: a person with no house belongs to no committee,
    and only the street office or an admin may keep such a record."""

    def __call__(self, form, field):
        if field.data is None and visible_committee_ids() is not None:
            raise ValidationError(_l("Choose the house the person lives in: he is registered in its committee."))


class StartWithHouse:
    """A house needs the date he lives there since (and a date needs a house); with neither, the date is optional.
    (Not wtforms' Optional(): it clears the errors already raised, so a house without a date slipped through.)"""

    def __call__(self, form, field):
        house = form.residence_house.data
        empty = not field.raw_data or not str(field.raw_data[0]).strip()
        if house is not None and (empty or not field.data):
            raise StopValidation(_l("Enter the date since when the person lives in this house."))
        if house is None and not empty:
            raise ValidationError(_l("Choose the house first."))
        if empty:
            field.errors[:] = []  # no "not a valid date" for a date nobody had to give
            raise StopValidation()


class PersonView(PortalModelView):
    datamodel = PortalInterface(Person)
    route_base = "/persons"
    list_title = _l("Persons")
    show_title = _l("Person")
    add_title = _l("Register a person")
    edit_title = _l("Edit person")
    list_columns = ["name", "id_number", "sex", "birth_date", "category", "committee"]
    show_columns = [
        "name", "id_type", "id_number", "sex", "birth_date", "category", "registered_address", "phone",
        "residence_permit_no", "residence_permit_expiry", "committee", "created_at", "updated_at",
    ]
    # No committee field: the committee follows the house he lives in (app/population/integrity.py). Adding a
    # person registers where he lives in the same form, so one save makes the person and his residence.
    add_columns = [
        "name", "id_type", "id_number", "sex", "birth_date", "category", "residence_house", "residence_start",
        "registered_address", "phone", "residence_permit_no", "residence_permit_expiry",
    ]
    edit_columns = [
        "name", "id_type", "id_number", "sex", "birth_date", "category", "registered_address",
        "phone", "residence_permit_no", "residence_permit_expiry",
    ]
    search_columns = ["name", "id_number", "phone", "committee", "category", "birth_date"]
    exact_search_columns = ["id_number", "phone"]
    quick_search = True
    order_columns = ["name", "birth_date", "id"]
    label_columns = PERSON_LABELS
    description_columns = {"committee": _l("Set by the current residence once one is registered.")}
    validators_columns = {
        "name": [DataRequired(), Length(max=64), CleanText()], "phone": [Length(max=32)],
        "registered_address": [CleanText(required=False)],
    }
    show_template = "portal/person_show.html"
    method_permission_name = {**PortalModelView.method_permission_name, "reveal": VIEW_FULL_ID}
    base_permissions = ["can_read", "can_write", "can_export", f"can_{VIEW_FULL_ID}"]
    formatters_columns = {
        "id_number": masked_id,
        "phone": masked_phone,
        "sex": lambda v: label_of(SEX_CHOICES, v),
        "category": lambda v: label_of(CATEGORY_CHOICES, v),
        "id_type": lambda v: label_of(ID_TYPE_CHOICES, v),
    }
    add_form_extra_fields = {
        **person_extra_fields(datamodel),
        "residence_house": LookupSelectField(
            _l("Lives in (house)"), [HouseNeededInScope()], url="/lookup/houses", query_factory=_houses,
            not_found_message=_l("Choose a house from the list."),
            description=_l("The person is registered in the committee of this house."),
        ),
        "residence_start": DateField(_l("Living here since"), [StartWithHouse(), NotInFuture()],
                                     widget=DatePickerWidget()),
    }
    edit_form_extra_fields = person_extra_fields(datamodel)

    def pre_add(self, item):
        # populate_obj copied the two residence fields onto the person as plain attributes; they become his
        # residence here, before the scope check, so the committee (copied from the house) is known.
        house, start = item.__dict__.pop("residence_house", None), item.__dict__.pop("residence_start", None)
        if house is not None:
            item.residences.append(Residence(house=house, start_date=start))
            item.committee_id = house.committee_id
        super().pre_add(item)

    # -- edit: numbers masked for users who read them masked everywhere else (issue 10 §2.5) -----------------
    def _edit(self, pk):
        if not may_view_full_id():
            person = self.datamodel.get(pk, self._base_filters)
            if person is not None:
                g._stored_numbers = {"id_number": person.id_number, "phone": person.phone}
                if request.method == "POST":
                    request.form = unmask_posted_numbers(request.form, g._stored_numbers)
        return super()._edit(pk)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        # Runs for the first GET and for a POST that failed validation: neither shows a stored full number.
        stored = g.get("_stored_numbers")
        if stored:
            mask_form_numbers(form, stored)
        return super()._get_edit_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def _get_show_widget(self, pk, item, **kwargs):
        # Where he lives and lived, his change cases and verification records, on his page (issue 14 §2).
        widgets = super()._get_show_widget(pk, item, **kwargs)
        widgets["whereabouts"] = {**whereabouts.person_history(item.id), "stages": case_messages.STAGE_LABELS,
                                  "kinds": case_messages.KIND_LABELS, "results": check_messages.RESULT_LABELS}
        return widgets

    @expose("/reveal/<int:pk>", methods=["POST"])
    @has_access
    def reveal(self, pk):
        """The full ID and phone numbers of one person, on an explicit click; each reveal is audited."""
        person = self.datamodel.get(pk, self._base_filters)
        if person is None:
            abort(404)
        record_reveal("Person", person.id, person.committee_id)
        return jsonify(id_number=person.id_number, phone=person.phone or "")


class NoOtherActiveResidence:
    def __call__(self, form, field):
        person = field.data
        if person is not None and any(r.end_date is None for r in person.residences):
            raise ValidationError(
                _l("This person already has an active residence; cancel it before registering a new one.")
            )


class CancellationComplete:
    """核销 needs both a date and a reason, and cannot end before the residence began."""

    def __call__(self, form, field):
        reason = (form.end_reason.data or "").strip()
        if bool(field.data) != bool(reason):
            raise ValidationError(_l("A cancellation needs both its date and its reason."))
        residence = db.session.get(Residence, form._id) if getattr(form, "_id", None) is not None else None
        start = residence.start_date if residence is not None else None
        if field.data and start and field.data < start:
            raise ValidationError(_l("The cancellation date is before the start of the residence."))


class ResidenceView(PortalModelView):
    datamodel = PortalInterface(Residence)
    route_base = "/residences"
    list_title = _l("Residences")
    show_title = _l("Residence")
    add_title = _l("Register a residence")
    edit_title = _l("Cancel a residence (核销)")
    list_columns = ["person", "house", "committee", "start_date", "end_date", "end_reason"]
    show_columns = ["person", "house", "committee", "start_date", "end_date", "end_reason", "created_at"]
    add_columns = ["person", "house", "start_date"]
    edit_columns = ["end_date", "end_reason"]
    search_columns = ["committee", "start_date", "end_date"]
    quick_search = True
    order_columns = ["start_date", "end_date"]
    label_columns = {
        "person": _l("Person"),
        "house": _l("House"),
        "committee": _l("Committee"),
        "start_date": _l("Living here since"),
        "end_date": _l("Cancelled on"),
        "end_reason": _l("Cancellation reason"),
        "created_at": _l("Created"),
    }
    add_form_extra_fields = {
        "person": LookupSelectField(
            _l("Person"), [DataRequired(), NoOtherActiveResidence()], url="/lookup/persons",
            query_factory=_persons, not_found_message=_l("Choose a person from the list."),
        ),
        "house": LookupSelectField(
            _l("House"), [DataRequired()], url="/lookup/houses",
            query_factory=_houses, not_found_message=_l("Choose a house from the list."),
        ),
        "start_date": DateField(_l("Living here since"), [DataRequired(), NotInFuture()], widget=DatePickerWidget()),
    }
    edit_form_extra_fields = {
        "end_date": DateField(
            _l("Cancelled on"), [CancellationComplete(), Optional(), NotInFuture()], widget=DatePickerWidget()
        ),
        "end_reason": StringField(_l("Cancellation reason"), [Length(max=255)]),
    }

    def process_form(self, form, is_created):
        if not is_created:
            form.end_reason.data = (form.end_reason.data or "").strip() or None


class VehicleView(PortalModelView):
    datamodel = PortalInterface(Vehicle)
    route_base = "/vehicles"
    list_title = _l("Vehicles")
    show_title = _l("Vehicle")
    add_title = _l("Add vehicle")
    edit_title = _l("Edit vehicle")
    list_columns = ["plate", "owner", "house", "committee"]
    show_columns = ["plate", "owner", "house", "committee"]
    add_columns = edit_columns = ["plate", "owner", "house"]
    search_columns = ["plate", "committee"]
    exact_search_columns = ["plate"]
    order_columns = ["plate"]
    label_columns = {"plate": _l("Plate"), "owner": _l("Owner"), "house": _l("House"), "committee": _l("Committee")}
    validators_columns = {"plate": [DataRequired(), Length(min=5, max=16)]}
    add_form_extra_fields = edit_form_extra_fields = {
        "owner": LookupSelectField(
            _l("Owner"), [Optional()], url="/lookup/persons",
            query_factory=_persons, not_found_message=_l("Choose a person from the list."),
        ),
        "house": LookupSelectField(
            _l("House"), [Optional()], url="/lookup/houses",
            query_factory=_houses, not_found_message=_l("Choose a house from the list."),
        ),
    }
