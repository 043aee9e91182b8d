"""Requesting, rendering and serving documents — the logic behind the views and the Celery tasks.

Services never commit: each step of a job changes its state and flushes; app.documents.jobs runs the steps, each
its own unit of work, so other processes (the worker, the polling page) see every state as it is reached.

No ``g.user`` here: every function takes the acting user explicitly (the web views pass ``g.user``, tasks load the
requesting user by id), and scoping goes through app.access.scoping (``visible_committee_ids`` / ``scoped_query``).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from app.access import scoping
from app.documents import registry
from app.documents.models import (
    STATE_DONE,
    STATE_FAILED,
    STATE_QUEUED,
    STATE_RENDERING,
    UNFINISHED_STATES,
    Document,
    utcnow,
)
from app.documents.registry import KINDS, DocumentKind, register_kind  # noqa: F401  (KINDS: the registry)
from app.errors import UserFacingError
from app.access.users import display_name
from app.extensions import db
from app.models import Block, Building, Committee, House, Residence
from app.domain import clock, periods
from app.settings import current_rules

log = logging.getLogger(__name__)

# error codes stored on a failed document; failure_reason() turns them into a sentence in the reader's language
BROKER_UNAVAILABLE = "broker_unavailable"
TEMPLATE_ERROR = "template"
MISSING_GLYPH = "missing_glyph"
OUT_OF_SCOPE = "scope"
TIMEOUT = "timeout"
TOO_MANY_ATTEMPTS = "attempts"
STALE = "stale"
INTERNAL = "internal"


class DocumentRefused(UserFacingError):
    """The user may not request this document (unknown kind, or data outside the user's scope)."""


# --------------------------------------------------------------------------------------------------------------
# Kinds of document: app.documents.registry (each feature registers its own from its init_app)
# --------------------------------------------------------------------------------------------------------------

def _register_title(committee: Optional[Committee]) -> str:
    if committee is None:
        return _("Population registration by residential committee (whole subdistrict)")
    return _("Population registration of %(committee)s", committee=committee.name)


def population_register_context(document: Document) -> dict:
    """Context of reports/population_register.html: per building (one committee) or per committee (street-wide)
    counts of houses and of persons with an active residence."""
    today = clock.local_today(current_rules())
    active = select(House.building_id.label("building_id"), func.count(distinct(Residence.person_id)).label("n"))
    active = active.join(House, Residence.house_id == House.id).where(Residence.end_date.is_(None))
    houses = select(House.building_id.label("building_id"), func.count(House.id).label("n"))
    if document.committee_id is not None:
        houses_sq = houses.where(House.committee_id == document.committee_id).group_by(House.building_id).subquery()
        persons_sq = (
            active.where(House.committee_id == document.committee_id).group_by(House.building_id).subquery()
        )
        rows = db.session.execute(
            select(Block.name, Building.name, func.coalesce(houses_sq.c.n, 0), func.coalesce(persons_sq.c.n, 0))
            .select_from(Building)
            .outerjoin(Block, Building.block_id == Block.id)
            .outerjoin(houses_sq, houses_sq.c.building_id == Building.id)
            .outerjoin(persons_sq, persons_sq.c.building_id == Building.id)
            .where(Building.committee_id == document.committee_id)
            .order_by(Block.name, Building.name_key, Building.id)
        ).all()
        committee = db.session.get(Committee, document.committee_id)
        return {
            "street_wide": False,
            "committee": committee.name,
            "zone": committee.zone.name if committee.zone else "",
            "rows": [
                {"block": block or "", "name": name, "houses": int(h), "persons": int(p)}
                for block, name, h, p in rows
            ],
            "total_houses": sum(int(r[2]) for r in rows),
            "total_persons": sum(int(r[3]) for r in rows),
            "date": today,
        }
    house_counts = dict(
        db.session.execute(select(House.committee_id, func.count(House.id)).group_by(House.committee_id)).all()
    )
    person_counts = dict(
        db.session.execute(
            select(Residence.committee_id, func.count(distinct(Residence.person_id)))
            .where(Residence.end_date.is_(None))
            .group_by(Residence.committee_id)
        ).all()
    )
    building_counts = dict(
        db.session.execute(
            select(Building.committee_id, func.count(Building.id)).group_by(Building.committee_id)
        ).all()
    )
    committees = db.session.query(Committee).order_by(Committee.seq).all()
    rows = [
        {
            "seq": c.seq,
            "name": c.name,
            "zone": c.zone.name if c.zone else "",
            "buildings": int(building_counts.get(c.id, 0)),
            "houses": int(house_counts.get(c.id, 0)),
            "persons": int(person_counts.get(c.id, 0)),
        }
        for c in committees
    ]
    return {
        "street_wide": True,
        "committee": "",
        "zone": "",
        "rows": rows,
        "total_buildings": sum(r["buildings"] for r in rows),
        "total_houses": sum(r["houses"] for r in rows),
        "total_persons": sum(r["persons"] for r in rows),
        "date": today,
    }


def init_app(app) -> None:
    """The documents package's own kind: house and resident counts of a committee (or of every committee)."""
    register_kind(DocumentKind(
        key="population_register", label=_l("Population registration notice"), template="population_register.html",
        title=_register_title, context=population_register_context, permission=("read", "House"),
    ))


# --------------------------------------------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------------------------------------------

def may_see_committee(committee_id: Optional[int], user=None) -> bool:
    """A committee's data (or, for None, the whole street's) is visible to ``user``."""
    ids = scoping.visible_committee_ids(user)
    if committee_id is None:
        return ids is None
    return ids is None or committee_id in ids


def committees_for(user=None) -> list[Committee]:
    """The committees ``user`` may request documents for, in the order of the monthly table."""
    query = db.session.query(Committee)
    ids = scoping.visible_committee_ids(user)
    if ids is not None:
        query = query.filter(Committee.id.in_(ids))
    return query.order_by(Committee.seq).all()


def visible_document(document_id: int, user=None) -> Optional[Document]:
    """The document if ``user`` may read it: its kind's permission and scope (app.documents.registry)."""
    if user is None:
        return None
    return (db.session.query(Document).filter(Document.id == document_id)
            .filter(registry.readable_clause(Document, user)).one_or_none())


# --------------------------------------------------------------------------------------------------------------
# Requesting
# --------------------------------------------------------------------------------------------------------------

def record_request(kind: str, committee_id: Optional[int], actor, *, params: Optional[dict] = None) -> Document:
    """Record a document request by ``actor`` (a user object), queued; flushed, not committed (app.documents.jobs
    commits it before the task is sent, and sends it).

    Raises DocumentRefused (nothing recorded) for an unknown kind or a committee outside the actor's scope.
    """
    spec = KINDS.get(kind)
    if spec is None or actor is None:
        raise DocumentRefused(kind)
    committee = None
    if committee_id is not None:
        committee = db.session.get(Committee, committee_id)
        if committee is None:
            raise DocumentRefused(committee_id)
    # Checked here whatever the caller offered: the kind's permission and scope (the form's choices are a
    # convenience, a crafted POST reaches this line too).
    if not registry.may_request(spec, committee_id, actor):
        raise DocumentRefused(kind)

    document = Document(
        kind=kind,
        title=periods.titled(str(spec.title(committee)), periods.from_params(params))[:255],
        committee_id=committee_id,
        requested_by_fk=actor.id,
        requested_by=_display_name(actor)[:128],
        requested_at=utcnow(),
        state=STATE_QUEUED,
        task_id=str(uuid.uuid4()),
    )
    document.params = dict(params or {})  # e.g. {"case_id": 12} for a pre-filled registration form
    db.session.add(document)
    db.session.flush()
    return document


# --------------------------------------------------------------------------------------------------------------
# Rendering (runs in the task; app.documents.jobs commits each state)
# --------------------------------------------------------------------------------------------------------------

class RenderFailed(Exception):
    """Rendering stopped: ``code`` (one of the error codes above) and ``detail`` go on the failed document."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, detail)
        self.code, self.detail = code, detail


def documents_dir() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"])


def _slow_render_allowed() -> bool:
    return bool(current_app.config.get("TESTING")) or os.environ.get("PORTAL_TEST_SLOW_RENDER") == "1"


def fail(document: Document, code: str, detail: str = "") -> None:
    """The job's end when it cannot finish: failed, with the reason's code (failure_text words it)."""
    document.state = STATE_FAILED
    document.error_code = code
    document.error_detail = (detail or "")[:2000]
    document.finished_at = utcnow()


_display_name = display_name


def _user(user_id: int):
    return db.session.get(current_app.appbuilder.sm.user_model, user_id)


def start_attempt(document: Document) -> bool:
    """The job's first step: True when ``document`` is to be rendered now, and marked 'rendering' (one attempt
    more). False when there is nothing to render: finished (a redelivered task), failed, or interrupted too often
    (then marked failed)."""
    if document.state == STATE_FAILED or (document.state == STATE_DONE and document_file(document) is not None):
        return False
    if document.attempts >= current_app.config.get("DOCUMENT_MAX_ATTEMPTS", 3):
        fail(document, TOO_MANY_ATTEMPTS, f"{document.attempts} attempts")
        return False
    document.state = STATE_RENDERING
    document.attempts += 1
    document.started_at = utcnow()
    return True


def render_file(document: Document, actor_id: int, *, delay_seconds: float = 0) -> str:
    """Render ``document`` to its file as ``actor_id`` and mark it done; the file is replaced atomically and the
    state set only after the file is complete. Returns the stored path relative to DOCUMENTS_DIR; raises
    RenderFailed instead when the actor may not see it or rendering fails."""
    from celery.exceptions import SoftTimeLimitExceeded
    from jinja2 import TemplateError

    from app.documents.pdf import NotdefGlyphError, render_pdf, write_pdf_atomically  # late: WeasyPrint takes about a second to load; only a render needs it

    actor = _user(actor_id)
    if actor is None or visible_document(document.id, actor) is None:
        raise RenderFailed(OUT_OF_SCOPE, f"user {actor_id}")
    spec = KINDS.get(document.kind)
    try:
        if spec is None:
            raise TemplateError(f"unknown document kind {document.kind!r}")
        if delay_seconds and _slow_render_allowed():
            time.sleep(float(delay_seconds))  # tests only: a window to kill the worker mid-task
        pdf = render_pdf(spec.template, spec.context(document), strict=True)
        relative = f"{document.requested_at:%Y/%m}/{document.id}-{document.kind}.pdf"
        write_pdf_atomically(pdf, documents_dir() / relative)
    except SoftTimeLimitExceeded as exc:
        raise RenderFailed(TIMEOUT) from exc
    except TemplateError as exc:
        raise RenderFailed(TEMPLATE_ERROR, f"{type(exc).__name__}: {exc}") from exc
    except NotdefGlyphError as exc:
        raise RenderFailed(MISSING_GLYPH, ", ".join(_missing_characters(exc)) or str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - recorded on the job; the traceback goes to the worker log
        log.exception("rendering document %s failed", document.id)
        raise RenderFailed(INTERNAL, f"{type(exc).__name__}: {exc}") from exc

    document.state = STATE_DONE
    document.file_path = relative
    document.size_bytes = len(pdf)
    document.finished_at = utcnow()
    document.error_code = document.error_detail = None
    return relative


def _missing_characters(exc) -> list[str]:
    import re

    found = []
    for message in exc.messages:
        for code in re.findall(r"U\+([0-9A-Fa-f]{4,6})", message):
            char = chr(int(code, 16))
            if char not in found:
                found.append(char)
    return [f"{c} (U+{ord(c):04X})" for c in found]


def mark_stale_jobs(minutes: Optional[int] = None, now: Optional[dt.datetime] = None) -> int:
    """Mark jobs queued or rendering for longer than ``minutes`` (DOCUMENT_JOB_STALE_MINUTES) as failed (flushed:
    app.documents.jobs.mark_stale_jobs commits)."""
    minutes = int(minutes if minutes is not None else current_app.config.get("DOCUMENT_JOB_STALE_MINUTES", 30))
    cutoff = (now or utcnow()) - dt.timedelta(minutes=minutes)
    stale = (
        db.session.query(Document)
        .filter(Document.state.in_(UNFINISHED_STATES))
        .filter(func.coalesce(Document.started_at, Document.requested_at) < cutoff)
        .all()
    )
    for document in stale:
        document.error_detail = f"{document.state} since before {cutoff:%Y-%m-%d %H:%M} UTC ({minutes} min)"
        document.state = STATE_FAILED
        document.error_code = STALE
        document.finished_at = utcnow()
    db.session.flush()
    return len(stale)


# --------------------------------------------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------------------------------------------

def document_file(document: Document) -> Optional[Path]:
    """The complete file of a finished document, or None (not done, file missing, or a path outside the store)."""
    if document.state != STATE_DONE or not document.file_path:
        return None
    root = documents_dir().resolve()
    path = (root / document.file_path).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def failure_reason(document: Document) -> str:
    """Why the job failed, as a sentence in the reader's language."""
    failure = document.failure()
    return failure_text(*failure) if failure else ""


def failure_text(code: Optional[str], detail: str) -> str:
    if code == BROKER_UNAVAILABLE:
        return _("The background service is unavailable; please try again later.")
    if code == TEMPLATE_ERROR:
        return _("The document template has an error (%(detail)s); please tell the administrator.", detail=detail)
    if code == MISSING_GLYPH:
        return _("Some characters cannot be printed with the installed fonts: %(chars)s.", chars=detail)
    if code == OUT_OF_SCOPE:
        return _("The requesting user may not see this data.")
    if code == TIMEOUT:
        return _("Rendering took too long and was stopped.")
    if code == TOO_MANY_ATTEMPTS:
        return _("Rendering was interrupted several times (the background worker stopped); please request the "
                 "document again.")
    if code == STALE:
        return _("The job did not finish in time and was given up; please request the document again.")
    return _("An unexpected error stopped the rendering; please tell the administrator.")


def state_label(state: str) -> str:
    labels = {
        STATE_QUEUED: _("Queued"),
        STATE_RENDERING: _("Rendering"),
        STATE_DONE: _("Done"),
        STATE_FAILED: _("Failed"),
    }
    return labels.get(state, state)
