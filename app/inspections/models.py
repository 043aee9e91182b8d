"""A finding of a spot inspection (飞行检查): a task for the inspected committee, due within the rule's days.

The inspection itself is ``app.monthly.models.SpotInspection`` (the monthly ranking and the year's evaluation read
its score); a finding belongs to the same committee, so scoping (app/access/scoping.py) covers it by ``committee_id``.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.organisation import Committee
from app.monthly.models import SpotInspection

STATE_OPEN = "open"
STATE_FIXED = "fixed"


class InspectionFinding(Model):
    __tablename__ = "inspection_finding"
    __table_args__ = (Index("ix_inspection_finding_committee_state", "committee_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("spot_inspection.id", ondelete="CASCADE"),
                                               nullable=False, index=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    text: Mapped[str] = mapped_column(String(500), nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=STATE_OPEN)
    fixed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    fixed_by: Mapped[Optional[str]] = mapped_column(String(128))
    fix_note: Mapped[Optional[str]] = mapped_column(String(500))

    committee: Mapped[Committee] = relationship(lazy="joined")
    inspection: Mapped[SpotInspection] = relationship(lazy="joined")

    def overdue_on(self, today: dt.date) -> bool:
        return self.state == STATE_OPEN and today > self.due_on
