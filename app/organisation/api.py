"""REST resources of the organisation: /api/v1/committees (read only), /api/v1/buildings, /api/v1/houses.

Same permission names, verbs and committee scoping as the screens of app/organisation/views.py.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Building, Committee, House
from app.organisation.moves import committee_move_refusal
from app.organisation.views import BuildingView, CommitteeView, HouseView
from app.population.textfields import clean_payload_text
from app.views.api_base import ApiRefusal, PortalModelRestApi
from app.views.base import PortalInterface

ID_LABELS = {
    "id": _l("Id"),
    "committee_id": _l("Committee"),
    "zone_id": _l("Zone"),
    "block_id": _l("Block"),
    "building_id": _l("Building"),
}


class CommitteeApi(PortalModelRestApi):
    """The 23 committees, as far as the user sees them. Read only: the office edits them on the screen."""

    datamodel = PortalInterface(Committee)
    resource_name = "committees"
    base_permissions = CommitteeView.base_permissions
    include_route_methods = {"get", "get_list", "info"}
    base_order = ("seq", "asc")
    list_title, show_title = CommitteeView.list_title, CommitteeView.show_title
    list_columns = show_columns = ["id", "seq", "name", "zone_id", "key_area"]
    add_columns = edit_columns = ["key_area"]  # no route uses them; FAB needs a non-empty list
    search_columns = ["name", "zone_id", "key_area"]
    order_columns = ["seq", "name"]
    label_columns = {**CommitteeView.label_columns, **ID_LABELS}


class MovableApi(PortalModelRestApi):
    """Buildings and houses: typed text checked like the screens'; a change of committee is the office's."""

    text_columns: dict[str, bool] = {}

    def _check_write(self, item) -> None:
        refusal = clean_payload_text(item, self.text_columns, self.label_columns)
        if refusal:
            raise ApiRefusal(422, refusal)
        refusal = committee_move_refusal(item)
        if refusal:
            raise ApiRefusal(403, refusal)

    def pre_add(self, item) -> None:
        self._check_write(item)

    def pre_update(self, item) -> None:
        self._check_write(item)


class BuildingApi(MovableApi):
    datamodel = PortalInterface(Building)
    resource_name = "buildings"
    base_permissions = BuildingView.base_permissions
    list_title, show_title = BuildingView.list_title, BuildingView.show_title
    add_title, edit_title = BuildingView.add_title, BuildingView.edit_title
    list_columns = show_columns = ["id", "committee_id", "block_id", "name"]
    add_columns = edit_columns = ["committee_id", "block_id", "name"]
    search_columns = ["name", "committee_id", "block_id"]
    order_columns = ["id", "name"]
    label_columns = {**BuildingView.label_columns, **ID_LABELS}
    text_columns = {"name": True}


class HouseApi(MovableApi):
    datamodel = PortalInterface(House)
    resource_name = "houses"
    base_permissions = HouseView.base_permissions
    list_title, show_title = HouseView.list_title, HouseView.show_title
    add_title, edit_title = HouseView.add_title, HouseView.edit_title
    list_columns = show_columns = [
        "id", "committee_id", "building_id", "room", "address", "is_rental", "key_area",
    ]
    # The committee follows the building (app/population/integrity.py): read only here.
    add_columns = edit_columns = ["building_id", "room", "address", "is_rental", "key_area"]
    search_columns = ["address", "room", "committee_id", "building_id", "is_rental", "key_area"]
    order_columns = ["id", "address", "room"]
    label_columns = {**HouseView.label_columns, **ID_LABELS}
    text_columns = {"room": True, "address": True}
