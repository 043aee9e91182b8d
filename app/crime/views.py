"""Screens of crime-related records: leads (report, verify, reward), rewards, criticisms (with their 通报批评
notice), accountability records (责任追究, 一票否优). Permission "CrimeRecord" (read / write): the office, the
police station and the community police (their committees) only; app.access.roles grants nobody else anything.
"""
from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.access import scoping
from app.crime import service
from app.crime.models import LEAD_CONFIRMED, LEAD_OPEN, LEAD_UNCONFIRMED, CrimeAccountability, CrimeCriticism, \
    CrimeLead, CrimeReward
from app.extensions import db
from app.inputs import id_or_none
from app.views.base import PortalInterface, PortalModelView
from app.views.transaction import committing
from app.documents.views import request_and_show
from app.domain.idnumber import normalise_identifier
from app.models import Committee, House, Person
from app.monthly.models import CrimeLateEntry

CRIME_PERMISSIONS = ["can_read", "can_write"]
_READ_ONLY = {"list": "read", "show": "read", "export": "read", "add": "write", "edit": "write",
              "delete": "write", "action": "write", "action_post": "write"}
LEAD_STATE_LABELS = {LEAD_OPEN: _l("To be verified"), LEAD_CONFIRMED: _l("Confirmed"),
                     LEAD_UNCONFIRMED: _l("Not confirmed")}
CRITICISM_KIND_LABELS = {"lead_overdue": _l("Lead not verified in time"),
                         "late_entry": _l("Crime-related person or lead not entered in time")}


class NoAddListWidget(ListWidget):
    template = "crime/list_widget.html"


class CrimeLeadView(PortalModelView):
    datamodel = PortalInterface(CrimeLead)
    class_permission_name = "CrimeRecord"
    method_permission_name = {**_READ_ONLY, "report": "write", "verify": "write", "reward": "write"}
    base_permissions = CRIME_PERMISSIONS
    route_base = "/crime/leads"
    list_title = _l("Crime-related leads")
    show_title = _l("Crime-related lead")
    list_columns = ["committee", "summary", "reporter_name", "reported_at", "due_at", "state_label", "verified_at"]
    show_columns = ["committee", "summary", "person", "house", "reporter_name", "recorded_by", "reported_at",
                    "due_at", "state_label", "verified_at", "verified_by", "verification_note"]
    search_columns = ["committee", "state", "reporter_name"]
    base_order = ("id", "desc")
    label_columns = {"committee": _l("Residential committee"), "summary": _l("Lead"), "person": _l("Person"),
                     "house": _l("House"), "reporter_name": _l("Reported by"), "recorded_by": _l("Recorded by"),
                     "reported_at": _l("Reported at"), "due_at": _l("Verify by"), "state": _l("State"),
                     "state_label": _l("State"), "verified_at": _l("Verified at"), "verified_by": _l("Verified by"),
                     "verification_note": _l("Verification note")}
    list_widget = NoAddListWidget
    show_template = "crime/lead_show.html"

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        return redirect(url_for("CrimeLeadView.report"))

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        abort(404)  # a lead changes only by verification; what was reported stays as reported

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        abort(404)

    @expose("/report", methods=["GET", "POST"])
    @has_access
    def report(self):
        ids = scoping.visible_committee_ids(g.user)
        query = db.session.query(Committee).order_by(Committee.seq)
        if ids is not None:
            query = query.filter(Committee.id.in_(ids))
        committees = query.all()
        form = request.form
        if request.method == "POST":
            with committing(_("The lead has been recorded.")) as outcome:
                committee_id = id_or_none(form.get("committee"))
                if committee_id is None or not scoping.can_see_committee(committee_id, g.user):
                    raise service.CrimeRefused(_("Choose a residential committee."))
                person_id = house_id = None
                number = normalise_identifier(form.get("id_number") or "")
                if number:
                    match = scoping.find_by_natural_key(Person, Person.id_number, number, g.user)
                    if not match.found or match.row.committee_id != committee_id:
                        raise service.CrimeRefused(_("No such person or house in this residential committee."))
                    person_id = match.row.id
                address = (form.get("address") or "").strip()
                if address:
                    match = scoping.find_by_natural_key(House, House.address, address, g.user)
                    if not match.found or match.row.committee_id != committee_id:
                        raise service.CrimeRefused(_("No such person or house in this residential committee."))
                    house_id = match.row.id
                lead = service.report_lead(committee_id, form.get("summary", "")[:500],
                                           form.get("reporter_name", "")[:128], g.user, person_id, house_id)
            if not outcome.ok:
                return self.render_template("crime/report.html", committees=committees, form=form), 400
            return redirect(url_for("CrimeLeadView.show", pk=lead.id))
        return self.render_template("crime/report.html", committees=committees, form=form)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        # The template offers verification or the reward by the lead's state (FAB passes no item to it).
        g.crime_lead_state = self._lead_or_404(id_or_none(pk)).state
        return super().show(pk)

    def _lead_or_404(self, pk) -> CrimeLead:
        lead = self.datamodel.get(pk, self._base_filters)
        if lead is None:
            abort(404)
        return lead

    @expose("/verify/<int:pk>", methods=["POST"])
    @has_access
    def verify(self, pk):
        lead = self._lead_or_404(pk)
        outcome = request.form.get("outcome")
        if outcome not in ("confirmed", "unconfirmed"):
            abort(400, description=_("Choose whether the lead was confirmed."))
        with committing(_("The lead has been verified.")):
            service.verify_lead(lead, outcome == "confirmed", request.form.get("note", ""), g.user)
        return redirect(url_for("CrimeLeadView.show", pk=pk))

    @expose("/reward/<int:pk>", methods=["POST"])
    @has_access
    def reward(self, pk):
        lead = self._lead_or_404(pk)
        with committing(_("The reward has been recorded.")):
            service.reward_lead(lead, g.user)
        return redirect(url_for("CrimeLeadView.show", pk=pk))


class CrimeRewardView(PortalModelView):
    datamodel = PortalInterface(CrimeReward)
    class_permission_name = "CrimeRecord"
    method_permission_name = _READ_ONLY
    base_permissions = CRIME_PERMISSIONS
    route_base = "/crime/rewards"
    list_title = _l("Rewards for leads")
    list_columns = ["year", "committee", "reporter_name", "points", "lead", "created_at"]
    show_columns = list_columns + ["created_by"]
    base_order = ("id", "desc")
    label_columns = {"year": _l("Year"), "committee": _l("Residential committee"), "reporter_name": _l("Reported by"),
                     "points": _l("Points"), "lead": _l("Lead"), "created_at": _l("Recorded at"),
                     "created_by": _l("Recorded by")}
    list_widget = NoAddListWidget

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        abort(404)  # a reward comes from a confirmed lead's page

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        abort(404)


class CrimeCriticismView(PortalModelView):
    datamodel = PortalInterface(CrimeCriticism)
    class_permission_name = "CrimeRecord"
    method_permission_name = {**_READ_ONLY, "notice": "read"}
    base_permissions = CRIME_PERMISSIONS
    route_base = "/crime/criticisms"
    list_title = _l("Criticisms")
    show_title = _l("Criticism")
    list_columns = ["year", "committee", "kind_label", "to_whom", "reason", "created_at"]
    show_columns = list_columns
    base_order = ("id", "desc")
    label_columns = {"year": _l("Year"), "committee": _l("Residential committee"), "kind_label": _l("Kind"),
                     "to_whom": _l("To whom"), "reason": _l("Reason"), "created_at": _l("Issued at")}
    list_widget = NoAddListWidget
    show_template = "crime/criticism_show.html"

    @expose("/list/")
    @has_access
    def list(self):
        # The daily task issues them; opening the list also brings any that fell due since (idempotent).
        with committing():
            service.criticise_overdue_leads()
        return super().list()

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        abort(404)  # criticisms come from overdue leads and late entries

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        abort(404)

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        abort(404)

    @expose("/notice/<int:pk>", methods=["POST"])
    @has_access
    def notice(self, pk):
        criticism = self.datamodel.get(pk, self._base_filters)
        if criticism is None:
            abort(404)
        return request_and_show("crime_criticism", criticism.committee_id, {"criticism_id": criticism.id})


class CrimeAccountabilityView(PortalModelView):
    datamodel = PortalInterface(CrimeAccountability)
    class_permission_name = "CrimeRecord"
    method_permission_name = _READ_ONLY
    base_permissions = CRIME_PERMISSIONS
    route_base = "/crime/accountability"
    list_title = _l("Accountability (veto)")
    list_columns = ["year", "committee", "late_entry", "responsible", "vetoed", "outcome"]
    show_columns = list_columns + ["created_at"]
    edit_columns = ["responsible", "outcome"]
    base_order = ("id", "desc")
    label_columns = {"year": _l("Year"), "committee": _l("Residential committee"),
                     "late_entry": _l("Late entry"), "responsible": _l("People held responsible"),
                     "vetoed": _l("Vetoed from the year's awards"), "outcome": _l("Outcome"),
                     "created_at": _l("Recorded at")}
    description_columns = {"responsible": _l("Names separated by 、; each is vetoed from the year's awards.")}
    list_widget = NoAddListWidget

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        abort(404)  # made by a serious violent late entry

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        abort(404)


def _state_label(self) -> str:
    return str(LEAD_STATE_LABELS.get(self.state, self.state))


def _kind_label(self) -> str:
    return str(CRITICISM_KIND_LABELS.get(self.kind, self.kind))


CrimeLead.state_label = property(_state_label)
CrimeCriticism.kind_label = property(_kind_label)


def _late_entry_repr(self) -> str:
    return f"{self.year}年{self.month}月 {self.description}"


def register(appbuilder) -> None:
    CrimeLateEntry.__str__ = _late_entry_repr
    crime = {"category": "Crime", "category_label": _l("Crime-related records"), "category_icon": "fa-user-secret"}
    appbuilder.add_view(CrimeLeadView, "crime_leads", label=_l("Crime-related leads"), icon="fa-search", **crime)
    appbuilder.add_view(CrimeRewardView, "crime_rewards", label=_l("Rewards for leads"), icon="fa-award", **crime)
    appbuilder.add_view(CrimeCriticismView, "crime_criticisms", label=_l("Criticisms"), icon="fa-bullhorn", **crime)
    appbuilder.add_view(CrimeAccountabilityView, "crime_accountability", label=_l("Accountability (veto)"),
                        icon="fa-ban", **crime)
