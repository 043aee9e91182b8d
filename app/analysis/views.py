"""Screens of the analysis loop (issue 17): findings as tasks (list, handle, run now), the dashboard (street →
zone → committee, charts + table + Excel), sampled verification. Every query goes through app.access.scoping."""
from __future__ import annotations

import datetime as dt
import io
import json

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.access import scoping
from app.analysis import messages, service
from app.analysis.dashboard import CATEGORIES, dashboard, refresh
from app.analysis.models import Finding, SampleDraw, SampleItem
from app.domain import analysis as A
from app.extensions import db
from app.inputs import id_or_none, year_or_400
from app.views.base import can
from app.views.transaction import committing
from app.access.export import workbook_bytes
from app.access.privacy import masked_id
from app.audit import record_export
from app.models import Committee, Person

PAGE_SIZE = 50


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _visible_finding(finding_id) -> Finding:
    finding = db.session.get(Finding, finding_id) if finding_id else None
    if finding is None:
        abort(404)
    ids = scoping.visible_committee_ids()
    # A finding of no committee (a person registered nowhere) is the office's: only all-seeing users reach it.
    if ids is not None and finding.committee_id not in ids:
        abort(404)
    return finding


class FindingsView(BaseView):
    """主动发现: the findings of the committees in scope, to handle with one of three outcomes."""

    route_base = "/analysis/findings"
    default_view = "index"
    class_permission_name = "Finding"
    method_permission_name = {"index": "read", "close": "write", "run": "run", "overview": "read"}
    base_permissions = ["can_read", "can_write", "can_run"]

    @expose("/")
    @has_access
    def index(self):
        rule = request.args.get("rule") if request.args.get("rule") in A.RULES_BY_CODE else None
        status = request.args.get("status", "live")
        if status not in A.STATUSES and status != "live":
            status = "live"
        committee_id = _int(request.args.get("committee"))
        page = max(0, (_int(request.args.get("page")) or 1) - 1)
        query = scoping.restrict(db.session.query(Finding), Finding.committee_id)
        if rule:
            query = query.filter(Finding.rule == rule)
        query = query.filter(Finding.status.in_(A.LIVE) if status == "live" else Finding.status == status)
        if committee_id:
            query = query.filter(Finding.committee_id == committee_id)
        total = query.order_by(None).count()
        findings = query.order_by(Finding.due_on, Finding.id).offset(page * PAGE_SIZE).limit(PAGE_SIZE).all()
        committees = scoping.scoped_query(Committee).order_by(Committee.seq).all()
        return self.render_template(
            "analysis/findings.html", findings=findings, total=total, page=page + 1,
            pages=max(1, -(-total // PAGE_SIZE)), rule=rule, status=status, committee_id=committee_id,
            committees=committees, labels=messages, rules=A.GAP_RULES, statuses=A.STATUSES,
            subject_link=_subject_link, can_write=can("write", "Finding"), can_run=can("run", "Finding"),
            today=service.local_today(service.current_rules()), title=_("Findings (active discovery)"))

    @expose("/<int:finding_id>/close", methods=["POST"])
    @has_access
    def close(self, finding_id):
        finding = _visible_finding(finding_id)
        with committing(_("Saved.")):
            service.close(finding, request.form.get("outcome", ""), g.user, reason=request.form.get("reason", ""),
                          change_case_id=_int(request.form.get("change_case")))
        return redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/analysis/")
                        else url_for("FindingsView.index"))

    @expose("/run", methods=["POST"])
    @has_access
    def run(self):
        with committing() as outcome:
            counts = service.run_rules()
        if not outcome.ok:
            return redirect(url_for("FindingsView.overview"))
        with committing():
            refresh()  # the dashboard shows what the run found
        flash(_("Rules run: %(found)s gaps, %(opened)s new findings, %(gone)s closed by themselves.", **counts),
              "success")
        return redirect(url_for("FindingsView.overview"))

    @expose("/overview")
    @has_access
    def overview(self):
        """Counts per committee for a month (the office's overview; the ranking's findings weight reads them)."""
        today = service.local_today(service.current_rules())
        year, month = today.year, today.month
        raw = request.args.get("month", "")
        if raw:
            try:
                year, month = (int(x) for x in raw.split("-"))
                dt.date(year, month, 1)
            except ValueError:
                flash(_("Please give the month as YYYY-MM."), "danger")
                year, month = today.year, today.month
        committees = scoping.scoped_query(Committee).order_by(Committee.seq).all()
        counts = service.monthly_counts(year, month, scoping.visible_committee_ids())
        return self.render_template("analysis/overview.html", committees=committees, counts=counts,
                                    month=f"{year:04d}-{month:02d}", labels=messages,
                                    by_rule=service.counts_by_rule(scoping.visible_committee_ids()),
                                    can_run=can("run", "Finding"), title=_("Findings by committee"))


def _subject_link(finding: Finding) -> str:
    if finding.subject_kind == A.HOUSE:
        return f"/houses/show/{finding.subject_id}"
    if finding.subject_kind == A.VEHICLE:
        return f"/vehicles/show/{finding.subject_id}"
    return f"/persons/show/{finding.subject_id}"


class DashboardView(BaseView):
    """The office's, the police's and each zone's view of the street at a glance."""

    route_base = "/analysis/dashboard"
    default_view = "index"
    class_permission_name = "Dashboard"
    method_permission_name = {"index": "read", "xlsx": "read", "refresh": "write"}
    base_permissions = ["can_read", "can_write"]

    @staticmethod
    def _unit_id(name):
        raw = request.args.get(name)
        if raw is None or not raw.strip():
            return None
        unit = id_or_none(raw)
        if unit is None:
            abort(404)  # no such zone or committee (text, 0, beyond 64 bits)
        return unit

    def _data(self):
        year = year_or_400(request.args.get("year"), None)
        data = dashboard(g.user, year, self._unit_id("zone"), self._unit_id("committee"))
        if data["level"] != "street" and not data["rows"]:
            abort(404)  # a zone or committee outside the user's scope does not exist for him
        return data

    @expose("/")
    @has_access
    def index(self):
        data = self._data()
        chart = {
            "names": [r["name"] for r in data["rows"]],
            "categories": [str(messages.CATEGORY_LABELS[c]) for c in CATEGORIES],
            "persons": [[r["persons"][c] for r in data["rows"]] for c in CATEGORIES],
            "months": [f"{m}月" for m in range(1, 13)],
            "changes": data["total"]["changes"],
            "rules": [str(messages.RULE_LABELS[r.code]) for r in A.GAP_RULES],
            "findings": [data["findings_by_rule"].get(r.code, 0) for r in A.GAP_RULES],
            "labels": {"persons": _("Registered persons"), "changes": _("Changes per month"),
                       "findings": _("Open findings by rule")},
        }
        return self.render_template("analysis/dashboard.html", data=data, chart_json=json.dumps(chart),
                                    categories=CATEGORIES, labels=messages, can_refresh=can("write", "Dashboard"),
                                    title=_("Dashboard"))

    @expose("/refresh", methods=["POST"])
    @has_access
    def refresh(self):
        """Count the figures again now (the nightly run does it every night)."""
        with committing(_("The dashboard's figures have been counted again.")):
            refresh()
        return redirect(url_for("DashboardView.index"))

    @expose("/xlsx")
    @has_access
    def xlsx(self):
        data = self._data()
        headers = [_("Unit")] + [str(messages.CATEGORY_LABELS[c]) for c in CATEGORIES] + [
            _("Registered persons"), _("Changes this year"), _("On-time share"), _("Checked this month"),
            _("Quota"), _("House coverage"), _("Person coverage"), _("Open findings"), _("Overdue findings"),
            _("Mean place this year")]

        def pct(v):
            return None if v is None else round(v * 100, 1)

        rows = [[r["name"]] + [r["persons"][c] for c in CATEGORIES] + [
            r["persons_total"], r["changes_total"], pct(r["on_time_share"]), r.get("checked", 0), r.get("quota", 0),
            pct(r["house_share"]), pct(r["person_share"]), r["findings"], r["findings_overdue"], r["mean_rank"]]
            for r in data["rows"] + [{**data["total"], "name": _("Total")}]]
        payload = workbook_bytes(_("Dashboard"), headers, rows)
        record_export("Dashboard", len(rows), request.query_string.decode()[:500])
        return send_file(io.BytesIO(payload), as_attachment=True,
                         download_name=f"dashboard-{data['year']}-{data['level']}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class SampleView(BaseView):
    """Sampled verification: the office draws a random sample per committee; the teams verify it; each committee's
    register accuracy is reported with its 95% Wilson interval."""

    route_base = "/analysis/samples"
    default_view = "index"
    class_permission_name = "Sample"
    method_permission_name = {"index": "read", "draw": "write", "show": "read"}
    base_permissions = ["can_read", "can_write"]

    @expose("/")
    @has_access
    def index(self):
        draws = scoping.restrict(db.session.query(SampleDraw), SampleDraw.committee_id).order_by(
            SampleDraw.id.desc()).limit(200).all()
        committees = scoping.scoped_query(Committee).order_by(Committee.seq).all()
        results = {d.id: service.sample_accuracy(d) for d in draws}
        rules = service.current_rules()
        return self.render_template("analysis/samples.html", draws=draws, results=results, committees=committees,
                                    can_write=can("write", "Sample"), rules=rules, title=_("Sampled verification"))

    @expose("/draw", methods=["POST"])
    @has_access
    def draw(self):
        committee_id = _int(request.form.get("committee"))
        raw_size = (request.form.get("size") or "").strip()
        size = None
        if raw_size:
            size = _int(raw_size) if raw_size.isdigit() else None
            if size is None:
                flash(_("The sample size must be a whole number of at least 1."), "danger")
                return redirect(url_for("SampleView.index"))
        if committee_id is None or not scoping.can_see_committee(committee_id):
            flash(_("Please choose a residential committee."), "danger")
            return redirect(url_for("SampleView.index"))
        with committing() as outcome:
            draw = service.draw_sample(committee_id, g.user, size=size)
        if not outcome.ok:
            return redirect(url_for("SampleView.index"))
        flash(_("Sample drawn: %(size)s persons.", size=draw.size), "success")
        return redirect(url_for("SampleView.show", draw_id=draw.id))

    @expose("/<int:draw_id>")
    @has_access
    def show(self, draw_id):
        draw = db.session.get(SampleDraw, draw_id)
        if draw is None or not scoping.can_see_committee(draw.committee_id):
            abort(404)
        people = db.session.execute(
            select(Person).join(SampleItem, SampleItem.person_id == Person.id)
            .where(SampleItem.draw_id == draw.id).order_by(Person.name, Person.id)).scalars().all()
        return self.render_template("analysis/sample.html", draw=draw, people=people,
                                    result=service.sample_accuracy(draw), mask=masked_id,
                                    title=_("Sampled verification"))
