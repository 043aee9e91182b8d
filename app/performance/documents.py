"""The team's performance for a quarter or a year (综合协管队季度/年度绩效考核表) and the community police's year
(社区民警年度工作实绩), as document kinds. Street-wide: the team's table is printed by the office ("print" on
"TeamPerformance"), the police year by whoever reads its page ("read" on "PoliceYear": office, police station)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.documents.registry import SCOPE_STREET, DocumentKind, register_kind
from app.domain import clock
from app.domain import performance as rules_of
from app.extensions import db
from app.settings import current_rules
from app.performance import service

ISSUER = "上钢新村街道社区平安办（街道人口办）"
POLICE_ISSUER = "上钢新村派出所\n上钢新村街道社区平安办"


def team_performance_title(committee) -> str:
    return _("Team performance")


def team_performance_context(document) -> dict:
    period = rules_of.parse_period(str(document.params.get("period") or ""))
    if period.kind == rules_of.MONTH:
        raise ValueError("the team's performance is printed for a quarter or a year")
    requester = db.session.get(service.PortalUser, document.requested_by_fk)
    return {"data": service.team_performance(period, requester), "period": period,
            "date": clock.local_today(current_rules()), "issuer": ISSUER}


def police_year_title(committee) -> str:
    return _("Community police year record")


def police_year_context(document) -> dict:
    year = int(document.params["year"])
    return {"data": service.police_year(year), "year": year, "date": clock.local_today(current_rules()),
            "issuer": POLICE_ISSUER}


def init_app(app) -> None:
    register_kind(DocumentKind(key="team_performance", label=_l("Team performance"), template="team_performance.html",
                               title=team_performance_title, context=team_performance_context,
                               permission=("print", "TeamPerformance"), scope=SCOPE_STREET, on_request_form=False))
    register_kind(DocumentKind(key="police_year", label=_l("Community police year record"),
                               template="police_year.html", title=police_year_title, context=police_year_context,
                               permission=("read", "PoliceYear"), scope=SCOPE_STREET, on_request_form=False))
