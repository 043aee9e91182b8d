"""REST resources of the population: /api/v1/persons and /api/v1/residences.

Same permission names, verbs and committee scoping as the screens of app/population/views.py. ID and phone
numbers are masked in every answer unless the user has "view full ID" on persons. Neither resource can be
deleted: history is kept (a residence ends by 核销, a PUT of its end date and reason).
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.access.privacy import may_view_full_id, note_full_read
from app.domain.idnumber import InvalidIdNumber, mask_id_number, mask_phone, normalise_identifier
from app.errors import id_number_message
from app.extensions import db
from app.models import Person, Residence
from app.models.population import CATEGORIES, ID_TYPES, SEXES
from app.population.integrity import DataRuleError, local_today, resolve_identity
from app.population.textfields import clean_payload_text
from app.population.views import PERSON_LABELS, PersonView, ResidenceView
from app.views.api_base import ApiRefusal, PortalModelRestApi
from app.views.base import PortalInterface


def _refuse(message: str):
    raise ApiRefusal(422, message)


class PersonApi(PortalModelRestApi):
    datamodel = PortalInterface(Person)
    resource_name = "persons"
    base_permissions = PersonView.base_permissions
    excluded_routes = {"delete"}
    list_title, show_title = PersonView.list_title, PersonView.show_title
    add_title, edit_title = PersonView.add_title, PersonView.edit_title
    list_columns = ["id", "name", "id_type", "id_number", "sex", "birth_date", "category", "committee_id"]
    show_columns = [
        "id", "name", "id_type", "id_number", "sex", "birth_date", "category", "registered_address", "phone",
        "residence_permit_no", "residence_permit_expiry", "committee_id", "created_at", "updated_at",
    ]
    add_columns = edit_columns = [
        "name", "id_type", "id_number", "sex", "birth_date", "category", "committee_id", "registered_address",
        "phone", "residence_permit_no", "residence_permit_expiry",
    ]
    search_columns = ["name", "id_number", "phone", "committee_id", "category", "birth_date"]
    exact_search_columns = ["id_number", "phone"]
    order_columns = ["id", "name", "birth_date"]
    label_columns = {**PERSON_LABELS, "id": _l("Id"), "committee_id": _l("Committee")}
    description_columns = {"sex": _l("For a mainland ID card, sex and birth date are taken from the number.")}

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # Derived from a mainland ID number on every write (app/population/integrity.py).
        for name in ("sex", "birth_date"):
            self.add_model_schema.fields[name].required = False

    def get_list_headless(self, **kwargs):
        # FAB runs its own FilterEqual for a rison "eq", not the normalising one of the screens: normalise here,
        # so "３１０１１５…" or a number typed with spaces finds the stored normal form.
        for flt in (kwargs.get("rison") or {}).get("filters") or []:
            if isinstance(flt, dict) and flt.get("col") == "id_number" and isinstance(flt.get("value"), str):
                flt["value"] = normalise_identifier(flt["value"])
        return super().get_list_headless(**kwargs)

    def mask_result(self, result: dict) -> dict:
        if may_view_full_id():
            note_full_read(result.get("id_number"))  # audited once per response (app.access.privacy)
            return result
        if result.get("id_number"):
            result["id_number"] = mask_id_number(result["id_number"])
        if result.get("phone"):
            result["phone"] = mask_phone(result["phone"])
        return result

    def _check_person(self, person: Person) -> None:
        """The checks of the person form (app/population/forms.py), with the same messages."""
        if not (person.name or "").strip():
            _refuse(_("Please enter the name."))
        refusal = clean_payload_text(person, {"name": True, "registered_address": False}, self.label_columns)
        if refusal:
            _refuse(refusal)
        if person.id_type is not None and person.id_type not in ID_TYPES:
            _refuse(_("This value is not one of the allowed choices."))
        if person.category not in CATEGORIES:
            _refuse(_("This value is not one of the allowed choices."))
        if person.sex is not None and person.sex not in SEXES:
            _refuse(_("This value is not one of the allowed choices."))
        if person.residence_permit_no is not None:
            person.residence_permit_no = normalise_identifier(person.residence_permit_no) or None
        today = local_today()
        try:
            # A number shaped like a mainland ID number is checked as one whatever id_type says.
            id_type, number, info = resolve_identity(person.id_type, person.id_number, today)
        except InvalidIdNumber as exc:
            _refuse(id_number_message(exc))
        except DataRuleError:
            _refuse(_("Please enter the document number."))
        person.id_type, person.id_number = id_type, number
        if info is not None:
            if person.sex and person.sex != info.sex:
                _refuse(_("The sex does not match the ID number."))
            if person.birth_date and person.birth_date != info.birth_date:
                _refuse(_("The birth date does not match the ID number."))
            return
        if not person.sex or not person.birth_date:
            _refuse(_("Required for documents other than a mainland ID card."))
        if person.birth_date > today:
            _refuse(_("This date is in the future."))

    def pre_add(self, item: Person) -> None:
        self._check_person(item)

    def pre_update(self, item: Person) -> None:
        self._check_person(item)


class ResidenceApi(PortalModelRestApi):
    datamodel = PortalInterface(Residence)
    resource_name = "residences"
    base_permissions = ResidenceView.base_permissions
    excluded_routes = {"delete"}
    list_title, show_title = ResidenceView.list_title, ResidenceView.show_title
    add_title, edit_title = ResidenceView.add_title, ResidenceView.edit_title
    list_columns = ["id", "person_id", "house_id", "committee_id", "start_date", "end_date", "end_reason"]
    show_columns = list_columns + ["created_at"]
    add_columns = ["person_id", "house_id", "start_date"]
    # A residence is never moved: it is cancelled (核销) with a date and a reason, and a new one registered.
    edit_columns = ["end_date", "end_reason"]
    search_columns = ["person_id", "house_id", "committee_id", "start_date", "end_date"]
    order_columns = ["id", "start_date", "end_date"]
    label_columns = {
        **ResidenceView.label_columns,
        "id": _l("Id"), "person_id": _l("Person"), "house_id": _l("House"), "committee_id": _l("Committee"),
    }

    def pre_add(self, item: Residence) -> None:
        if item.start_date and item.start_date > local_today():
            _refuse(_("This date is in the future."))
        active = (
            db.session.query(Residence.id)
            .filter(Residence.person_id == item.person_id, Residence.end_date.is_(None))
            .first()
        )
        if active is not None:
            _refuse(_("This person already has an active residence; cancel it before registering a new one."))

    def pre_update(self, item: Residence) -> None:
        item.end_reason = (item.end_reason or "").strip() or None
        if bool(item.end_date) != bool(item.end_reason):
            _refuse(_("A cancellation needs both its date and its reason."))
        if item.end_date and item.end_date < item.start_date:
            _refuse(_("The cancellation date is before the start of the residence."))
        if item.end_date and item.end_date > local_today():
            _refuse(_("This date is in the future."))
