"""Screens of 专项联勤联动: the list with overdue flags and the month's counts per committee (/joint/), one action's
page with the step its stage waits for. Permission "JointAction": read, escalate (the committee's 工作站: director
and social workers), act (apply, record the visit, close: the community police and the police station)."""
from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.access import scoping
from app.domain.clock import local_today
from app.errors import UserFacingError
from app.inputs import date_or_400, id_or_none, int_or_default
from app.jointaction import service
from app.models import Committee
from app.views.transaction import committing
from app.views.base import can
from app.documents.views import request_and_show

PERMISSIONS = ["can_read", "can_escalate", "can_act"]


def _can(verb: str) -> bool:
    return can(verb, "JointAction")


def stage_labels() -> dict[str, str]:
    return {"escalated": _("Reported to the community police"), "applied": _("Applied to the city operations platform"),
            "visited": _("Joint visit made"), "closed": _("Closed")}


class JointActionView(BaseView):
    route_base = "/joint"
    default_view = "index"
    class_permission_name = "JointAction"
    method_permission_name = {"index": "read", "show": "read", "escalate": "escalate", "apply": "act",
                              "visit": "act", "close": "act", "document": "read"}
    base_permissions = PERMISSIONS

    @expose("/")
    @has_access
    def index(self):
        today = local_today()
        year = int_or_default(request.args.get("year")) or today.year
        month = int_or_default(request.args.get("month")) or today.month
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            abort(400, description=_("Unknown month."))
        rows = service.listing(g.user)
        return self.render_template(
            "jointaction/index.html", rows=rows, overdue={r.id: service.overdue(r) for r in rows},
            due={r.id: service.due_on(r) for r in rows}, stages=stage_labels(),
            counts=service.monthly_counts(year, month, g.user), year=year, month=month,
            committees=scoping.scoped_query(Committee).order_by(Committee.id).all(),
            can_escalate=_can("escalate"), title=_("Special joint actions"))

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        try:
            action = service._get(pk, g.user)
        except LookupError:
            abort(404)
        return self.render_template("jointaction/show.html", a=action, stages=stage_labels(),
                                    overdue=service.overdue(action), due=service.due_on(action),
                                    can_act=_can("act"), today=local_today(), title=_("Special joint action"))

    def _step(self, pk, run):
        try:
            with committing(_("Saved.")):
                run()
        except LookupError:
            abort(404)
        return redirect(url_for("JointActionView.show", pk=pk))

    @expose("/escalate", methods=["POST"])
    @has_access
    def escalate(self):
        case_id = id_or_none(request.form.get("change_case_id"))
        record_id = id_or_none(request.form.get("verification_record_id"))
        with committing(_("Reported to the community police for a special joint action.")) as outcome:
            try:
                action = service.escalate(change_case_id=case_id, verification_record_id=record_id,
                                          reason=request.form.get("reason", ""), user=g.user)
            except LookupError:
                raise UserFacingError(_("No such change case or verification record in your committees.")) from None
        if not outcome.ok:
            return redirect(url_for("JointActionView.index"))
        return redirect(url_for("JointActionView.show", pk=action.id))

    @expose("/apply/<int:pk>", methods=["POST"])
    @has_access
    def apply(self, pk):
        when = date_or_400(request.form.get("applied_on"))
        return self._step(pk, lambda: service.apply(pk, when, request.form.get("platform_ref", ""), g.user))

    @expose("/visit/<int:pk>", methods=["POST"])
    @has_access
    def visit(self, pk):
        when = date_or_400(request.form.get("visited_on"))
        return self._step(pk, lambda: service.record_visit(pk, when, request.form.get("visitors", ""), g.user))

    @expose("/close/<int:pk>", methods=["POST"])
    @has_access
    def close(self, pk):
        collected = request.form.get("collected") == "1"
        return self._step(pk, lambda: service.close(pk, request.form.get("outcome", ""), collected, g.user))

    @expose("/document/<int:pk>", methods=["POST"])
    @has_access
    def document(self, pk):
        """The action's record as a PDF (refusal, escalation, application, visit, outcome), for its committee."""
        try:
            action = service._get(pk, g.user)
        except LookupError:
            abort(404)
        return request_and_show("joint_action", action.committee_id, {"action_id": action.id})
