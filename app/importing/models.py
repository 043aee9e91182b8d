"""Import jobs (one uploaded register file, checked then imported) and the review queue of possible duplicates."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models import Committee  # noqa: F401  (named by the relationship; app.models imports no feature)

JOB_QUEUED = "queued"
JOB_CHECKING = "checking"
JOB_CHECKED = "checked"
JOB_IMPORTING = "importing"
JOB_DONE = "done"
JOB_FAILED = "failed"
JOB_RUNNING = (JOB_QUEUED, JOB_CHECKING, JOB_IMPORTING)

REVIEW_PENDING = "pending"
REVIEW_MERGED = "merged"
REVIEW_APART = "kept_apart"
REVIEW_SAME_NAME_BIRTH = "same_name_birth"
REVIEW_UPGRADED_15 = "upgraded_15"


class ImportJob(Model):
    """One uploaded file. The page runs the check and then the import as Celery jobs; ``rows_done``/``rows_total``
    is the progress bar, ``summary`` the JSON the CLI prints, ``errors`` the first bad rows (the full list is
    rebuilt from the stored file on download)."""

    __tablename__ = "import_job"
    __table_args__ = (Index("ix_import_job_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_path: Mapped[str] = mapped_column(String(500), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    skip_invalid: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=JOB_QUEUED)
    rows_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_total: Mapped[Optional[int]] = mapped_column(Integer)
    summary: Mapped[Optional[dict]] = mapped_column(JSON)
    errors: Mapped[Optional[list]] = mapped_column(JSON)
    message: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)


class ImportReview(Model):
    """A row held back as a possible duplicate of ``person_id``: same name and birth date with another ID number,
    or a 15-digit number whose 18-digit form is already registered. Someone merges (the row updates that person)
    or keeps apart (the row becomes a new person); both are audited."""

    __tablename__ = "import_review"
    __table_args__ = (Index("ix_import_review_committee_state", "committee_id", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("import_job.id"), index=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(24), nullable=False)
    id_number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    row: Mapped[dict] = mapped_column(JSON, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=REVIEW_PENDING)
    decided_by: Mapped[Optional[int]] = mapped_column(Integer)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)

    committee: Mapped["Committee"] = relationship("Committee", lazy="joined")
