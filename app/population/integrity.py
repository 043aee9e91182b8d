"""Rules every write must obey, whatever path it comes by (form, REST API, CLI, background task).

One ``before_flush`` hook keeps derived columns true and refuses contradictions, so a view cannot forget them:
- every document number is in its normal form (app/domain/idnumber.py), so the unique index on it holds one
  identity per number; a number shaped like a mainland ID number is one, whatever document type was chosen,
  and is valid, and the person's sex and birth date are the ones it encodes;
- a house, residence and vehicle carry the committee of their building / house (the column scoping filters on);
- a person's committee follows their current residence;
- a building's block belongs to the building's committee;
- when a block, building or house changes committee (a boundary redrawn, a house moved to another building),
  the change cascades in the same flush to every column copied from it below: buildings of the block, their
  houses, the houses' residences and vehicles, and the persons living there. The rows are changed through the
  ORM, so the audit hook records each one. Verification records and change cases stay where the work was done.
Who may move a record to another committee is decided by the views (app/organisation/moves.py), not here.
The one-open-residence rule is a partial unique index (app/models/population.py), not code.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.domain.idnumber import IdNumberInfo, looks_like_mainland_id, normalise_identifier, parse_id_number
from app.models import Block, Building, House, Person, Residence, Vehicle
from app.models.population import ID_TYPE_RESIDENT
from app.errors import DataRuleError  # noqa: F401  (moved to errors.py; importers of it from here keep working)
from app.settings import local_today  # noqa: F401  (re-exported)



# Residence permits of Hong Kong, Macao and Taiwan residents carry a GB 11643 number with these region codes:
# such a number keeps its document type, but is checked and its sex and birth date derived all the same.
_PERMIT_REGIONS = ("81", "82", "83")
PERMIT_ID_TYPE = "hk_macao_taiwan"


def resolve_identity(id_type: str | None, number: str | None,
                     today: dt.date | None = None) -> tuple[str, str, IdNumberInfo | None]:
    """(document type, normalised number, what a mainland-shaped number says) for what was typed or sent.

    Forms, the API and the flush hook all call this, so they agree. Raises InvalidIdNumber for a number that is
    (or says it is) a mainland ID number and is not valid, DataRuleError for an empty number."""
    id_type = id_type or ID_TYPE_RESIDENT
    normalised = normalise_identifier(number)
    if looks_like_mainland_id(normalised) or id_type == ID_TYPE_RESIDENT:
        info = parse_id_number(normalised, today or local_today())
        if not (id_type == PERMIT_ID_TYPE and info.region.startswith(_PERMIT_REGIONS)):
            id_type = ID_TYPE_RESIDENT
        return id_type, info.number, info
    if not normalised:
        raise DataRuleError("document_number_empty", "Please enter the document number.")
    return id_type, normalised, None


def apply_identity(person: Person, today: dt.date | None = None) -> None:
    """Normalise the document number; for a mainland one, derive sex and birth date (raises InvalidIdNumber)."""
    id_type, number, info = resolve_identity(person.id_type, person.id_number, today)
    person.id_type, person.id_number = id_type, number
    if info is not None:
        person.sex = info.sex
        person.birth_date = info.birth_date


def _get(session: Session, model, pk):
    return session.get(model, pk) if pk is not None else None


def _parent(session: Session, obj, relation: str, fk: str, model):
    """The parent a pending write points to. A form sets the relationship, the API sets the foreign key; the
    other one still holds the old value until the flush, so read whichever was changed (else the loaded one)."""
    state = inspect(obj)
    related = getattr(obj, relation)
    if state.attrs[relation].history.has_changes() or getattr(obj, fk) is None:
        return related
    fk_value = getattr(obj, fk)
    if related is not None and related.id == fk_value:
        return related
    return _get(session, model, fk_value)


def _committee_of(obj) -> int | None:
    """The committee a block or building names: the relationship if it was just set, else the column."""
    state = inspect(obj)
    if state.attrs.committee.history.has_changes() and obj.committee is not None:
        return obj.committee.id
    return obj.committee_id


def _old_committee(obj) -> int | None:
    """The committee_id the row had in the database (None for a new row)."""
    state = inspect(obj)
    if state.transient or state.pending:
        return None
    history = state.attrs.committee_id.history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else obj.committee_id


def _sync_house(session: Session, house: House) -> None:
    building = _parent(session, house, "building", "building_id", Building)
    if building is None:
        raise DataRuleError("house_without_building", "A house needs a building.")
    old = _old_committee(house)
    new = _committee_of(building)
    house.committee_id = new
    if old is not None and old != new:
        _cascade_house(session, house, new)


def _sync_building(session: Session, building: Building) -> None:
    block = _parent(session, building, "block", "block_id", Block)
    committee_id = _committee_of(building)
    building.committee_id = committee_id
    if block is not None and _committee_of(block) != committee_id:
        raise DataRuleError("block_other_committee", "The block belongs to another committee.")
    old = _old_committee(building)
    if old is not None and old != committee_id:
        houses = session.scalars(select(House).where(House.building_id == building.id)).all()
        for house in houses:
            house.committee_id = committee_id
            _cascade_house(session, house, committee_id)


def _sync_block(session: Session, block: Block) -> None:
    committee_id = _committee_of(block)
    old = _old_committee(block)
    if old is None or old == committee_id:
        return
    # A block moved to another committee takes its buildings along (a boundary redrawn).
    for building in session.scalars(select(Building).where(Building.block_id == block.id)).all():
        if building.committee_id != committee_id:
            building.committee_id = committee_id
            houses = session.scalars(select(House).where(House.building_id == building.id)).all()
            for house in houses:
                house.committee_id = committee_id
                _cascade_house(session, house, committee_id)


def _cascade_house(session: Session, house: House, committee_id: int) -> None:
    """Everything whose committee is copied from this house follows it: its residences (open and ended: their
    history stays with the house), its vehicles, and the persons whose current residence it is."""
    if house.id is None:
        return
    for residence in session.scalars(select(Residence).where(Residence.house_id == house.id)).all():
        residence.committee_id = committee_id
        if residence.end_date is None:
            person = session.get(Person, residence.person_id)
            if person is not None:
                person.committee_id = committee_id
    for vehicle in session.scalars(select(Vehicle).where(Vehicle.house_id == house.id)).all():
        vehicle.committee_id = committee_id


def _sync_residence(session: Session, residence: Residence) -> None:
    house = _parent(session, residence, "house", "house_id", House)
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


def _enforce_rules(session: Session, flush_context, instances) -> None:
    changed = list(session.new) + list(session.dirty)
    # Order matters: blocks, then buildings, then houses, so what is copied below is already up to date.
    for obj in changed:
        if isinstance(obj, Block):
            _sync_block(session, obj)
    for obj in changed:
        if isinstance(obj, Building):
            _sync_building(session, obj)
    for obj in changed:
        if isinstance(obj, House):
            _sync_house(session, obj)
    for obj in changed:
        if isinstance(obj, Person):
            apply_identity(obj)
        elif isinstance(obj, Residence):
            _sync_residence(session, obj)
        elif isinstance(obj, Vehicle):
            _sync_vehicle(session, obj)


def committee_change(session: Session, obj) -> tuple[int, int] | None:
    """(old, new) committee when a pending write moves an existing block, building or house to another
    committee, else None. The views ask it before saving, to decide who may."""
    old = _old_committee(obj)
    if old is None:
        return None
    if isinstance(obj, House):
        building = _parent(session, obj, "building", "building_id", Building)
        new = _committee_of(building) if building is not None else None
    elif isinstance(obj, (Block, Building)):
        new = _committee_of(obj)
    else:
        return None
    return (old, new) if new is not None and new != old else None


def init_app(app) -> None:
    """Guard every write in every flush (session-wide; registered once however many apps are built)."""
    if not event.contains(Session, "before_flush", _enforce_rules):
        event.listen(Session, "before_flush", _enforce_rules)
