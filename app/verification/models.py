"""Verification (核查): one row per person checked, the duty roster, cross-check assignments, self-declarations
and window applicants. ``committee_id`` on every row is what app.access.scoping filters on."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.changes.models import ChangeCase  # noqa: F401  (a record may come from a change case)
from app.domain.clock import utcnow  # noqa: F401  (naive UTC, as the columns hold)
from app.models import Committee, House, Person, PortalUser, Zone  # noqa: F401  (named by the relationships)
from app.domain.monthly_table import (
    CORRECT,
    CROSS_CHECK,
    MONTHLY_CHECK,
    SELF_DECLARED_CHECK,
    SHOULD_CANCEL,
    SHOULD_REGISTER,
    WINDOW_CHECK,
)

DAY = "day"
NIGHT = "night"
SHIFTS = (DAY, NIGHT)
KINDS = (MONTHLY_CHECK, CROSS_CHECK, SELF_DECLARED_CHECK, WINDOW_CHECK)
RESULTS = (CORRECT, SHOULD_REGISTER, SHOULD_CANCEL)




def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


verification_record_member = Table(
    "verification_record_member",
    Model.metadata,
    Column("record_id", Integer, ForeignKey("verification_record.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
)


class VerificationRecord(Model):
    """核查记录: one person checked at one house on one day. ``person_id`` is NULL for someone found there but not
    registered (应登未登): then ``found_name`` / ``found_id_number`` say who.

    The same person (or found ID number) cannot be marked twice on one day with the same kind: two partial unique
    indexes, so a double tap, a retry after a lost answer or two phones of one team never duplicate a mark."""

    __tablename__ = "verification_record"
    __table_args__ = (
        Index("ix_verification_record_month", "checked_on", "committee_id", "kind", "result", "person_id"),
        # Coverage this year: COUNT(DISTINCT house_id) / (person_id) per committee from the index alone.
        Index("ix_verification_record_cov_house", "committee_id", "checked_on", "house_id"),
        Index("ix_verification_record_cov_person", "committee_id", "checked_on", "person_id"),
        Index("ix_verification_record_house", "house_id", "checked_on"),
        Index("ix_verification_record_committee_id_id", "committee_id", "id"),
        # The monthly close's per-flush refresh of verification_latest: one person's records of one month.
        Index("ix_verification_record_committee_person_day", "committee_id", "person_id", "checked_on"),
        Index(
            "uq_verification_record_person_day_kind", "person_id", "checked_on", "kind", unique=True,
            sqlite_where=text("person_id IS NOT NULL"), postgresql_where=text("person_id IS NOT NULL"),
        ),
        Index(
            "uq_verification_record_found_day_kind", "found_id_number", "checked_on", "kind", unique=True,
            sqlite_where=text("found_id_number IS NOT NULL"),
            postgresql_where=text("found_id_number IS NOT NULL"),
        ),
        CheckConstraint(f"result IN ({_in(RESULTS)})", name="ck_verification_record_result"),
        CheckConstraint(f"kind IN ({_in(KINDS)})", name="ck_verification_record_kind"),
        CheckConstraint(f"shift IS NULL OR shift IN ({_in(SHIFTS)})", name="ck_verification_record_shift"),
        CheckConstraint("person_id IS NOT NULL OR found_id_number IS NOT NULL",
                        name="ck_verification_record_who"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_on: Mapped[dt.date] = mapped_column(Date, nullable=False)  # Shanghai local date
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)  # naive UTC
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    house_id: Mapped[Optional[int]] = mapped_column(ForeignKey("house.id"))
    person_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    found_name: Mapped[Optional[str]] = mapped_column(String(64))
    found_id_number: Mapped[Optional[str]] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default=MONTHLY_CHECK)
    shift: Mapped[Optional[str]] = mapped_column(String(8))
    police_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    recorded_by_fk: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    entered_into_pda: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                   server_default=text("false"))
    on_roster: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=text("true"))
    change_case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("change_case.id"))
    note: Mapped[Optional[str]] = mapped_column(String(255))

    committee = relationship("Committee", lazy="joined")
    house = relationship("House", lazy="select")
    person = relationship("Person", lazy="select")
    police_user = relationship("PortalUser", foreign_keys=[police_user_id], lazy="select")
    recorded_by = relationship("PortalUser", foreign_keys=[recorded_by_fk], lazy="select")
    members = relationship("PortalUser", secondary=verification_record_member, lazy="select")
    change_case = relationship("ChangeCase", lazy="select")

    @property
    def who(self) -> str:
        return self.person.name if self.person_id and self.person else (self.found_name or "")

    def __repr__(self) -> str:
        return f"{self.checked_on} {self.who} {self.result}"


roster_shift_member = Table(
    "roster_shift_member",
    Model.metadata,
    Column("shift_id", Integer, ForeignKey("roster_shift.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
)


class RosterShift(Model):
    """核查排班: one zone's day or night group on one verification day, with the police officer leading it."""

    __tablename__ = "roster_shift"
    __table_args__ = (
        UniqueConstraint("zone_id", "day", "shift", name="uq_roster_shift_zone_day_shift"),
        CheckConstraint(f"shift IN ({_in(SHIFTS)})", name="ck_roster_shift_shift"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), nullable=False)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    shift: Mapped[str] = mapped_column(String(8), nullable=False)
    police_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))

    zone = relationship("Zone", lazy="joined")
    police_user = relationship("PortalUser", foreign_keys=[police_user_id], lazy="joined")
    members = relationship("PortalUser", secondary=roster_shift_member, lazy="selectin")

    def __repr__(self) -> str:
        return f"{self.zone} {self.day} {self.shift}"


class CrossCheckAssignment(Model):
    """交叉核查: a team member sent to a committee of another zone for one cross-check month."""

    __tablename__ = "cross_check_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "committee_id", "year", "month", name="uq_cross_check_assignment"),
        Index("ix_cross_check_assignment_user_month", "user_id", "year", "month"),
        Index("ix_cross_check_assignment_committee_id_id", "committee_id", "id"),
        CheckConstraint("month BETWEEN 1 AND 12", name="ck_cross_check_assignment_month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    assigned_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    user = relationship("PortalUser", foreign_keys=[user_id], lazy="joined")
    committee = relationship("Committee", lazy="joined")

    def __repr__(self) -> str:
        return f"{self.user} → {self.committee} {self.year}-{self.month:02d}"


DECLARATION_PENDING = "pending"
DECLARATION_MATCHED = "matched"
DECLARATION_CANCEL_CASE = "cancel_case"
DECLARATION_REGISTER_CASE = "register_case"
# The declared number is registered in a committee the processing worker does not see: the declaration went to
# that committee's workstation (a new row, forwarded_from_id pointing here) and nothing else was read.
DECLARATION_FORWARDED = "forwarded"
DECLARATION_STATUSES = (DECLARATION_PENDING, DECLARATION_MATCHED, DECLARATION_CANCEL_CASE,
                        DECLARATION_REGISTER_CASE, DECLARATION_FORWARDED)


class SelfDeclaration(Model):
    """自主申报: what a resident declared on the public QR page, queued at the committee's workstation.
    Only what the check needs is kept: no IP address, no phone, nothing about other residents."""

    __tablename__ = "self_declaration"
    __table_args__ = (
        Index("ix_self_declaration_committee_id_id", "committee_id", "id"),
        Index("ix_self_declaration_house_created", "house_id", "created_at"),
        Index("ix_self_declaration_address_created", "address_key", "created_at"),
        CheckConstraint(f"status IN ({_in(DECLARATION_STATUSES)})", name="ck_self_declaration_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    house_id: Mapped[Optional[int]] = mapped_column(ForeignKey("house.id"))
    address: Mapped[str] = mapped_column(String(255), nullable=False)
    # Normalised address (house id or the typed address, whitespace removed): what the flood limit counts on.
    address_key: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number: Mapped[str] = mapped_column(String(32), nullable=False)
    move_in_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DECLARATION_PENDING)
    processed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    processed_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    verification_record_id: Mapped[Optional[int]] = mapped_column(ForeignKey("verification_record.id"))
    change_case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("change_case.id"))
    forwarded_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("self_declaration.id"))

    committee = relationship("Committee", lazy="joined")
    house = relationship("House", lazy="select")

    def __repr__(self) -> str:
        return f"{self.name} @ {self.address}"


WINDOW_PENDING = "pending"
WINDOW_CHECKED = "checked"


class WindowApplicant(Model):
    """窗口个案: someone who applied for a residence permit at the service centre, to be verified at home."""

    __tablename__ = "window_applicant"
    __table_args__ = (
        Index("ix_window_applicant_committee_id_id", "committee_id", "id"),
        CheckConstraint(f"status IN ('{WINDOW_PENDING}', '{WINDOW_CHECKED}')", name="ck_window_applicant_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    house_id: Mapped[Optional[int]] = mapped_column(ForeignKey("house.id"))
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number: Mapped[str] = mapped_column(String(32), nullable=False)
    address: Mapped[str] = mapped_column(String(255), nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    imported_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=WINDOW_PENDING)
    verification_record_id: Mapped[Optional[int]] = mapped_column(ForeignKey("verification_record.id"))

    committee = relationship("Committee", lazy="joined")
    house = relationship("House", lazy="select")

    def __repr__(self) -> str:
        return f"{self.name} {self.address}"


class VerificationHouseYear(Model):
    """A house verified at least once in a year (first visit kept): coverage counts these rows per committee
    instead of COUNT(DISTINCT) over a year of records. Maintained by the flush hook below (ORM writes) and by
    ``rebuild_coverage`` (bulk loads)."""

    __tablename__ = "verification_house_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("house.id"), primary_key=True)


class VerificationPersonYear(Model):
    """A registered person verified at least once in a year in a committee (see VerificationHouseYear)."""

    __tablename__ = "verification_person_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)


def _insert_ignore(connection, table, rows):
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    connection.execute(dialect_insert(table).on_conflict_do_nothing(), rows)


def rebuild_coverage(connection) -> None:
    """Fill the coverage tables from the records (after a Core bulk insert); idempotent."""
    from sqlalchemy import extract, select

    vr = VerificationRecord.__table__
    year = extract("year", vr.c.checked_on)
    for table, column in ((VerificationHouseYear.__table__, vr.c.house_id),
                          (VerificationPersonYear.__table__, vr.c.person_id)):
        name = column.name
        if connection.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        query = select(year.label("year"), vr.c.committee_id, column).where(column.is_not(None)).distinct()
        connection.execute(dialect_insert(table).from_select(["year", "committee_id", name], query)
                           .on_conflict_do_nothing())
