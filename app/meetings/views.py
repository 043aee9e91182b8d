"""Screens of trainings (/trainings/: the year per zone with its flag, a training's attendees and materials) and
meetings (/meetings/: joint meetings, the 领导小组's, quarterly reviews; minutes, decisions, tasks).
Permissions "Training" (read, write) and "Meeting" (read, write, task)."""
from __future__ import annotations

from flask import abort, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.access import scoping
from app.domain import clock
from app.domain import volunteers as rules_of
from app.inputs import date_or_400, id_or_none, int_or_default, year_or_400
from app.meetings import service
from app.models import Committee, PortalUser
from app.settings import current_rules
from app.views.base import can
from app.views.transaction import committing
from app.volunteers.messages import MEETING_LABELS
from app.documents.views import request_and_show
from app.extensions import db

DECISION_ROWS = 5  # blank decision rows on the meeting form; more can be added on the meeting's page


def _year() -> int:
    return year_or_400(request.args.get("year"), clock.local_today(current_rules()).year)


class TrainingView(BaseView):
    route_base = "/trainings"
    default_view = "index"
    class_permission_name = "Training"
    method_permission_name = {"index": "read", "show": "read", "material": "read", "add": "write",
                              "upload": "write"}
    base_permissions = ["can_read", "can_write"]

    @expose("/")
    @has_access
    def index(self):
        year = _year()
        zones = service.visible_zones(g.user)
        staff = {z.id: service.zone_staff(z.id) for z in zones} if can("write", "Training") else {}
        return self.render_template(
            "meetings/trainings.html", year=year, view=service.year_view(year, g.user),
            trainings=service.trainings(year, g.user), zones=zones, staff=staff,
            today=clock.local_today(current_rules()), can_write=can("write", "Training"),
            title=_("Trainings"))

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        try:
            training = service.get_training(pk, g.user)
        except LookupError:
            abort(404)
        from flask import current_app

        return self.render_template("meetings/training.html", t=training, can_write=can("write", "Training"),
                                    max_mb=current_app.config.get("MATERIAL_MAX_MB", 10), title=_("Training"))

    @expose("/add", methods=["POST"])
    @has_access
    def add(self):
        form = request.form
        attendees = [id_or_none(v) for v in form.getlist("attendee")]
        with committing(_("Saved.")) as outcome:
            training = service.add_training(zone_id=id_or_none(form.get("zone")), held_on=date_or_400(form.get("held_on")),
                                            topic=form.get("topic"), place=form.get("place"),
                                            attendee_ids=attendees, user=g.user)
        if outcome.ok:
            return redirect(url_for("TrainingView.show", pk=training.id))
        return redirect(url_for("TrainingView.index"))

    @expose("/upload/<int:pk>", methods=["POST"])
    @has_access
    def upload(self, pk):
        upload = request.files.get("file")
        try:
            with committing(_("Saved.")):
                service.add_material(pk, upload.filename if upload else "", upload.stream if upload else None,
                                     g.user)
        except LookupError:
            abort(404)
        return redirect(url_for("TrainingView.show", pk=pk))

    @expose("/material/<int:pk>")
    @has_access
    def material(self, pk):
        try:
            row, path = service.material_file(pk, g.user)
        except LookupError:
            abort(404)
        # Always a download, never shown inline: a kept file is not a page of the portal.
        return send_file(path, as_attachment=True, download_name=row.filename, mimetype="application/octet-stream")


def _decisions_from(form, rows: int) -> list[dict]:
    out = []
    for i in range(rows):
        text = form.get(f"decision_{i}", "")
        task = form.get(f"task_{i}") == "1"
        if not text.strip() and not task:
            continue
        out.append({"text": text, "task": task, "committee_id": id_or_none(form.get(f"committee_{i}")),
                    "assignee_user_id": id_or_none(form.get(f"assignee_{i}")),
                    "due_on": date_or_400(form.get(f"due_{i}"))})
    return out


def _assignable_users() -> list:
    """Staff a task may go to: accounts working in the user's committees (every active account for the office)."""
    ids = scoping.visible_committee_ids()
    query = db.session.query(PortalUser).filter(PortalUser.active.is_(True))
    if ids is not None:
        query = query.filter(PortalUser.committees.any(Committee.id.in_(sorted(ids) or [-1])))
    return query.order_by(PortalUser.username).limit(500).all()


class MeetingView(BaseView):
    route_base = "/meetings"
    default_view = "index"
    class_permission_name = "Meeting"
    method_permission_name = {"index": "read", "show": "read", "new": "write", "add": "write",
                              "decide": "write", "done": "task", "pack": "read"}
    base_permissions = ["can_read", "can_write", "can_task"]

    @expose("/")
    @has_access
    def index(self):
        kind = request.args.get("kind")
        if kind not in rules_of.MEETING_KINDS:
            kind = None
        return self.render_template("meetings/meetings.html", rows=service.meetings(g.user, kind), kind=kind,
                                    labels=MEETING_LABELS, can_write=can("write", "Meeting"),
                                    all_seeing=scoping.visible_committee_ids() is None, title=_("Meetings"))

    @expose("/new")
    @has_access
    def new(self):
        kind = request.args.get("kind")
        if kind not in rules_of.MEETING_KINDS:
            kind = rules_of.QUARTERLY_REVIEW
        committee_id = id_or_none(request.args.get("committee"))
        today = clock.local_today(current_rules())
        return self.render_template(
            "meetings/new.html", kind=kind, labels=MEETING_LABELS, rows=DECISION_ROWS, today=today,
            committees=scoping.scoped_query(Committee).order_by(Committee.seq).all(), committee_id=committee_id,
            users=_assignable_users(), all_seeing=scoping.visible_committee_ids() is None,
            year=int_or_default(request.args.get("year")) or today.year,
            quarter=int_or_default(request.args.get("quarter")) or rules_of.quarter_of(today),
            title=_("Record a meeting"))

    @expose("/add", methods=["POST"])
    @has_access
    def add(self):
        form = request.form
        kind = form.get("kind")
        committees = [id_or_none(v) for v in form.getlist("committee")]
        with committing(_("Saved.")) as outcome:
            meeting = service.record_meeting(
                kind=kind, held_on=date_or_400(form.get("held_on")), title=form.get("title"),
                attendance=form.get("attendance"), minutes=form.get("minutes"), committee_ids=committees,
                block_name=form.get("block_name"), year=int_or_default(form.get("year")),
                quarter=int_or_default(form.get("quarter")), decisions=_decisions_from(form, DECISION_ROWS),
                user=g.user)
        if outcome.ok:
            return redirect(url_for("MeetingView.show", pk=meeting.id))
        return redirect(url_for("MeetingView.new", kind=kind if kind in rules_of.MEETING_KINDS else None))

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        try:
            meeting = service.get_meeting(pk, g.user)
        except LookupError:
            abort(404)
        return self.render_template(
            "meetings/meeting.html", m=meeting, labels=MEETING_LABELS, can_write=can("write", "Meeting"),
            can_task=can("task", "Meeting"), users=_assignable_users() if can("write", "Meeting") else [],
            committees=[c.committee for c in meeting.committees] or (
                scoping.scoped_query(Committee).order_by(Committee.seq).all()),
            today=clock.local_today(current_rules()), can_review_pack=can("read", "Finding"),
            title=str(MEETING_LABELS[meeting.kind]))

    @expose("/pack/<int:pk>", methods=["POST"])
    @has_access
    def pack(self, pk):
        """The quarterly review pack (app/analysis/review.py) of this review meeting's committee and quarter: the
        pack prints the meeting's record (who came, decisions, tasks) in its last section."""

        try:
            meeting = service.get_meeting(pk, g.user)
        except LookupError:
            abort(404)
        if meeting.kind != rules_of.QUARTERLY_REVIEW or not meeting.committee_ids:
            abort(404)
        return request_and_show("quarterly_review", meeting.committee_ids[0],
                                {"year": meeting.year, "quarter": meeting.quarter})

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    def decide(self, pk):
        decisions = _decisions_from(request.form, 1)
        try:
            with committing(_("Saved.")):
                service.add_decision(pk, decisions[0] if decisions else {"text": ""}, g.user)
        except LookupError:
            abort(404)
        return redirect(url_for("MeetingView.show", pk=pk))

    @expose("/done/<int:pk>", methods=["POST"])
    @has_access
    def done(self, pk):
        with committing(_("Saved.")) as outcome:
            try:
                decision = service.complete_task(pk, request.form.get("note"), g.user)
            except LookupError:
                abort(404)
        if outcome.ok:
            try:
                return redirect(url_for("MeetingView.show", pk=service.get_meeting(decision.meeting_id, g.user).id))
            except LookupError:
                pass  # a person's task from a meeting he does not see: back to his home page
        return redirect("/")
