"""A special joint action (专项联勤联动) on a household that refuses collection or verification.

Stages: escalated (the committee's 联勤联动工作站 reports it to the community police) → applied (the police apply to
the subdistrict's 城运平台) → visited (the joint visit: who, when) → closed (outcome). Scoped by ``committee_id``.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.models.organisation import Committee

ESCALATED, APPLIED, VISITED, CLOSED = "escalated", "applied", "visited", "closed"
STAGES = (ESCALATED, APPLIED, VISITED, CLOSED)


class JointAction(Model):
    __tablename__ = "joint_action"
    __table_args__ = (Index("ix_joint_action_committee_stage", "committee_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    house_id: Mapped[Optional[int]] = mapped_column(ForeignKey("house.id"))
    # Where the refusal was met: a change case (collection) or a verification record; either may be empty.
    change_case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("change_case.id"))
    verification_record_id: Mapped[Optional[int]] = mapped_column(ForeignKey("verification_record.id"))
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    stage: Mapped[str] = mapped_column(String(16), nullable=False, default=ESCALATED)
    escalated_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    escalated_by: Mapped[str] = mapped_column(String(128), nullable=False)
    applied_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    applied_by: Mapped[Optional[str]] = mapped_column(String(128))
    platform_ref: Mapped[Optional[str]] = mapped_column(String(64))  # the 城运平台's number for the application
    visited_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    visitors: Mapped[Optional[str]] = mapped_column(String(500))
    outcome: Mapped[Optional[str]] = mapped_column(String(500))
    collected: Mapped[Optional[bool]] = mapped_column()
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    closed_by: Mapped[Optional[str]] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    committee: Mapped[Committee] = relationship(lazy="joined")
