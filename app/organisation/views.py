"""CRUD screens of the organisation (menu 组织机构) and of houses (menu 房屋)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from app.access.scoping import building_label, scoped_query
from app.errors import UserFacingError
from app.models import Block, Building, Committee, House, Zone
from app.organisation.moves import committee_move_refusal
from app.population.fields import LookupFilterWidget, LookupSelectField
from app.population.textfields import CleanText
from app.views.base import PortalInterface, PortalModelView
from app.population import whereabouts


def yes_no(value) -> str:
    from flask_babel import gettext as _

    return _("Yes") if value else _("No")


class ZoneView(PortalModelView):
    datamodel = PortalInterface(Zone)
    route_base = "/zones"
    list_title = _l("Zones")
    show_title = _l("Zone")
    add_title = _l("Add zone")
    edit_title = _l("Edit zone")
    base_order = ("id", "asc")
    list_columns = ["name", "code"]
    add_columns = edit_columns = show_columns = ["name", "code"]
    search_columns = ["name"]
    # Fixed by the plan: edited, never added or removed ("create" is a permission no role is given).
    method_permission_name = {**PortalModelView.method_permission_name, "add": "create"}
    base_permissions = ["can_read", "can_write"]
    label_columns = {"name": _l("Name"), "code": _l("Code")}


class CommitteeView(PortalModelView):
    datamodel = PortalInterface(Committee)
    route_base = "/committees"
    list_title = _l("Residential committees")
    show_title = _l("Residential committee")
    add_title = _l("Add residential committee")
    edit_title = _l("Edit residential committee")
    base_order = ("seq", "asc")
    page_size = 30
    list_columns = ["seq", "name", "zone", "key_area"]
    show_columns = ["seq", "name", "zone", "key_area"]
    # The 23 committees are fixed by the plan: the office may move one to another zone or flag it, not rename it.
    edit_columns = ["zone", "key_area"]
    search_columns = ["name", "zone", "key_area"]
    # Fixed by the plan: edited, never added or removed ("create" is a permission no role is given).
    method_permission_name = {**PortalModelView.method_permission_name, "add": "create"}
    base_permissions = ["can_read", "can_write"]
    order_columns = ["seq", "name"]
    label_columns = {
        "seq": _l("No."),
        "name": _l("Committee"),
        "zone": _l("Zone"),
        "key_area": _l("Key area"),
    }
    formatters_columns = {"key_area": yes_no}
    show_template = "portal/committee_show.html"

    def _get_show_widget(self, pk, item, **kwargs):
        # Its counts, each a link to the list it counts (issue 14 §2).

        widgets = super()._get_show_widget(pk, item, **kwargs)
        widgets["counts"] = whereabouts.committee_counts(item.id)
        return widgets


class MovableView(PortalModelView):
    """Blocks, buildings and houses: a change of committee is the office's (app/organisation/moves.py)."""

    def pre_update(self, item):
        super().pre_update(item)
        refusal = committee_move_refusal(item)
        if refusal:
            raise UserFacingError(refusal)


class BlockView(MovableView):
    datamodel = PortalInterface(Block)
    route_base = "/blocks"
    list_title = _l("Blocks")
    show_title = _l("Block")
    add_title = _l("Add block")
    edit_title = _l("Edit block")
    list_columns = ["committee", "name"]
    add_columns = edit_columns = show_columns = ["committee", "name"]
    search_columns = ["committee", "name"]
    order_columns = ["name"]
    label_columns = {"committee": _l("Committee"), "name": _l("Block")}
    validators_columns = {"name": [CleanText()]}


class BuildingView(MovableView):
    datamodel = PortalInterface(Building)
    route_base = "/buildings"
    list_title = _l("Buildings")
    show_title = _l("Building")
    add_title = _l("Add building")
    edit_title = _l("Edit building")
    base_order = ("name", "asc")  # natural order: 1号楼 … 9号楼, 10号楼 (Building.natural_order)
    list_columns = ["committee", "block", "name"]
    add_columns = edit_columns = show_columns = ["committee", "block", "name"]
    search_columns = ["committee", "block", "name"]
    order_columns = ["name"]
    label_columns = {"committee": _l("Committee"), "block": _l("Block"), "name": _l("Building")}
    validators_columns = {"name": [CleanText()]}


def _buildings():
    return scoped_query(Building)


def _labelled(building: Building) -> str:
    return building_label(building.name, building.committee.name if building.committee else None)


def building_picker(widget_class=None, validators=None):
    """The building of a house: searched as you type (/lookup/buildings, scoped), never a dropdown of the street's
    3,600 buildings (317 KB of HTML per page at 200,000 persons; issue 14 item 8)."""
    extra = {"widget_class": widget_class} if widget_class else {}
    return LookupSelectField(_l("Building"), validators, url="/lookup/buildings", query_factory=_buildings,
                             not_found_message=_l("Choose a building from the list."), option_label=_labelled,
                             min_input=0, **extra)


class HouseView(MovableView):
    datamodel = PortalInterface(House)
    route_base = "/houses"
    list_title = _l("Houses")
    show_title = _l("House")
    add_title = _l("Add house")
    edit_title = _l("Edit house")
    base_order = ("address", "asc")  # natural order of addresses (House.natural_order)
    list_columns = ["committee", "building", "room", "address", "is_rental", "key_area"]
    show_columns = ["committee", "building", "room", "address", "is_rental", "key_area"]
    # The committee follows the building (app/population/integrity.py): it is never typed in.
    add_columns = edit_columns = ["building", "room", "address", "is_rental", "key_area"]
    search_columns = ["committee", "building", "address", "is_rental", "key_area"]
    quick_search = True
    order_columns = ["address", "room"]
    label_columns = {
        "committee": _l("Committee"),
        "building": _l("Building"),
        "room": _l("Room"),
        "address": _l("Address"),
        "is_rental": _l("Rental"),
        "key_area": _l("Key area"),
    }
    formatters_columns = {"is_rental": yes_no, "key_area": yes_no}
    validators_columns = {"room": [CleanText()], "address": [CleanText()]}
    add_form_extra_fields = edit_form_extra_fields = {"building": building_picker(validators=[DataRequired()])}
    search_form_extra_fields = {"building": building_picker(LookupFilterWidget)}
    show_template = "portal/house_show.html"

    def _get_show_widget(self, pk, item, **kwargs):
        # Who lives here now and who lived here (issue 14 §2).

        widgets = super()._get_show_widget(pk, item, **kwargs)
        widgets["whereabouts"] = whereabouts.house_residents(item.id)
        return widgets
