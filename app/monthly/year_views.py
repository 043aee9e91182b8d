"""The year's evaluation page (年度评先): the table, its Excel and PDF, approval (freezes it) and unlock with a
reason. Permission "YearEvaluation": the office reads and approves, the police station reads. It shows vetoes and
criticisms from crime-related records, so nobody else reads it (app/access/roles.py)."""
from __future__ import annotations

import io

from flask import abort, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.domain import clock
from app.inputs import int_or_default
from app.monthly import year as service
from app.settings import current_rules
from app.views.transaction import committing
from app.documents.views import request_and_show


def _year_or_400(value) -> int:
    year = int_or_default(value, None)
    if year is None or not 2000 <= year <= 2100:
        abort(400, description=_("The year must be a number such as 2025."))
    return year


class YearEvaluationView(BaseView):
    route_base = "/year"
    default_view = "index"
    class_permission_name = "YearEvaluation"
    method_permission_name = {"index": "read", "show": "read", "xlsx": "read", "document": "read",
                              "approve": "approve", "unlock": "approve"}
    base_permissions = ["can_read", "can_approve"]

    @expose("/")
    @has_access
    def index(self):
        today = clock.local_today(current_rules())
        return redirect(url_for("YearEvaluationView.show", year=today.year - 1 if today.month < 12 else today.year))

    @expose("/<year>")
    @has_access
    def show(self, year):
        year = _year_or_400(year)
        data = service.year_data(year)
        from flask import current_app

        can_approve = bool(current_app.appbuilder.sm.has_access("can_approve", "YearEvaluation"))
        return self.render_template("monthly/year.html", year=year, data=data, close=service.get_year_close(year),
                                    months=[int(m) for m in data["months"]], can_approve=can_approve,
                                    title=_("Year's evaluation %(year)s", year=year))

    @expose("/<year>/xlsx")
    @has_access
    def xlsx(self, year):
        year = _year_or_400(year)
        return send_file(io.BytesIO(service.workbook(service.year_data(year))), as_attachment=True,
                         download_name=f"year-{year}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/<year>/document", methods=["POST"])
    @has_access
    def document(self, year):
        return request_and_show("year_evaluation", None, {"year": _year_or_400(year)})

    @expose("/<year>/approve", methods=["POST"])
    @has_access
    def approve(self, year):
        year = _year_or_400(year)
        with committing(_("The year has been approved; its table is frozen.")):
            service.approve_year(year, g.user)
        return redirect(url_for("YearEvaluationView.show", year=year))

    @expose("/<year>/unlock", methods=["POST"])
    @has_access
    def unlock(self, year):
        year = _year_or_400(year)
        with committing(_("The year has been unlocked.")):
            service.unlock_year(year, g.user, request.form.get("reason", ""))
        return redirect(url_for("YearEvaluationView.show", year=year))
