"""Trainings (per zone) and meetings (per committees, or street-wide) with their decisions and tasks.

Scoping: a training belongs to a zone (seen by whoever sees one of the zone's committees); a meeting to the
committees in ``meeting_committee`` (a 领导小组 meeting has none: street-wide, seen by the all-seeing roles only);
a decision's task to its committee (``committee_id``) or its person (``assignee_user_id``).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.models import Committee, Zone


class Training(Model):
    __tablename__ = "training"
    __table_args__ = (Index("ix_training_zone_held_on", "zone_id", "held_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), nullable=False)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    topic: Mapped[str] = mapped_column(String(200), nullable=False)
    place: Mapped[Optional[str]] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    zone: Mapped[Zone] = relationship(lazy="joined")
    attendees: Mapped[list["TrainingAttendee"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    materials: Mapped[list["TrainingMaterial"]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class TrainingAttendee(Model):
    __tablename__ = "training_attendee"

    training_id: Mapped[int] = mapped_column(ForeignKey("training.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), primary_key=True)
    # The name as it was on the day (an account may be renamed or removed later).
    name: Mapped[str] = mapped_column(String(128), nullable=False)


class TrainingMaterial(Model):
    """An uploaded file (slides, handouts), kept under DOCUMENTS_DIR/materials like a document's file."""

    __tablename__ = "training_material"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    file_path: Mapped[str] = mapped_column(String(255), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Meeting(Model):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_kind_held_on", "kind", "held_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    # The 大区块 (its 区块工作理事会) of a joint meeting.
    block_name: Mapped[Optional[str]] = mapped_column(String(100))
    # The quarter a quarterly review meeting reviews.
    year: Mapped[Optional[int]] = mapped_column(Integer)
    quarter: Mapped[Optional[int]] = mapped_column(Integer)
    attendance: Mapped[str] = mapped_column(String(1000), nullable=False)  # who came, as written down
    minutes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    committees: Mapped[list["MeetingCommittee"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    decisions: Mapped[list["MeetingDecision"]] = relationship(back_populates="meeting", cascade="all, delete-orphan", lazy="selectin",
                                                              order_by="MeetingDecision.id")

    @property
    def committee_ids(self) -> list[int]:
        return [c.committee_id for c in self.committees]


class MeetingCommittee(Model):
    __tablename__ = "meeting_committee"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), primary_key=True, index=True)

    committee: Mapped[Committee] = relationship(lazy="joined")


class MeetingDecision(Model):
    """A decision in the minutes; with an assignee and a due date it is a task (done when its assignee says so)."""

    __tablename__ = "meeting_decision"
    __table_args__ = (Index("ix_meeting_decision_assignee_open", "assignee_user_id", "done_at"),
                      Index("ix_meeting_decision_committee_open", "committee_id", "done_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    text: Mapped[str] = mapped_column(String(500), nullable=False)
    # The task: a committee's (its director and social workers act) or one person's.
    committee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("committee.id"))
    assignee_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    assignee_name: Mapped[Optional[str]] = mapped_column(String(128))
    due_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    done_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    done_by: Mapped[Optional[str]] = mapped_column(String(128))
    done_note: Mapped[Optional[str]] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
    committee: Mapped[Optional[Committee]] = relationship(lazy="joined")

    @property
    def is_task(self) -> bool:
        return self.due_on is not None and (self.committee_id is not None or self.assignee_user_id is not None)
