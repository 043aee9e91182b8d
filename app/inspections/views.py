"""Screens of the spot inspections (飞行检查): the year's inspections and the record form (the office and the
police station record, also for the 市民巡访团), and the findings list where the inspected committee puts them right.

Permission "SpotInspection" (app/access/roles.py): read, write (record an inspection), fix (put a finding right:
the committee's director and social workers). Every row is scoped by its committee (app/access/scoping.py).
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.access import scoping
from app.domain import inspection as checklist
from app.domain.clock import local_today
from app.errors import UserFacingError
from app.extensions import db
from app.inputs import date_or_400, id_or_none, int_or_default
from app.inspections import service
from app.models import Committee, PortalUser
from app.views.transaction import committing
from app.views.base import can
from app.access.roles import TEAM_MEMBER
from app.documents.views import request_and_show
from app.monthly.models import SpotInspection

PERMISSIONS = ["can_read", "can_write", "can_fix"]


def _can(verb: str) -> bool:
    return can(verb, "SpotInspection")


def _points_from_form(form) -> dict:
    points = {}
    for item in checklist.CHECKLIST:
        raw = (form.get(f"item_{item.code}") or "").strip()
        try:
            points[item.code] = float(raw) if raw else None
        except ValueError:
            points[item.code] = None
        if points[item.code] is not None and points[item.code] != points[item.code]:  # NaN
            points[item.code] = None
    return points


class SpotInspectionPlanView(BaseView):
    route_base = "/inspections"
    default_view = "index"
    class_permission_name = "SpotInspection"
    method_permission_name = {"index": "read", "record": "write", "findings": "read", "fix": "fix",
                              "document": "read"}
    base_permissions = PERMISSIONS

    def _index(self, year: int, status: int = 200, form=None):
        committees = scoping.scoped_query(Committee).order_by(Committee.id).all()
        members = []
        if _can("write"):
            from flask_appbuilder.security.sqla.models import Role

            members = (db.session.query(PortalUser).filter(PortalUser.active.is_(True),
                                                           PortalUser.roles.any(Role.name == TEAM_MEMBER))
                       .order_by(PortalUser.username).all())
        body = self.render_template(
            "inspections/index.html", year=year, rows=service.inspections(year, g.user),
            scores=service.year_scores(year, g.user), committees=committees, members=members,
            checklist=checklist.CHECKLIST, full_score=checklist.FULL_SCORE, items=service.item_labels(),
            bodies=service.body_labels(), units=service.unit_labels(), can_write=_can("write"),
            form=form or {}, today=local_today(), title=_("Spot inspections %(year)s", year=year))
        return body, status

    @expose("/")
    @has_access
    def index(self):
        year = int_or_default(request.args.get("year")) or local_today().year
        if not 2000 <= year <= 2100:
            abort(400, description=_("Unknown year."))
        return self._index(year)

    @expose("/record", methods=["POST"])
    @has_access
    def record(self):
        form = request.form
        inspected_on = date_or_400(form.get("inspected_on"))
        committee_id = id_or_none(form.get("committee_id"))
        member_raw = (form.get("weak_member_id") or "").strip()
        member_id = id_or_none(member_raw)
        with committing() as outcome:
            if inspected_on is None:
                raise UserFacingError(_("Give the inspection date."))
            if member_raw and member_id is None:
                raise UserFacingError(_("Choose a team member from the list."))
            row = service.record_inspection(
                committee_id=committee_id, body=form.get("body", ""), unit=form.get("unit", ""),
                inspected_on=inspected_on, points=_points_from_form(form),
                findings=form.get("findings", "").splitlines(), weak_member_id=member_id,
                note=form.get("note", ""), user=g.user)
        if not outcome.ok:
            return self._index(local_today().year, 400, form)
        flash(_("Spot inspection recorded: %(score)s points.", score=f"{row.score:g}"), "success")
        return redirect(url_for("SpotInspectionPlanView.index", year=row.year))

    @expose("/findings")
    @has_access
    def findings(self):
        return self.render_template("inspections/findings.html", rows=service.findings(g.user),
                                    today=local_today(), can_fix=_can("fix"),
                                    title=_("Spot inspection findings"))

    @expose("/findings/<int:pk>/fix", methods=["POST"])
    @has_access
    def fix(self, pk):
        try:
            with committing(_("The finding is marked as put right.")):
                service.fix_finding(pk, request.form.get("note", ""), g.user)
        except LookupError:
            abort(404)
        return redirect(url_for("SpotInspectionPlanView.findings"))

    @expose("/<int:pk>/document", methods=["POST"])
    @has_access
    def document(self, pk):
        """The inspection's record as a PDF (its checklist, score and findings), for its committee."""
        row = scoping.scoped_query(SpotInspection, g.user).filter(SpotInspection.id == pk).one_or_none()
        if row is None:
            abort(404)
        return request_and_show("spot_inspection", row.committee_id, {"inspection_id": row.id})
