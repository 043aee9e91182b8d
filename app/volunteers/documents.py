"""The year's commendation list (年度平安大会表彰名单) of building leaders and safety volunteers, as a street-wide
document kind read and requested with "commend" on "Volunteer" (the office); params: {"year": Y}."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.documents.registry import SCOPE_STREET, DocumentKind, register_kind
from app.domain import clock
from app.settings import current_rules
from app.volunteers import messages, service

ISSUER = "上钢新村街道社区平安办（街道人口办）"


def commendations_title(committee) -> str:
    return _("Volunteer commendation list")


def commendations_context(document) -> dict:
    rules = current_rules()
    year = int(document.params.get("year", clock.local_today(rules).year))
    if not 2000 <= year <= 2100:
        raise ValueError("year out of range")
    rows = service.commendations(year)
    counts = service.counts(year, [r.volunteer_id for r in rows])
    return {"year": year, "issuer": ISSUER, "date": clock.local_today(rules),
            "rows": [{"committee": r.committee.name, "name": r.volunteer.name,
                      "role": str(messages.ROLE_LABELS.get(r.volunteer.role, "")),
                      "building": r.volunteer.building.name if r.volunteer.building else "",
                      "reports": counts.get(r.volunteer_id, (0, 0))[0], "leads": counts.get(r.volunteer_id, (0, 0))[1],
                      "points": r.points} for r in rows]}


def init_app(app) -> None:
    register_kind(DocumentKind(key="volunteer_commendations", label=_l("Volunteer commendation list"),
                               template="volunteer_commendations.html", title=commendations_title,
                               context=commendations_context, permission=("commend", "Volunteer"),
                               scope=SCOPE_STREET, on_request_form=False))
