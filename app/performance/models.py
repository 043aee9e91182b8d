"""酌情加分: points the street office adds to a community police officer's year for solid work (plan 六(二): 基础工作
扎实，考核优异的社区民警在评选"最佳社区民警"活动中酌情加分). The team's scores have no table: they are computed from the
records (app/performance/service.py)."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.models import PortalUser


class PoliceBonus(Model):
    """One entry of discretionary points for an officer's year, with its reason; written with an audit event."""

    __tablename__ = "police_bonus"
    __table_args__ = (Index("ix_police_bonus_year_officer", "year", "officer_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    officer_user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    points: Mapped[float] = mapped_column(Float, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(128), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    officer: Mapped[PortalUser] = relationship(lazy="joined")
