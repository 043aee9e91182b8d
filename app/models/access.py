"""Who a user account is for: FAB's user and role, extended with the zone and committees a user works in."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.organisation import Committee, Zone

user_committee = Table(
    "ab_user_committee",
    Model.metadata,
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Column("committee_id", Integer, ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True),
)


class PortalUser(User):
    """An account with its area: a zone (zone leaders, team members) or committees (everyone working in a
    residential committee). Street office, police station and admin need neither: they see everything.

    Failed sign-ins never deactivate an account (anyone could lock anyone out): they lead to temporary locks kept
    in ``LoginLock``."""

    __tablename__ = "ab_user"

    zone_id: Mapped[Optional[int]] = mapped_column(ForeignKey("zone.id"), nullable=True)

    zone: Mapped[Optional[Zone]] = relationship(lazy="joined")
    committees: Mapped[list[Committee]] = relationship(secondary=user_committee, lazy="selectin",
                                                       order_by=Committee.seq)



class LoginLock(Model):
    """Failed sign-ins of one account name or one client address, and the temporary lock they led to
    (app/access/login_throttle.py). Keyed by the typed name, not the user id, so an unknown name locks like a
    known one and a lock does not tell whether an account exists.

    ``unseen`` counts the failures the account's owner has not been told about yet (shown at the next sign-in)."""

    __tablename__ = "login_lock"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_login_lock_kind_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # "account" or "address"
    key: Mapped[str] = mapped_column(String(256), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unseen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failure_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True)
    last_address: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True, index=True)
