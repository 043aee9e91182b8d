"""The organisation: zones, residential committees, blocks, buildings and houses (以房管人、以人管房)."""
from __future__ import annotations

from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.domain.natural import KEY_LENGTH, natural_key


def _key_of(source: str):
    """The insert default of a natural sort key: the key of the row's ``source`` column. Runs for Core bulk
    inserts too (demo data, the importer); every ORM write of the text sets it too (the models' @validates)."""
    def default(context):
        return natural_key(context.get_current_parameters().get(source))
    return default


class Zone(Model):
    """片区人口管理服务点: one of the three zones, led by a zone leader."""

    __tablename__ = "zone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)

    committees: Mapped[list["Committee"]] = relationship(back_populates="zone", order_by="Committee.seq")

    def __repr__(self) -> str:
        return self.name


class Committee(Model):
    """居民区 / 居委: the unit everything is scoped by. ``seq`` is the row order of the monthly table."""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), nullable=False, index=True)
    key_area: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    zone: Mapped[Zone] = relationship(back_populates="committees", lazy="joined")

    def __repr__(self) -> str:
        return self.name


class Block(Model):
    """区块: a group of buildings looked after by one block leader."""

    __tablename__ = "block"
    __table_args__ = (UniqueConstraint("committee_id", "name", name="uq_block_committee_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)

    committee: Mapped[Committee] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"{self.committee.name} {self.name}" if self.committee else self.name


class Building(Model):
    """楼组: one building (or stairwell) with its building leader."""

    __tablename__ = "building"
    __table_args__ = (
        UniqueConstraint("committee_id", "name", name="uq_building_committee_name"),
        Index("ix_building_name_key", "name_key", "id"),
        Index("ix_building_committee_name_key", "committee_id", "name_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    block_id: Mapped[Optional[int]] = mapped_column(ForeignKey("block.id"), index=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    # natural_key(name): 1号楼 … 9号楼 before 10号楼 (app/domain/natural.py); the default order of lists and pickers.
    name_key: Mapped[str] = mapped_column(String(KEY_LENGTH), nullable=False, default=_key_of("name"))
    natural_order = {"name": "name_key"}  # lists ordered "by name" read the key (app/views/base.py)

    committee: Mapped[Committee] = relationship(lazy="joined")
    block: Mapped[Optional[Block]] = relationship(lazy="joined")

    @validates("name")
    def _name_keeps_its_key(self, _key, value):
        self.name_key = natural_key(value)
        return value

    def __repr__(self) -> str:
        return self.name


class House(Model):
    """房屋: a dwelling, the unit of verification. ``committee_id`` repeats the building's so that scoping a
    200,000-row list is one indexed column, not a join; it is always copied from the building on write."""

    __tablename__ = "house"
    __table_args__ = (
        UniqueConstraint("building_id", "room", name="uq_house_building_room"),
        Index("ix_house_committee_id_id", "committee_id", "id"),
        Index("ix_house_address_key", "address_key", "id"),
        Index("ix_house_committee_address_key", "committee_id", "address_key", "id"),
        Index("ix_house_building_room_key", "building_id", "room_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), nullable=False, index=True)
    room: Mapped[str] = mapped_column(String(32), nullable=False)
    address: Mapped[str] = mapped_column(String(255), nullable=False)
    # natural_key(room), natural_key(address) (app/domain/natural.py): the default order of rooms and addresses.
    room_key: Mapped[str] = mapped_column(String(KEY_LENGTH), nullable=False, default=_key_of("room"))
    address_key: Mapped[str] = mapped_column(String(KEY_LENGTH), nullable=False, default=_key_of("address"))
    natural_order = {"address": "address_key", "room": "room_key"}
    is_rental: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    key_area: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    committee: Mapped[Committee] = relationship(lazy="joined")
    building: Mapped[Building] = relationship(lazy="joined")

    @validates("room", "address")
    def _text_keeps_its_key(self, key, value):
        setattr(self, f"{key}_key", natural_key(value))
        return value

    def __repr__(self) -> str:
        return self.address

