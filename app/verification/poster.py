"""Context of reports/qr_poster.html: a committee's self-declaration poster with the QR code as inline SVG.

The link is PUBLIC_BASE_URL (the address residents' phones reach the portal at; setting) + /declare/<token>.
Runs in the render task (no request): the URL is built from configuration, not from the request.
"""
from __future__ import annotations

import io

import segno
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.documents.registry import DocumentKind, register_kind
from app.verification.service.workstation import committee_token
from app.extensions import db
from app.models import Committee


def poster_title(committee) -> str:
    if committee is None:
        return _("Self-declaration QR poster")
    return _("Self-declaration QR poster of %(committee)s", committee=committee.name)


def declare_link(committee_id: int) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    return f"{base.rstrip('/')}/declare/{committee_token(committee_id)}"


def qr_svg(data: str) -> Markup:
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="svg", scale=8, border=2, xmldecl=False,
                                                  svgns=True, dark="#000", light="#fff")
    return Markup(out.getvalue().decode("utf-8"))


def poster_context(document) -> dict:
    committee = db.session.get(Committee, document.committee_id) if document.committee_id else None
    if committee is None:
        return {"committee": "", "zone": "", "link": "", "qr": Markup("")}
    link = declare_link(committee.id)
    return {"committee": committee.name, "zone": committee.zone.name if committee.zone else "", "link": link,
            "qr": qr_svg(link)}


def init_app(app) -> None:
    """The committee's self-declaration poster (issue 6), for whoever reads its verification."""
    register_kind(DocumentKind(
        key="qr_poster", label=_l("Self-declaration QR poster"), template="qr_poster.html", title=poster_title,
        context=poster_context, permission=("read", "Verification"),
    ))
