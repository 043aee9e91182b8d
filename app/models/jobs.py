"""The last run of each scheduled job, so /health can show a scheduler that stopped (issue 13 item 3)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


class JobRun(Model):
    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # running / ok / error
    error: Mapped[Optional[str]] = mapped_column(String(255))
