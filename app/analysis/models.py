"""Tables of the analysis loop (issue 17): findings (each a task for a committee) and sampled verification.
``committee_id`` on every row is what app.access.scoping filters on. Nothing is deleted: a finding ends with an outcome."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.analysis import OPEN, STATUSES
from app.domain.clock import utcnow


class Finding(Model):
    """One gap a rule found in one record (house, person or vehicle), and the task it gives the committee."""

    __tablename__ = "analysis_finding"
    __table_args__ = (
        Index("ix_analysis_finding_committee_id_id", "committee_id", "id"),
        # The nightly run looks findings up by their subject.
        Index("ix_analysis_finding_subject", "rule", "subject_id", "status"),
        Index("ix_analysis_finding_status_committee", "status", "committee_id"),
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="ck_analysis_finding_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), nullable=False)
    subject_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # None: the record belongs to no committee (a person never registered anywhere): only the office sees it.
    committee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("committee.id"))
    fingerprint: Mapped[str] = mapped_column(String(32), nullable=False)
    detail: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=OPEN)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    handler_role: Mapped[str] = mapped_column(String(32), nullable=False)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    closed_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    reason: Mapped[Optional[str]] = mapped_column(String(500))
    change_case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("change_case.id"))

    committee = relationship("Committee", lazy="joined")

    def __repr__(self) -> str:
        return f"{self.rule} {self.subject_kind} {self.subject_id}"


class SampleDraw(Model):
    """A random sample of a committee's registered persons drawn by the office; the teams verify them and the
    portal reports the committee's register accuracy with its 95% Wilson interval."""

    __tablename__ = "analysis_sample_draw"
    __table_args__ = (Index("ix_analysis_sample_draw_committee_id_id", "committee_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    drawn_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    drawn_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    drawn_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    population: Mapped[int] = mapped_column(Integer, nullable=False)

    committee = relationship("Committee", lazy="joined")


class SampleItem(Model):
    """One sampled person; its result is the first verification record of that person on or after the draw."""

    __tablename__ = "analysis_sample_item"

    draw_id: Mapped[int] = mapped_column(ForeignKey("analysis_sample_draw.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)


class DashboardMonth(Model):
    """Derived (issue 17): one committee's month as the dashboard shows it, so that its first view reads a few
    hundred rows instead of counting the street live. Refreshed by the nightly analysis run, the office's button
    and `flask analysis refresh-dashboard` (app/analysis/dashboard.py refresh); never edited by hand, and emptied
    or rebuilt at will (``info["derived"]``: tests' per-table walks skip it).

    The month's own figures (changes reported, their timeliness, findings opened and closed, the approved rank)
    are rewritten for every month of the year at each refresh; the snapshot figures (registered persons by
    category, this month's checks, the year's coverage, live findings) are those of the refresh's day, kept on
    the month it fell in: the latest month of a year holds the dashboard's current view."""

    __tablename__ = "analysis_committee_month"
    __table_args__ = (
        Index("ix_analysis_committee_month_year_committee", "year", "committee_id"),
        {"info": {"derived": True}},
    )

    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the month's own figures
    changes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changes_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changes_on_time: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings_opened: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings_closed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings_month_overdue: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rank: Mapped[Optional[int]] = mapped_column(Integer)
    # the snapshot of the refresh's day
    persons_shanghai_household: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    persons_separated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    persons_migrant: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    checked: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    houses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    houses_seen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    registered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    persons_seen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings_overdue: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings_by_rule: Mapped[str] = mapped_column(String(1000), nullable=False, default="{}")  # JSON {rule: n}
    snapshot_on: Mapped[Optional[dt.date]] = mapped_column(Date)  # the day of the snapshot (None: never taken)
    refreshed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
