"""Who a user account is for: FAB's user and role, extended with the zone and committees a user works in."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, DateTime, ForeignKey, Integer, Table
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

    ``locked_at`` is set after too many failed sign-ins (app/security.py); only an admin clears it."""

    __tablename__ = "ab_user"

    zone_id: Mapped[Optional[int]] = mapped_column(ForeignKey("zone.id"), nullable=True)
    locked_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True)

    zone: Mapped[Optional[Zone]] = relationship(lazy="joined")
    committees: Mapped[list[Committee]] = relationship(secondary=user_committee, lazy="selectin",
                                                       order_by=Committee.seq)

