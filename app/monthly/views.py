"""Screens of the monthly close: the month (table, ranking, submissions, approval, unlocks, downloads), the
ladders of the year, the ranking settings, spot inspections, crime-related late entries, comments and talks.

Permissions (app/access/roles.py): "MonthlyClose" read / write (a zone leader submits) / approve (the office);
"RankingSettings" read / write (weights, spot inspections, late entries, comments: the office); "Talk" read /
write (committee staff read their own committee's talks; the office writes).
"""
from __future__ import annotations

import datetime as dt
import io

from flask import abort, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.widgets import ListWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange

from app.extensions import db
from app.inputs import id_or_none, int_or_default, is_whole_number
from app.monthly import excel, service
from app.monthly.models import (
    STATE_APPROVED, TARGETS, CrimeLateEntry, RankingComment, SpotInspection, Talk,
)
from app.domain.months import previous_month
from app.monthly.table import BadMonth, month_key, parse_month
from app.views.transaction import committing
from app.views.base import PortalInterface, PortalModelView, can
from app.models import Committee
from app.documents.views import request_and_show

MONTHLY_PERMISSIONS = ["can_read", "can_write", "can_approve"]
SETTINGS_PERMISSIONS = ["can_read", "can_write"]
TALK_PERMISSIONS = ["can_read", "can_write"]

TARGET_LABELS = {"committee": _l("Residential committee"), "police": _l("Community police"),
                 "member": _l("Team member")}
SETTING_LABELS = {
    "weight_quantity": _l("Weight: quantity"),
    "weight_accuracy": _l("Weight: accuracy"),
    "weight_timeliness": _l("Weight: timeliness"),
    "weight_spot_inspection": _l("Weight: spot inspection"),
    "penalty_per_late_crime_lead": _l("Penalty per crime-related late entry"),
    "member_weight_quantity": _l("Team member weight: quantity"),
    "member_weight_accuracy": _l("Team member weight: accuracy"),
    "member_monthly_quota": _l("Team member monthly quota"),
    "submission_deadline_day": _l("Submission deadline (day of next month)"),
    "member_min_checks": _l("Team member: fewest checks in a month to be ranked"),
}


_can = can  # one permission check for every screen (app.views.base.can)


def _month_or_400(text: str) -> tuple[int, int]:
    try:
        return parse_month(text)
    except BadMonth:
        abort(400, description=_("The month must be written YYYY-MM, e.g. 2025-03."))


def _back(year: int, month: int):
    return redirect(url_for("MonthlyCloseView.month", ym=month_key(year, month)))


def _confirmed_or_400() -> None:
    """Submitting, approving and unlocking a month are not undone by a click: the form's box must be ticked
    (issue 14 item 7). Without it: 400, and nothing changes."""
    if request.form.get("confirm") != "yes":
        abort(400, description=_("Please tick the confirmation box first; nothing was changed."))


class MonthlyCloseView(BaseView):
    route_base = "/monthly"
    default_view = "index"
    class_permission_name = "MonthlyClose"
    method_permission_name = {"index": "read", "month": "read", "xlsx": "read", "document": "read",
                              "ladders": "read", "submit": "write", "approve": "approve", "unlock": "approve",
                              "note": "approve"}
    base_permissions = MONTHLY_PERMISSIONS

    @expose("/")
    @has_access
    def index(self):
        today = service.local_today()
        year, month = previous_month(today.year, today.month)
        months = []
        for _i in range(12):
            close = service.get_close(year, month)
            subs = service.submissions(year, month)
            months.append({"key": month_key(year, month), "close": close, "submissions": subs})
            year, month = previous_month(year, month)
        return self.render_template("monthly/index.html", months=months, title=_("Monthly close"),
                                    approved=STATE_APPROVED)

    @expose("/month/<ym>")
    @has_access
    def month(self, ym):
        year, month = _month_or_400(ym)
        data = service.month_data(year, month)
        decimals = data["rules"].get("accuracy_decimals", 1)
        rows = excel.table_rows(data["table"], decimals)
        live_differs = False
        if data["approved"]:
            live = service.live_table(year, month).to_json_dict()
            live_differs = live["rows"] != data["table"]["rows"]
        committees = service.committees()
        return self.render_template(
            "monthly/month.html", ym=month_key(year, month), year=year, month=month, data=data, rows=rows[:-1],
            totals=rows[-1], h=excel.headers(excel.quota_of(data["rules"])),
            submissions=service.submissions(year, month), talks=service.month_talks(year, month),
            unlocks=service.open_unlocks(year, month), live_differs=live_differs, committees=committees,
            target_labels=TARGET_LABELS, can_submit=_can("write", "MonthlyClose"),
            can_approve=_can("approve", "MonthlyClose"), user_zone=getattr(g.user, "zone_id", None),
            cross=service.cross_check_counts(year, month), title=excel.title(year, month),
            focus=service.bulletin_note(year, "month", month),
            arrangements=service.bulletin_note(year, "quarter", (month - 1) // 3 + 1))

    @expose("/month/<ym>/xlsx")
    @has_access
    def xlsx(self, ym):
        year, month = _month_or_400(ym)
        data = service.month_data(year, month)
        payload = excel.workbook(data["table"], excel.quota_of(data["rules"]),
                                 data["rules"].get("accuracy_decimals", 1))
        return send_file(io.BytesIO(payload), as_attachment=True, download_name=f"monthly-{ym}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/month/<ym>/document", methods=["POST"])
    @has_access
    def document(self, ym):
        year, month = _month_or_400(ym)
        kind = request.form.get("kind", "")
        if kind not in ("monthly_table", "ranking_bulletin", "party_report", "quarterly_bulletin"):
            abort(400, description=_("Unknown document."))
        params = {"month": month_key(year, month)}
        if kind == "quarterly_bulletin":
            params = {"year": year, "quarter": (month - 1) // 3 + 1}
        return request_and_show(kind, None, params)

    @expose("/month/<ym>/submit", methods=["POST"])
    @has_access
    def submit(self, ym):
        year, month = _month_or_400(ym)
        _confirmed_or_400()
        zone_id = request.form.get("zone", type=id_or_none) or getattr(g.user, "zone_id", None)
        if zone_id is None:
            abort(400, description=_("Choose a zone."))
        with committing(_("Submitted.")):
            service.submit_zone(year, month, zone_id, g.user, note=request.form.get("note", ""))
        return _back(year, month)

    @expose("/month/<ym>/approve", methods=["POST"])
    @has_access
    def approve(self, ym):
        year, month = _month_or_400(ym)
        _confirmed_or_400()
        with committing(_("Approved: the month is frozen and its ranking stored.")):
            service.approve_month(year, month, g.user)
        return _back(year, month)

    @expose("/month/<ym>/unlock", methods=["POST"])
    @has_access
    def unlock(self, ym):
        year, month = _month_or_400(ym)
        _confirmed_or_400()
        committee_id = request.form.get("committee", type=id_or_none)
        if committee_id is None or db.session.get(Committee, committee_id) is None:
            abort(400, description=_("Choose a committee."))
        with committing(_("Unlocked for corrections; approve the month again when they are done."), "warning"):
            service.unlock_month(year, month, committee_id, request.form.get("reason", ""), g.user)
        return _back(year, month)

    @expose("/month/<ym>/note", methods=["POST"])
    @has_access
    def note(self, ym):
        """The office's 本月工作重点提示 (month) or 重点工作布置 (the month's quarter), printed in the bulletins."""
        year, month = _month_or_400(ym)
        period = request.form.get("period", "")
        number = (month - 1) // 3 + 1 if period == "quarter" else month
        with committing(_("Saved.")):
            service.set_bulletin_note(year, period, number, request.form.get("text", ""), g.user)
        return _back(year, month)

    @expose("/ladders")
    @has_access
    def ladders(self):
        year = request.args.get("year", type=int_or_default) or service.local_today().year
        if not 2000 <= year <= 2100:
            abort(400, description=_("Unknown year."))
        return self.render_template("monthly/ladders.html", year=year, history=service.ladder_history(year, g.user),
                                    title=_("Talk ladders %(year)s", year=year))


class RankingSettingsView(BaseView):
    route_base = "/monthly/settings"
    default_view = "index"
    class_permission_name = "RankingSettings"
    method_permission_name = {"index": "read", "save": "write"}
    base_permissions = SETTINGS_PERMISSIONS

    @expose("/")
    @has_access
    def index(self):
        rules = service.effective_rules()
        base = service.base_rules()
        rows = [{"name": n, "label": SETTING_LABELS[n], "value": getattr(rules, n), "default": getattr(base, n)}
                for n in service.EDITABLE_RULES]
        return self.render_template("monthly/settings.html", rows=rows, can_write=_can("write", "RankingSettings"),
                                    full_score=rules.full_score, title=_("Ranking settings"))

    @expose("/save", methods=["POST"])
    @has_access
    def save(self):
        values = {}
        for name in service.EDITABLE_RULES:
            raw = (request.form.get(name) or "").strip()
            if raw == "":
                continue
            if not is_whole_number(raw):
                abort(400, description=_("Settings are whole numbers."))
            values[name] = int(raw)
        with committing(_("Saved. Months not yet approved use the new settings; approved months keep theirs.")):
            service.save_settings(values, g.user.username)
        return redirect(url_for("RankingSettingsView.index"))


_OFFICE_VERBS = {"list": "read", "show": "read", "add": "write", "edit": "write", "delete": "write",
                 "action": "write", "action_post": "write", "export": "read"}

_MONTH_LABELS = {"year": _l("Year"), "month": _l("Month"), "committee": _l("Residential committee")}


class SpotInspectionView(PortalModelView):
    datamodel = PortalInterface(SpotInspection)
    class_permission_name = "RankingSettings"
    method_permission_name = _OFFICE_VERBS
    base_permissions = SETTINGS_PERMISSIONS
    list_title = _l("Spot inspections")
    list_columns = ["year", "month", "committee", "inspected_on", "inspector", "score", "note"]
    add_columns = edit_columns = ["year", "month", "committee", "inspected_on", "inspector", "score", "note"]
    label_columns = {**_MONTH_LABELS, "inspected_on": _l("Inspected on"), "inspector": _l("Inspector"),
                     "score": _l("Score (0-100)"), "note": _l("Note")}
    validators_columns = {"score": [NumberRange(0, 100)], "month": [NumberRange(1, 12)],
                          "year": [NumberRange(2000, 2100)]}


class CrimeLateEntryView(PortalModelView):
    datamodel = PortalInterface(CrimeLateEntry)
    class_permission_name = "RankingSettings"
    method_permission_name = _OFFICE_VERBS
    base_permissions = SETTINGS_PERMISSIONS
    list_title = _l("Crime-related late entries")
    list_columns = ["year", "month", "committee", "description", "serious_violent"]
    add_columns = edit_columns = ["year", "month", "committee", "description", "serious_violent"]
    label_columns = {**_MONTH_LABELS, "description": _l("Person or lead not entered in time"),
                     "serious_violent": _l("Eight kinds of serious violent crime")}
    validators_columns = {"month": [NumberRange(1, 12)], "year": [NumberRange(2000, 2100)]}


class RankingCommentView(PortalModelView):
    datamodel = PortalInterface(RankingComment)
    class_permission_name = "RankingSettings"
    method_permission_name = _OFFICE_VERBS
    base_permissions = SETTINGS_PERMISSIONS
    list_title = _l("Ranking comments")
    list_columns = ["year", "month", "committee", "text"]
    add_columns = edit_columns = ["year", "month", "committee", "text"]
    label_columns = {**_MONTH_LABELS, "text": _l("Comment")}
    validators_columns = {"month": [NumberRange(1, 12)], "year": [NumberRange(2000, 2100)]}


class TalkListWidget(ListWidget):
    template = "monthly/talk_list_widget.html"


class TalkView(PortalModelView):
    """Talks are made by approval; the office fills in participants, date, place and the outcome."""

    datamodel = PortalInterface(Talk)
    class_permission_name = "Talk"
    method_permission_name = {**_OFFICE_VERBS, "notice": "read"}
    base_permissions = TALK_PERMISSIONS
    route_base = "/talks"
    list_title = _l("Talks")
    show_title = _l("Talk")
    edit_title = _l("Talk")
    list_columns = ["month_key", "target_label", "committee", "times_last", "kind", "to_whom", "talk_date", "place",
                    "superseded_at"]
    show_columns = ["month_key", "target_label", "committee", "member_name", "times_last", "kind",
                    "who_talks", "to_whom", "participants", "talk_date", "place", "reason", "outcome",
                    "superseded_at", "superseded_reason"]
    edit_columns = ["participants", "talk_date", "place", "outcome"]
    add_columns = edit_columns
    base_order = ("id", "desc")
    label_columns = {"month_key": _l("Month"), "target_label": _l("Ladder"), "committee": _l("Residential committee"),
                     "member_name": _l("Team member"), "times_last": _l("Times last this year"), "rung": _l("Rung"),
                     "kind": _l("Kind"), "who_talks": _l("Who talks"), "to_whom": _l("To whom"),
                     "participants": _l("Participants"), "talk_date": _l("Date"), "place": _l("Place"),
                     "reason": _l("Reason"), "outcome": _l("Follow-up and outcome"),
                     "superseded_at": _l("Withdrawn on"), "superseded_reason": _l("Why withdrawn")}
    formatters_columns = {}
    # No 新增 on the list; the show page has the notice button (issue 13 item 6).
    list_widget = TalkListWidget
    show_template = "monthly/talk_show.html"

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        abort(404)  # a talk comes from an approved month's ranking, never by hand

    @expose("/notice/<int:pk>", methods=["POST"])
    @has_access
    def notice(self, pk):
        talk = self.datamodel.get(pk, self._base_filters)
        if talk is None:
            abort(404)
        return request_and_show("talk_notice", talk.committee_id, {"talk_id": talk.id})


def _target_label(self) -> str:
    return str(TARGET_LABELS.get(self.target, self.target))


Talk.target_label = property(_target_label)
assert set(TARGETS) == set(TARGET_LABELS)
