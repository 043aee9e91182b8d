"""Leads, their rewards, the criticisms (通报批评) and the accountability records (责任追究, 一票否优)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.models import Committee, House, Person
from app.monthly.models import CrimeLateEntry

LEAD_OPEN = "open"
LEAD_CONFIRMED = "confirmed"
LEAD_UNCONFIRMED = "unconfirmed"
LEAD_STATES = (LEAD_OPEN, LEAD_CONFIRMED, LEAD_UNCONFIRMED)

CRITICISM_LEAD_OVERDUE = "lead_overdue"  # a lead the police did not verify in time
CRITICISM_LATE_ENTRY = "late_entry"  # a crime-related person or lead the committee did not enter in time


class CrimeLead(Model):
    """A lead about a person or a house, reported by someone, verified by the police by ``due_at``."""

    __tablename__ = "crime_lead"
    __table_args__ = (Index("ix_crime_lead_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    person_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    house_id: Mapped[Optional[int]] = mapped_column(ForeignKey("house.id"))
    summary: Mapped[str] = mapped_column(String(500), nullable=False)
    reporter_name: Mapped[str] = mapped_column(String(128), nullable=False)
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=LEAD_OPEN)
    verified_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    verified_by: Mapped[Optional[str]] = mapped_column(String(128))
    verification_note: Mapped[Optional[str]] = mapped_column(String(500))

    committee: Mapped[Committee] = relationship(lazy="joined")
    person: Mapped[Optional[Person]] = relationship()
    house: Mapped[Optional[House]] = relationship()

    def __repr__(self) -> str:
        return self.summary


class CrimeReward(Model):
    """The reward entry a confirmed lead earns its reporter (按上级规定给予奖励); one per lead."""

    __tablename__ = "crime_reward"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("crime_lead.id"), nullable=False, unique=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    reporter_name: Mapped[str] = mapped_column(String(128), nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")

    committee: Mapped[Committee] = relationship(lazy="joined")
    lead: Mapped[CrimeLead] = relationship()


class CrimeCriticism(Model):
    """A 通报批评: of a committee for a late entry, or of the police for a lead not verified in time."""

    __tablename__ = "crime_criticism"
    __table_args__ = (Index("ix_crime_criticism_year", "year", "committee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    lead_id: Mapped[Optional[int]] = mapped_column(ForeignKey("crime_lead.id"), unique=True)
    late_entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("crime_late_entry.id", ondelete="CASCADE"),
                                                         unique=True)
    to_whom: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    committee: Mapped[Committee] = relationship(lazy="joined")
    late_entry: Mapped[Optional[CrimeLateEntry]] = relationship()
    lead: Mapped[Optional[CrimeLead]] = relationship()

    def __repr__(self) -> str:
        return self.reason


class CrimeAccountability(Model):
    """责任追究 for a late entry of one of the eight serious violent crimes: the committee, and the people named
    here, are vetoed from the year's awards (一票否优)."""

    __tablename__ = "crime_accountability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    late_entry_id: Mapped[int] = mapped_column(ForeignKey("crime_late_entry.id", ondelete="CASCADE"),
                                               nullable=False, unique=True)
    # Who is held responsible, as the office names them (、-separated); each is vetoed too.
    responsible: Mapped[Optional[str]] = mapped_column(String(500))
    outcome: Mapped[Optional[str]] = mapped_column(String(500))
    vetoed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    committee: Mapped[Committee] = relationship(lazy="joined")
    late_entry: Mapped[CrimeLateEntry] = relationship()

    def responsible_names(self) -> list[str]:
        import re

        return [n.strip() for n in re.split(r"[、,，;；\s]+", self.responsible or "") if n.strip()]
