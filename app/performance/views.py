"""Screens of the team's performance (/performance/: month, quarter or year; Excel; the quarter's and the year's PDF)
and of the community police's year (/police-year/: the record, the office's 酌情加分, Excel, PDF).

Permission "TeamPerformance": read (the office and the police station every member, a zone leader his zone's, a team
member his own: app.access.scoping.team_reach), print (the office: the PDF lists every member). Permission "PoliceYear":
read (the office, the police station), write (the office adds 酌情加分).
"""
from __future__ import annotations

import io

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.access.export import workbook_bytes
from app.audit import record_export
from app.domain import clock
from app.domain import performance as rules_of
from app.errors import UserFacingError, user_message
from app.inputs import id_or_none, int_or_default
from app.performance import service
from app.settings import current_rules
from app.views.base import can
from app.views.transaction import committing
from app.documents.views import request_and_show

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period_choices(today) -> list[rules_of.Period]:
    """This month, quarter and year and the previous ones: the links above the table."""
    this_month = rules_of.current_period(rules_of.MONTH, today)
    previous_month = rules_of.Period(rules_of.MONTH, today.year - (today.month == 1), (today.month - 2) % 12 + 1)
    quarter = rules_of.current_period(rules_of.QUARTER, today)
    previous_quarter = rules_of.Period(rules_of.QUARTER, quarter.year - (quarter.number == 1),
                                       (quarter.number - 2) % 4 + 1)
    return [previous_month, this_month, previous_quarter, quarter, rules_of.Period(rules_of.YEAR, today.year - 1),
            rules_of.Period(rules_of.YEAR, today.year)]


class TeamPerformanceView(BaseView):
    route_base = "/performance"
    default_view = "index"
    class_permission_name = "TeamPerformance"
    method_permission_name = {"index": "read", "xlsx": "read", "document": "print"}
    base_permissions = ["can_read", "can_print"]

    def _period_or_400(self):
        raw = request.values.get("period")
        if raw is None or not raw.strip():
            return rules_of.current_period(rules_of.MONTH, clock.local_today(current_rules()))
        try:
            return service.parse_period(raw)
        except UserFacingError as exc:
            abort(400, description=user_message(exc))

    @expose("/")
    @has_access
    def index(self):
        period = self._period_or_400()
        today = clock.local_today(current_rules())
        return self.render_template(
            "performance/team.html", data=service.team_performance(period, g.user), period=period,
            choices=_period_choices(today), can_print=can("print", "TeamPerformance") and period.kind != "month",
            title=_("Team performance %(period)s", period=period.label))

    @expose("/xlsx")
    @has_access
    def xlsx(self):
        period = self._period_or_400()
        data = service.team_performance(period, g.user)
        rows = service.team_rows_for_sheet(data)
        record_export("TeamPerformance", len(rows), request.query_string.decode()[:500])
        return send_file(io.BytesIO(workbook_bytes(f"{period.label}绩效考核", list(service.TEAM_HEADERS), rows)),
                         as_attachment=True, download_name=f"performance-{period.key}.xlsx", mimetype=XLSX)

    @expose("/document", methods=["POST"])
    @has_access
    def document(self):
        period = self._period_or_400()
        if period.kind == rules_of.MONTH:
            flash(_("The team's performance is printed for a quarter or a year."), "danger")
            return redirect(url_for("TeamPerformanceView.index", period=period.key))
        return request_and_show("team_performance", None, {"period": period.key})


def _year_or_400(value) -> int:
    year = int_or_default(value, None)
    today = clock.local_today(current_rules())
    if year is None or not rules_of.YEAR_MIN <= year <= today.year:
        abort(400, description=_("The year must be a number such as 2025, and not in the future."))
    return year


def _points(raw):
    try:
        return float((raw or "").strip())
    except ValueError:
        return None


class PoliceYearView(BaseView):
    route_base = "/police-year"
    default_view = "index"
    class_permission_name = "PoliceYear"
    method_permission_name = {"index": "read", "show": "read", "xlsx": "read", "document": "read",
                              "bonus": "write"}
    base_permissions = ["can_read", "can_write"]

    @expose("/")
    @has_access
    def index(self):
        return redirect(url_for("PoliceYearView.show", year=clock.local_today(current_rules()).year))

    @expose("/<year>")
    @has_access
    def show(self, year):
        year = _year_or_400(year)
        return self.render_template("performance/police.html", year=year, data=service.police_year(year),
                                    can_write=can("write", "PoliceYear"),
                                    this_year=clock.local_today(current_rules()).year,
                                    title=_("Community police year record %(year)s", year=year))

    @expose("/<year>/xlsx")
    @has_access
    def xlsx(self, year):
        year = _year_or_400(year)
        rows = service.police_rows_for_sheet(service.police_year(year))
        record_export("PoliceYear", len(rows), f"year={year}")
        return send_file(io.BytesIO(workbook_bytes(f"{year}年度社区民警", list(service.POLICE_HEADERS), rows)),
                         as_attachment=True, download_name=f"police-{year}.xlsx", mimetype=XLSX)

    @expose("/<year>/document", methods=["POST"])
    @has_access
    def document(self, year):
        return request_and_show("police_year", None, {"year": _year_or_400(year)})

    @expose("/<year>/bonus", methods=["POST"])
    @has_access
    def bonus(self, year):
        year = _year_or_400(year)
        with committing(_("The points have been added.")):
            service.add_bonus(year=year, officer_id=id_or_none(request.form.get("officer_id")),
                              points=_points(request.form.get("points")), reason=request.form.get("reason", ""),
                              user=g.user)
        return redirect(url_for("PoliceYearView.show", year=year))
