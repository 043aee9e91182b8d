"""A requested document: who asked, when, for what (kind + committee + parameters), its job state and its file.

The row is the job: it is written before the task is queued, the task moves it through
``queued → rendering → done | failed`` and the file is kept, so a document is fetched again without re-rendering.
``committee_id`` is what app.access.scoping filters on; NULL means a street-wide document (visible only to users who see
every committee).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from app.domain.clock import utcnow  # noqa: F401  (naive UTC, as the columns hold)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models import Committee  # noqa: F401  (named by the relationship; app.models imports no feature)

STATE_QUEUED = "queued"
STATE_RENDERING = "rendering"
STATE_DONE = "done"
STATE_FAILED = "failed"
STATES = (STATE_QUEUED, STATE_RENDERING, STATE_DONE, STATE_FAILED)
UNFINISHED_STATES = (STATE_QUEUED, STATE_RENDERING)




class Document(Model):
    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_committee_id_id", "committee_id", "id"),
        Index("ix_document_state_requested_at", "state", "requested_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    committee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("committee.id"))
    params_json: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    # The requesting user: the id for scoping/actor checks, the name as it was when asked (no ORM relationship to
    # the user class, which the security manager may subclass: loading ab_user rows through two mappers in one
    # session would confuse the identity map).
    requested_by_fk: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    requested_by: Mapped[str] = mapped_column(String(128), nullable=False)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=STATE_QUEUED)
    # Why it failed: a code the views translate (see app.documents.service.failure_reason) + a technical detail.
    error_code: Mapped[Optional[str]] = mapped_column(String(32))
    error_detail: Mapped[Optional[str]] = mapped_column(Text)
    task_id: Mapped[Optional[str]] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # Path relative to DOCUMENTS_DIR, set only once the complete file is in place.
    file_path: Mapped[Optional[str]] = mapped_column(String(255))
    size_bytes: Mapped[Optional[int]] = mapped_column(Integer)

    committee: Mapped[Optional["Committee"]] = relationship("Committee", lazy="joined")

    @property
    def params(self) -> dict:
        return json.loads(self.params_json or "{}")

    @params.setter
    def params(self, value: dict) -> None:
        self.params_json = json.dumps(value, ensure_ascii=False, sort_keys=True)

    # -- data for the list/show screens (FAB reads columns by name; the views' formatters turn these into badges,
    # links and sentences, so the model knows no view) ----------------------------------------------------------
    def state_display(self) -> str:
        return self.state

    def failure(self) -> Optional[tuple[Optional[str], str]]:
        """(error code, detail) of a failed job, else None."""
        return (self.error_code, self.error_detail or "") if self.state == STATE_FAILED else None

    def size_display(self) -> str:
        if not self.size_bytes:
            return ""
        return f"{self.size_bytes / 1024:.0f} KB" if self.size_bytes >= 1024 else f"{self.size_bytes} B"

    def download(self) -> Optional[int]:
        """The id to download by, once the file is complete."""
        return self.id if self.state == STATE_DONE and self.file_path else None

    def __repr__(self) -> str:
        return self.title
