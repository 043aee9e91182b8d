"""The volunteer register, the half-yearly visits (慰问) and the year's commendations. Scoped by ``committee_id``."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.models import Building, Committee


class Volunteer(Model):
    """A 平安志愿者 or 楼组长 of a committee. ``user_id``: his portal account, when he has one (his change reports
    are then matched by account; otherwise by his name within the committee)."""

    __tablename__ = "volunteer"
    __table_args__ = (Index("ix_volunteer_committee_name", "committee_id", "name"),
                      Index("ix_volunteer_phone", "phone"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(24), nullable=False)
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    building_id: Mapped[Optional[int]] = mapped_column(ForeignKey("building.id"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")

    committee: Mapped[Committee] = relationship(lazy="joined")
    building: Mapped[Optional[Building]] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return self.name


class VolunteerVisit(Model):
    """The 慰问 of one volunteer in one half-year: planned (a date), then recorded (when, who visited)."""

    __tablename__ = "volunteer_visit"
    __table_args__ = (UniqueConstraint("volunteer_id", "year", "half", name="uq_volunteer_visit_half"),
                      Index("ix_volunteer_visit_committee_year", "committee_id", "year"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), nullable=False)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    half: Mapped[int] = mapped_column(Integer, nullable=False)
    planned_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    visited_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    visitors: Mapped[Optional[str]] = mapped_column(String(200))
    note: Mapped[Optional[str]] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")

    volunteer: Mapped[Volunteer] = relationship()


class VolunteerCommendation(Model):
    """One volunteer commended at the year's safety meeting (年度平安大会), chosen by the office; the points are
    those of the ranking the office chose from."""

    __tablename__ = "volunteer_commendation"
    __table_args__ = (UniqueConstraint("volunteer_id", "year", name="uq_volunteer_commendation_year"),
                      Index("ix_volunteer_commendation_year", "year", "committee_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), nullable=False)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    chosen_by: Mapped[str] = mapped_column(String(128), nullable=False)
    chosen_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    volunteer: Mapped[Volunteer] = relationship(lazy="joined")
    committee: Mapped[Committee] = relationship(lazy="joined")
