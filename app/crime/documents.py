"""The 通报批评 of a crime record, as a document kind of the criticism's committee, readable only with
"CrimeRecord" (police and office); requested from the criticism's page (params: {"criticism_id": n})."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.documents.registry import DocumentKind, register_kind
from app.domain import clock
from app.extensions import db
from app.settings import current_rules
from app.crime.models import CRITICISM_LEAD_OVERDUE, CrimeCriticism

PLAN_TITLE = "上钢新村街道关于进一步加强人口服务和管理工作的实施方案"
ISSUER = "上钢新村街道社区平安办（街道人口办）"
POLICE_ISSUER = "上钢新村派出所\n上钢新村街道社区平安办"


def criticism_title(committee) -> str:
    return _("Criticism notice")


def criticism_context(document) -> dict:
    criticism = db.session.get(CrimeCriticism, int(document.params["criticism_id"]))
    if criticism is None or criticism.committee_id != document.committee_id:
        raise ValueError("criticism not found for this document")
    police = criticism.kind == CRITICISM_LEAD_OVERDUE
    return {"criticism": criticism, "police": police, "plan_title": PLAN_TITLE,
            "issuer": POLICE_ISSUER if police else ISSUER, "date": clock.local_today(current_rules())}


def init_app(app) -> None:
    register_kind(DocumentKind(key="crime_criticism", label=_l("Criticism notice"), template="crime_criticism.html",
                               title=criticism_title, context=criticism_context,
                               permission=("read", "CrimeRecord"), on_request_form=False))
