"""Tables of the change flow. Nothing here is ever deleted: a mistaken case is withdrawn with a reason.

Times are naive UTC datetimes (as everywhere else in the portal); deadlines are computed by
app.domain.deadlines on aware datetimes and stored back as naive UTC.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from app.domain.clock import utcnow  # noqa: F401  (naive UTC, as the columns hold)
from sqlalchemy.orm import Mapped, mapped_column, relationship

# The core classes the relationships below name (app.models imports no feature, so no cycle).
from app.models import Block, Committee, House, Person, PortalUser  # noqa: F401
from app.notifications.models import Notification  # noqa: F401  (moved there in issue 13; old imports keep working)

KIND_MOVE_IN = "move_in"
KIND_MOVE_OUT = "move_out"
KIND_DETAILS = "details"
KINDS = (KIND_MOVE_IN, KIND_MOVE_OUT, KIND_DETAILS)

SOURCES = ("report", "verification", "self_declaration", "window")
CITY_SYSTEMS = ("separated", "migrant")  # 户籍人户分离 system, 境内来沪人员 system

SELF_DECLARATION_REPORTER = "居民自主申报"




class ChangeCase(Model):
    """变动报告 and its way through the flow. ``committee_id`` is what app.access.scoping filters on."""

    __tablename__ = "change_case"
    __table_args__ = (
        Index("ix_change_case_committee_id_id", "committee_id", "id"),
        Index("ix_change_case_stage_committee", "stage", "committee_id"),
        Index("ix_change_case_reported_at", "reported_at"),
        # A volunteer's reports that were entered (app/volunteers: the year's points), by account or by name.
        Index("ix_change_case_reporter_fk_entered", "reported_by_fk", "entered_at"),
        Index("ix_change_case_reporter_name_entered", "reported_by_name", "entered_at"),
        CheckConstraint("kind IN ('move_in', 'move_out', 'details')", name="ck_change_case_kind"),
        CheckConstraint(
            "stage IN ('reported', 'form_handed_out', 'form_collected', 'awaiting_transfer', 'entered', 'cancelled', "
            "'closed', 'withdrawn')",
            name="ck_change_case_stage",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    house_id: Mapped[Optional[int]] = mapped_column(ForeignKey("house.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(24), nullable=False, default="report")
    people_note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    person_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"), index=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    reported_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    reported_by_name: Mapped[str] = mapped_column(String(128), nullable=False)
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Snapshot at report time: moving a house in or out of a key area later does not change this case's clock.
    key_area: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    stage: Mapped[str] = mapped_column(String(24), nullable=False, default="reported")
    handed_out_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    handed_out_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    handed_out_by_name: Mapped[Optional[str]] = mapped_column(String(128))
    collected_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    collected_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    collected_by_name: Mapped[Optional[str]] = mapped_column(String(128))
    # Entered (registration) or cancelled (核销) in the city system.
    entered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    entered_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    entered_by_name: Mapped[Optional[str]] = mapped_column(String(128))
    city_system: Mapped[Optional[str]] = mapped_column(String(16))
    entry_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    residence_id: Mapped[Optional[int]] = mapped_column(ForeignKey("residence.id"))
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    closed_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    closed_by_name: Mapped[Optional[str]] = mapped_column(String(128))
    withdrawn_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    withdrawn_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    withdrawn_by_name: Mapped[Optional[str]] = mapped_column(String(128))
    withdrawn_reason: Mapped[Optional[str]] = mapped_column(String(500))

    # The clock (naive UTC). entry_due is set at collection (key areas: at report).
    collection_due: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    entry_due: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # Who holds it: the block leader (collection) and the A/B social worker (entry).
    block_id: Mapped[Optional[int]] = mapped_column(ForeignKey("block.id"))
    assigned_worker_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), index=True)
    # Set by the daily check when it first sees the case overdue (and never cleared: it is history).
    collection_overdue_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    entry_overdue_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # One paper form = one submission: a second submission of the same token is refused.
    submission_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)

    committee: Mapped["Committee"] = relationship("Committee", lazy="joined")
    house: Mapped[Optional["House"]] = relationship("House", lazy="joined")
    person: Mapped[Optional["Person"]] = relationship("Person", lazy="select")

    def __repr__(self) -> str:
        return f"#{self.id}"


class ChangeCasePerson(Model):
    """The persons of one change case ("一对夫妻带一个孩子": one report, one form, several persons). Written when the
    case is entered or cancelled, all rows or none; ``position`` is the order they were typed in (1 = the person
    the case names in ``change_case.person_id``). Scoped through its case."""

    __tablename__ = "change_case_person"
    __table_args__ = (UniqueConstraint("case_id", "person_id", name="uq_change_case_person_case_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("change_case.id"), nullable=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    person: Mapped["Person"] = relationship("Person", lazy="joined")


ChangeCase.case_persons = relationship(ChangeCasePerson, order_by=ChangeCasePerson.position, lazy="select",
                                       viewonly=True)


TRANSFER_PENDING = "pending"
TRANSFER_CONFIRMED = "confirmed"
TRANSFER_REFUSED = "refused"
TRANSFER_WITHDRAWN = "withdrawn"
TRANSFER_STATUSES = (TRANSFER_PENDING, TRANSFER_CONFIRMED, TRANSFER_REFUSED, TRANSFER_WITHDRAWN)


class TransferRequest(Model):
    """迁入/迁出: a move-in entered by one committee (``to_committee_id``) of a person registered in another
    (``from_committee_id``; None when his last residence belongs to no committee: then the office decides). The
    releasing side confirms (its residence is ended and the new one opened, one transaction) or refuses with a
    reason (the case goes back to its committee). Scoped twice: the queue by ``from_committee_id``, the case by
    ``to_committee_id``; neither side reads the other's records through it."""

    __tablename__ = "transfer_request"
    __table_args__ = (
        Index("ix_transfer_request_from_status", "from_committee_id", "status"),
        Index("ix_transfer_request_case", "case_id"),
        CheckConstraint("status IN ('pending', 'confirmed', 'refused', 'withdrawn')",
                        name="ck_transfer_request_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("change_case.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    from_committee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("committee.id"))
    to_committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    to_house_id: Mapped[int] = mapped_column(ForeignKey("house.id"), nullable=False)
    # What the receiving side entered: the move-in date and the city system; applied on confirmation.
    entry_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    city_system: Mapped[Optional[str]] = mapped_column(String(16))
    category: Mapped[Optional[str]] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=TRANSFER_PENDING)
    requested_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    requested_by_name: Mapped[str] = mapped_column(String(128), nullable=False)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    decided_by_name: Mapped[Optional[str]] = mapped_column(String(128))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    reason: Mapped[Optional[str]] = mapped_column(String(500))
    ended_residence_id: Mapped[Optional[int]] = mapped_column(ForeignKey("residence.id"))
    new_residence_id: Mapped[Optional[int]] = mapped_column(ForeignKey("residence.id"))

    case: Mapped[Optional[ChangeCase]] = relationship(ChangeCase, lazy="select")
    person: Mapped["Person"] = relationship("Person", lazy="select")
    from_committee: Mapped[Optional["Committee"]] = relationship("Committee", foreign_keys=[from_committee_id],
                                                                 lazy="joined")
    to_committee: Mapped["Committee"] = relationship("Committee", foreign_keys=[to_committee_id], lazy="joined")

    def __repr__(self) -> str:
        return f"#{self.id}"


class EntryIdAttempt(Model):
    """One ID number typed at a case's entry step that was refused or is registered in another committee: what
    the attempt limits count (per case, per worker and day). The audit trail records every typed number too; this
    table only counts, and holds no number."""

    __tablename__ = "entry_id_attempt"
    __table_args__ = (Index("ix_entry_id_attempt_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("change_case.id"), nullable=False, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)


class CommitteeWorkers(Model):
    """AB角: a committee's A and B social worker, with who is away. One row per committee."""

    __tablename__ = "committee_workers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, unique=True)
    worker_a_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    worker_b_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    a_away: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    b_away: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    committee: Mapped["Committee"] = relationship("Committee", lazy="joined")


class Estate(Model):
    """小区 (a gated estate with its property company and guards) in a committee: the unit whose daily visitor
    log is expected. Not the same as a Block (a block leader's patch), so it has its own table. A guard may
    submit for the active estates of his committees (accounts carry committees, not estates)."""

    __tablename__ = "estate"
    __table_args__ = (UniqueConstraint("committee_id", "name", name="uq_estate_committee_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    # Only active estates are expected to submit a log every day.
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    committee: Mapped["Committee"] = relationship("Committee", lazy="joined")

    def __repr__(self) -> str:
        return self.name


class VisitorDay(Model):
    """One estate's log for one (Shanghai) day: exists once a guard submitted, even with no visitors."""

    __tablename__ = "visitor_day"
    __table_args__ = (
        UniqueConstraint("estate_id", "day", name="uq_visitor_day_estate_day"),
        Index("ix_visitor_day_committee_id_id", "committee_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id"), nullable=False)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    submitted_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    submitted_by_name: Mapped[str] = mapped_column(String(128), nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    estate: Mapped[Estate] = relationship(lazy="joined")
    committee: Mapped["Committee"] = relationship("Committee", lazy="joined")
    visitors: Mapped[list["Visitor"]] = relationship(back_populates="log_day", order_by="Visitor.id")


class Visitor(Model):
    """外来人员登记: one outside visitor. The ID number and phone are stored masked (only what a check needs)."""

    __tablename__ = "visitor"
    __table_args__ = (Index("ix_visitor_committee_id_id", "committee_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_day_id: Mapped[int] = mapped_column(ForeignKey("visitor_day.id"), nullable=False, index=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number_masked: Mapped[Optional[str]] = mapped_column(String(32))
    phone_masked: Mapped[Optional[str]] = mapped_column(String(32))
    house_id: Mapped[Optional[int]] = mapped_column(ForeignKey("house.id"))
    visited_note: Mapped[Optional[str]] = mapped_column(String(128))
    time_in: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    time_out: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_fk: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))

    log_day: Mapped[VisitorDay] = relationship(back_populates="visitors")
    house: Mapped[Optional["House"]] = relationship("House", lazy="joined")
    committee: Mapped["Committee"] = relationship("Committee", lazy="joined")


class BlockLeader(Model):
    """块长: who leads a block, so that a case "lands with the block leader of that house's block". The
    organisation tables have no leader column; this small table (one leader per block) belongs to the flow."""

    __tablename__ = "block_leader"

    block_id: Mapped[int] = mapped_column(ForeignKey("block.id"), primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)

    block = relationship("Block", lazy="joined")
    committee = relationship("Committee", lazy="joined")
    user = relationship("PortalUser", lazy="joined")
