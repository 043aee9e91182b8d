"""Screens of the volunteer register (/volunteers/): the register with the year's points and visits, a volunteer's
page (points, the half-yearly 慰问 planned and recorded), the year's commendations chosen from the ranked list and
their PDF. Permission "Volunteer": read, write, visit, commend."""
from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.access import scoping
from app.domain import clock
from app.domain import volunteers as rules_of
from app.inputs import date_or_400, id_or_none, int_or_default, year_or_400
from app.models import Building, Committee
from app.settings import current_rules
from app.views.base import can
from app.views.transaction import committing
from app.volunteers import messages, service
from app.access.roles import BUILDING_LEADER
from app.access.users import users_with_role
from app.documents.views import request_and_show


def _year() -> int:
    return year_or_400(request.args.get("year") or request.form.get("year"), clock.local_today(current_rules()).year)


def _building_leader_accounts() -> list:
    """Building leaders' accounts in the user's committees: a volunteer linked to one earns points for the reports
    filed from it."""
    ids = scoping.visible_committee_ids()
    return [u for u in users_with_role(BUILDING_LEADER)
            if ids is None or any(c.id in ids for c in u.committees)]


class VolunteerView(BaseView):
    route_base = "/volunteers"
    default_view = "index"
    class_permission_name = "Volunteer"
    method_permission_name = {"index": "read", "show": "read", "add": "write", "active": "write",
                              "visit": "visit", "commendations": "read", "commend": "commend",
                              "commendation_pdf": "commend"}
    base_permissions = ["can_read", "can_write", "can_visit", "can_commend"]

    @expose("/")
    @has_access
    def index(self):
        year = _year()
        committee_id = id_or_none(request.args.get("committee"))
        if committee_id is not None and not scoping.can_see_committee(committee_id, g.user):
            abort(404)
        q = (request.args.get("q") or "").strip()[:64]
        rows = service.register(g.user, committee_id, q)
        counts = service.counts(year, [v.id for v in rows])
        rules = current_rules()
        today = clock.local_today(rules)
        visits = service.visits(year, [v.id for v in rows])
        states = {(v.id, h): rules_of.visit_state(year, h, (v.id, h) in visits and visits[(v.id, h)].visited_on
                                                  is not None, today) for v in rows for h in (1, 2)}
        committees = scoping.scoped_query(Committee).order_by(Committee.seq).all()
        writer = can("write", "Volunteer")
        buildings = (scoping.scoped_query(Building).order_by(Building.committee_id, Building.name_key).limit(3000).all()
                     if writer else [])
        accounts = _building_leader_accounts() if writer else []
        return self.render_template(
            "volunteers/index.html", rows=rows, counts=counts, year=year, q=q, committee_id=committee_id,
            points={v.id: rules_of.points(*counts[v.id], rules) for v in rows}, states=states,
            committees=committees, buildings=buildings, accounts=accounts, roles=messages.ROLE_LABELS, visit_labels=messages.VISIT_LABELS,
            can_write=can("write", "Volunteer"), show_leads=can("read", "CrimeRecord"),
            title=_("Volunteers"))

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        year = _year()
        try:
            volunteer = service.get(pk, g.user)
        except LookupError:
            abort(404)
        reports, leads = service.counts(year, [pk])[pk]
        visits = service.visits(year, [pk])
        today = clock.local_today(current_rules())
        halves = []
        for half in (1, 2):
            visit = visits.get((pk, half))
            first, last = rules_of.half_bounds(year, half)
            halves.append({"half": half, "visit": visit, "first": first, "last": last,
                           "state": rules_of.visit_state(year, half, bool(visit and visit.visited_on), today)})
        return self.render_template(
            "volunteers/show.html", v=volunteer, year=year, reports=reports, leads=leads,
            points=rules_of.points(reports, leads, current_rules()), halves=halves, roles=messages.ROLE_LABELS,
            visit_labels=messages.VISIT_LABELS, can_visit=can("visit", "Volunteer"),
            can_write=can("write", "Volunteer"), show_leads=can("read", "CrimeRecord"), today=today,
            rules=current_rules(), title=_("Volunteer"))

    @expose("/add", methods=["POST"])
    @has_access
    def add(self):
        form = request.form
        with committing(_("Saved.")):
            service.add(committee_id=id_or_none(form.get("committee")), name=form.get("name"),
                        role=form.get("role"), phone=form.get("phone"), building_id=id_or_none(form.get("building")),
                        user_id=id_or_none(form.get("user")), user=g.user)
        return redirect(url_for("VolunteerView.index"))

    @expose("/active/<int:pk>", methods=["POST"])
    @has_access
    def active(self, pk):
        try:
            with committing(_("Saved.")):
                service.set_active(pk, request.form.get("active") == "1", g.user)
        except LookupError:
            abort(404)
        return redirect(url_for("VolunteerView.show", pk=pk))

    @expose("/visit/<int:pk>", methods=["POST"])
    @has_access
    def visit(self, pk):
        year = _year()
        half = int_or_default(request.form.get("half"))
        day = date_or_400(request.form.get("day"))
        try:
            with committing(_("Saved.")):
                if request.form.get("step") == "plan":
                    service.plan_visit(pk, year, half, day, g.user)
                else:
                    service.record_visit(pk, year, half, day, request.form.get("visitors"), request.form.get("note"),
                                         g.user)
        except LookupError:
            abort(404)
        return redirect(url_for("VolunteerView.show", pk=pk, year=year))

    @expose("/commendations")
    @has_access
    def commendations(self):
        year = _year()
        ranked = service.standings(year, g.user)
        chosen = {c.volunteer_id for c in service.commendations(year, g.user)}
        names = {v.id: v for v in service.register(g.user, limit=None)}
        return self.render_template(
            "volunteers/commendations.html", year=year, ranked=ranked, chosen=chosen, volunteers=names,
            roles=messages.ROLE_LABELS, can_commend=can("commend", "Volunteer"),
            show_leads=can("read", "CrimeRecord"), limit=current_rules().volunteer_commendations_per_year,
            title=_("Volunteer commendations"))

    @expose("/commend", methods=["POST"])
    @has_access
    def commend(self):
        year = _year()
        ids = [i for i in (id_or_none(v) for v in request.form.getlist("volunteer")) if i is not None]
        with committing(_("Saved.")):
            service.commend(year, ids, g.user)
        return redirect(url_for("VolunteerView.commendations", year=year))

    @expose("/commendations/pdf", methods=["POST"])
    @has_access
    def commendation_pdf(self):
        return request_and_show("volunteer_commendations", None, {"year": _year()})
