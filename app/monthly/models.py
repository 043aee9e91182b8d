"""The monthly close (issue 7): what the office and the zones record around the monthly table and ranking.

- ``VerificationLatest``: the month's latest verification per (committee, person), kept up to date on every ORM
  flush of ``verification_record`` (app/monthly/hooks.py) and rebuilt set-wise after bulk loads
  (``app.monthly.table.rebuild_latest``). The monthly table is a GROUP BY over it: one row per person counted,
  not per record, through a covering index (month, committee_id, result).
- ``MonthClose``: one row per month: drafted → approved; the approved snapshot (table, ranking, rules) as JSON.
- ``ZoneSubmission``: a zone leader's submission of the month for the zone's committees (on time or late).
- ``MonthUnlock``: an approved month reopened for one committee, with a reason (audited); closed again later.
- ``RankingSetting``: office overrides of ``Rules`` fields (weights …) applying to months not yet approved.
- ``SpotInspection`` (飞行检查), ``CrimeLateEntry`` (−5 each), ``RankingComment``: the office's inputs.
- ``Talk`` (约谈): one rung of a ladder, with its participants, date, place, reason and outcome. Talks are
  recomputed from the year's approved months (service.recompute_ladders); one that no longer holds is kept,
  marked superseded with the reason, and its notice is withdrawn.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow  # noqa: F401  (naive UTC, as the columns hold)
from app.models.organisation import Committee, Zone




STATE_DRAFT = "draft"
STATE_APPROVED = "approved"

TARGET_COMMITTEE = "committee"
TARGET_POLICE = "police"
TARGET_MEMBER = "member"
TARGETS = (TARGET_COMMITTEE, TARGET_POLICE, TARGET_MEMBER)
# A member talk that comes from a spot inspection (工作不力), not from a ladder: recomputing ladders leaves it be.
RUNG_SPOT_INSPECTION = "spot_inspection"


class VerificationLatest(Model):
    """The record that counts for (month, committee, person); someone found unregistered is keyed by the
    normalised ID number (``found_key``), and a record with neither counts on its own (app/monthly/table.py).
    ``month`` is YYYYMM of the local date ``checked_on``."""

    __tablename__ = "verification_latest"
    __table_args__ = (
        UniqueConstraint("month", "committee_id", "person_id", name="uq_verification_latest_person"),
        Index("ix_verification_latest_month_committee_result", "month", "committee_id", "result"),
    )

    record_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    committee_id: Mapped[int] = mapped_column(Integer, nullable=False)
    person_id: Mapped[Optional[int]] = mapped_column(Integer)
    found_key: Mapped[Optional[str]] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(20), nullable=False)


class MonthClose(Model):
    __tablename__ = "month_close"
    __table_args__ = (UniqueConstraint("year", "month", name="uq_month_close_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=STATE_DRAFT)
    drafted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    approved_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    approved_by: Mapped[Optional[str]] = mapped_column(String(128))
    # The approved snapshot: MonthlyTable.to_json_dict(), the ranking (committees and members), the rules used.
    snapshot_json: Mapped[Optional[str]] = mapped_column(Text)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def snapshot(self) -> Optional[dict]:
        return json.loads(self.snapshot_json) if self.snapshot_json else None

    @snapshot.setter
    def snapshot(self, value: Optional[dict]) -> None:
        self.snapshot_json = None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


class ZoneSubmission(Model):
    __tablename__ = "month_zone_submission"
    __table_args__ = (UniqueConstraint("year", "month", "zone_id", name="uq_month_zone_submission"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    submitted_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    submitted_by: Mapped[str] = mapped_column(String(128), nullable=False)
    on_time: Mapped[bool] = mapped_column(Boolean, nullable=False)
    note: Mapped[Optional[str]] = mapped_column(String(500))

    zone: Mapped[Zone] = relationship(lazy="joined")


class MonthUnlock(Model):
    """An approved month reopened for one committee's verification records."""

    __tablename__ = "month_unlock"
    __table_args__ = (Index("ix_month_unlock_lookup", "year", "month", "committee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(128), nullable=False)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    committee: Mapped[Committee] = relationship(lazy="joined")


class RankingSetting(Model):
    """One overridden Rules field (e.g. weight_quantity = 40)."""

    __tablename__ = "ranking_setting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")


class SpotInspection(Model):
    """飞行检查: a score 0–100 for a committee in a month (several in a month are averaged)."""

    __tablename__ = "spot_inspection"
    __table_args__ = (Index("ix_spot_inspection_month", "year", "month", "committee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    inspected_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    inspector: Mapped[Optional[str]] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float, nullable=False)
    note: Mapped[Optional[str]] = mapped_column(String(500))
    # Recorded with the checklist (app/inspections, issue 16): who inspected (office / police / patrol), which
    # unit (the committee's team or its service point), the items' points as JSON, and the team member found
    # working badly (工作不力), who gets a talk. NULL on rows entered as a bare score.
    body: Mapped[Optional[str]] = mapped_column(String(16))
    unit: Mapped[Optional[str]] = mapped_column(String(16))
    checklist_json: Mapped[Optional[str]] = mapped_column(Text)
    weak_member_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    recorded_by: Mapped[Optional[str]] = mapped_column(String(128))

    committee: Mapped[Committee] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"{self.committee.name if self.committee else ''} {self.year}-{self.month:02d} {self.score}"


class CrimeLateEntry(Model):
    """A crime-related person or lead the committee did not enter in time (−5 points each by default)."""

    __tablename__ = "crime_late_entry"
    __table_args__ = (Index("ix_crime_late_entry_month", "year", "month", "committee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    description: Mapped[str] = mapped_column(String(500), nullable=False)
    serious_violent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # 八类严重暴力案件

    committee: Mapped[Committee] = relationship(lazy="joined")


class RankingComment(Model):
    """The office's short comment on a committee's month, printed in the ranking bulletin."""

    __tablename__ = "ranking_comment"
    __table_args__ = (UniqueConstraint("year", "month", "committee_id", name="uq_ranking_comment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(String(500), nullable=False)

    committee: Mapped[Committee] = relationship(lazy="joined")


class Talk(Model):
    """约谈: one rung of a ladder (committee, its community police, or a team member), for one approved month."""

    __tablename__ = "talk"
    __table_args__ = (
        # Several talks per month and target: committees tied for last, each of their police officers.
        Index("ix_talk_year_month_target", "year", "month", "target"),
        Index("ix_talk_committee_year", "committee_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    target: Mapped[str] = mapped_column(String(16), nullable=False)  # committee / police / member
    # The committee placed last (also on its police's talk); NULL on a team member's talk.
    committee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("committee.id"))
    member_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    member_name: Mapped[Optional[str]] = mapped_column(String(128))
    # The community police officer on a police talk (NULL when the committee had no officer on record).
    police_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    times_last: Mapped[int] = mapped_column(Integer, nullable=False)  # this year, this one included
    rung: Mapped[int] = mapped_column(Integer, nullable=False)
    rung_code: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # 约谈 / 提醒谈话 / 通报批评 (printed)
    who_talks: Mapped[str] = mapped_column(String(128), nullable=False)
    to_whom: Mapped[str] = mapped_column(String(128), nullable=False)
    participants: Mapped[Optional[str]] = mapped_column(String(500))
    talk_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    place: Mapped[Optional[str]] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    outcome: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Set when a later approval, unlock or correction means this talk no longer holds; its notice is withdrawn.
    superseded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    superseded_reason: Mapped[Optional[str]] = mapped_column(String(500))

    committee: Mapped[Optional[Committee]] = relationship(lazy="joined")

    @property
    def superseded(self) -> bool:
        return self.superseded_at is not None

    @property
    def month_key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"{self.month_key} {self.target} {self.rung}"


class YearClose(Model):
    """The year's evaluation (年度评先), frozen when the office approves the year: the approved snapshot is what the
    page, the PDF and the Excel show until the office unlocks it with a reason (audited)."""

    __tablename__ = "year_close"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=STATE_DRAFT)
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    approved_by: Mapped[Optional[str]] = mapped_column(String(128))
    snapshot_json: Mapped[Optional[str]] = mapped_column(Text)
    unlocked_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    unlocked_by: Mapped[Optional[str]] = mapped_column(String(128))
    unlock_reason: Mapped[Optional[str]] = mapped_column(String(500))

    @property
    def snapshot(self) -> Optional[dict]:
        return json.loads(self.snapshot_json) if self.snapshot_json else None


class BulletinNote(Model):
    """The office's own text in a bulletin: 本月工作重点提示 (period "month", number 1-12) in the monthly ranking
    bulletin, 重点工作布置 (period "quarter", number 1-4) in the quarterly one."""

    __tablename__ = "bulletin_note"
    __table_args__ = (UniqueConstraint("year", "period", "number", name="uq_bulletin_note_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(String(1000), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
