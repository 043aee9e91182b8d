"""Rules every write must obey, whatever path it comes by (form, REST API, CLI, background task).

One ``before_flush`` hook keeps derived columns true and refuses contradictions, so a view cannot forget them:
- a mainland ID number is valid, and the person's sex and birth date are the ones it encodes;
- a house, residence and vehicle carry the committee of their building / house (the column scoping filters on);
- a person's committee follows their current residence;
- a building's block belongs to the building's committee.
The one-open-residence rule is a partial unique index (app/models/population.py), not code.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.domain.idnumber import parse_id_number
from app.models import Block, Building, House, Person, Residence, Vehicle
from app.models.population import ID_TYPE_RESIDENT



class DataRuleError(ValueError):
    """A write that breaks a data rule. ``code`` lets the web layer show a translated message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def local_today() -> dt.date:
    """Today in the rules' time zone (a birth or move-in date after it is in the future)."""
    from app.domain import clock
    from app.settings import current_rules

    return clock.local_today(current_rules())


def apply_identity(person: Person, today: dt.date | None = None) -> None:
    """Normalise a mainland ID number and derive sex and birth date from it (raises InvalidIdNumber)."""
    if person.id_type is None:  # the column default is applied only at INSERT, after this hook
        person.id_type = ID_TYPE_RESIDENT
    if person.id_type != ID_TYPE_RESIDENT:
        return
    info = parse_id_number(person.id_number or "", today or local_today())
    person.id_number = info.number
    person.sex = info.sex
    person.birth_date = info.birth_date


def _get(session: Session, model, pk):
    return session.get(model, pk) if pk is not None else None


def _sync_house(session: Session, house: House) -> None:
    building = house.building if house.building is not None else _get(session, Building, house.building_id)
    if building is None:
        raise DataRuleError("house_without_building", "A house needs a building.")
    house.committee_id = building.committee_id


def _sync_building(session: Session, building: Building) -> None:
    block = building.block if building.block is not None else _get(session, Block, building.block_id)
    committee_id = building.committee.id if building.committee is not None else building.committee_id
    if block is not None and block.committee_id != committee_id:
        raise DataRuleError("block_other_committee", "The block belongs to another committee.")


def _sync_residence(session: Session, residence: Residence) -> None:
    house = residence.house if residence.house is not None else _get(session, House, residence.house_id)
    if house is None:
        raise DataRuleError("residence_without_house", "A residence needs a house.")
    if house.committee_id is None:
        _sync_house(session, house)
    residence.committee_id = house.committee_id
    person = residence.person if residence.person is not None else _get(session, Person, residence.person_id)
    if person is not None and residence.end_date is None:
        person.committee_id = house.committee_id


def _sync_vehicle(session: Session, vehicle: Vehicle) -> None:
    house = vehicle.house if vehicle.house is not None else _get(session, House, vehicle.house_id)
    owner = vehicle.owner if vehicle.owner is not None else _get(session, Person, vehicle.owner_id)
    vehicle.plate = (vehicle.plate or "").strip().upper()
    vehicle.committee_id = house.committee_id if house is not None else (owner.committee_id if owner else None)


@event.listens_for(Session, "before_flush")
def _enforce_rules(session: Session, flush_context, instances) -> None:
    changed = list(session.new) + list(session.dirty)
    # Order matters: houses first, so residences and vehicles copy an up-to-date committee.
    for obj in changed:
        if isinstance(obj, Building):
            _sync_building(session, obj)
        elif isinstance(obj, House):
            _sync_house(session, obj)
    for obj in changed:
        if isinstance(obj, Person):
            apply_identity(obj)
        elif isinstance(obj, Residence):
            _sync_residence(session, obj)
        elif isinstance(obj, Vehicle):
            _sync_vehicle(session, obj)
