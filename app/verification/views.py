"""Screens of verification: the phone sweep (own templates, JSON marks), quota and coverage, the duty roster,
cross-check assignments and summary, the self-declaration queue, window cases, and the record list.

Every view on "Verification" declares the same base_permissions (FAB's sync deletes the others'):
read (see records, coverage, roster), write (verify: mark persons), plan (roster, cross-check assignments),
process (the workstation: self-declarations, window lists).
"""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, jsonify, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.access import scoping
from app.access.users import users_with_role
from app.domain import clock
from app.domain.idnumber import InvalidIdNumber, mask_id_number
from app.domain.monthly_table import MONTHLY_CHECK
from app.extensions import db
from app.inputs import int_or_default
from app.monthly.table import BadMonth, parse_month
from app.settings import current_rules
from app.verification import messages
from app.verification.service import cross_checks, marking, queries, reach, roster, workstation
from app.verification.models import (
    DECLARATION_PENDING,
    SHIFTS,
    WINDOW_PENDING,
    CrossCheckAssignment,
    SelfDeclaration,
    VerificationRecord,
    WindowApplicant,
)
from app.views.base import PortalInterface, PortalModelView, can
from app.models import Building, Committee, Zone
from app.views.transaction import committing, committing_quietly
from app.access.users import display_name
from app.documents import jobs as documents
from app.documents.service import committees_for

PERMISSION = "Verification"
BASE_PERMISSIONS = ["can_read", "can_write", "can_plan", "can_process"]
TEAM_KEY = "verification_team"


def _can(verb: str) -> bool:
    return can(verb, PERMISSION)


def _int(value, default=None):
    # The one converter (app/inputs.py): 10**20 is "not given", not an id that breaks every later request.
    return int_or_default(value, default)


def _user_id(raw):
    # A user id that is given but is no id (10**20, "abc") names nobody: -1, which check_team refuses in Chinese,
    # rather than None, which would silently drop the officer the user typed.
    if raw in (None, ""):
        return None
    value = _int(raw)
    return -1 if value is None else value


def _seconds_until(deadline) -> int:
    """Whole seconds from now to a naive-UTC ``deadline`` (0 when past or None): how long the undo button stays."""
    if deadline is None:
        return 0
    return max(int((deadline - clock.utcnow()).total_seconds()), 0)


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or request.accept_mimetypes.best == "application/json"


def _team() -> marking.Team:
    data = session.get(TEAM_KEY) or {}
    shift = data.get("shift") if data.get("shift") in SHIFTS else reach.default_shift()
    return marking.Team(shift=shift, police_user_id=_int(data.get("police")),
                        member_ids=[i for i in (_int(x) for x in data.get("members", [])) if i],
                        entered_into_pda=bool(data.get("pda")),
                        # Until the team is saved the committee's officer leads (saving "—" means no officer).
                        police_by_default="police" not in data)


def _users_with_role(role_name: str, committee_ids=None, zone_id=None):
    users = users_with_role(role_name)
    if zone_id is not None:
        users = [u for u in users if u.zone_id == zone_id or any(c.zone_id == zone_id for c in u.committees)]
    if committee_ids is not None:
        users = [u for u in users if u.zone_id is not None or any(c.id in committee_ids for c in u.committees)]
    return users


_name = display_name


class SweepView(BaseView):
    """扫楼: committee → building → rooms, one tap per person."""

    route_base = "/verification"
    default_view = "sweep"
    class_permission_name = PERMISSION
    base_permissions = BASE_PERMISSIONS
    method_permission_name = {"sweep": "read", "committee": "read", "building": "read", "mark": "write",
                              "found": "write", "team": "write", "undo": "write"}

    @expose("/sweep")
    @has_access
    def sweep(self):
        day = reach.local_today()
        committees = queries.committees_for_sweep(g.user, day)
        return self.render_template("verification/sweep_committees.html", committees=committees, day=day,
                                    title=_("Door-to-door verification"))

    @expose("/sweep/<int:committee_id>")
    @has_access
    def committee(self, committee_id):
        day = reach.local_today()
        committee = db.session.get(Committee, committee_id)
        if committee is None or not reach.may_verify(g.user, committee_id, day):
            abort(404)
        team = _team()
        if team.police_by_default:
            team.police_user_id = marking.default_officer_id(committee, day, team.shift)
        # Offer only officers marking.check_team accepts: the committee's own, or its zone's.
        police = [p for p in _users_with_role("community_police", committee_ids={committee_id})
                  if marking.may_lead(p, committee)]
        members = _users_with_role("team_member", zone_id=g.user.zone_id or committee.zone_id)
        return self.render_template(
            "verification/sweep_buildings.html", committee=committee, buildings=queries.buildings_of(committee_id),
            team=team, police=police, members=[m for m in members if m.id != g.user.id], shifts=messages.SHIFT_LABELS,
            name=_name, day=day, on_roster=roster.is_on_roster({committee.zone_id, g.user.zone_id}, day, team.shift),
            cross=reach.assignment_for(g.user, committee_id, day) is not None, can_write=_can("write"),
            title=committee.name)

    @expose("/sweep/team", methods=["POST"])
    @has_access
    def team(self):
        team = {
            "shift": request.form.get("shift") if request.form.get("shift") in SHIFTS else None,
            "police": _user_id(request.form.get("police")),
            "members": [i for i in (_user_id(x) for x in request.form.getlist("members")) if i][:20],
            "pda": request.form.get("pda") == "1",
        }
        back = _int(request.form.get("committee"))
        if back is not None and not 0 < back < 2 ** 63:
            back = None
        committee = db.session.get(Committee, back) if back is not None else None
        if committee is not None and reach.may_verify(g.user, committee.id, reach.local_today()):
            # Refuse a team that could not be on this visit now, rather than at the first mark.
            try:
                marking.check_team(g.user, committee, reach.local_today(), marking.Team(
                    police_user_id=team["police"], member_ids=team["members"]))
            except reach.VerificationRefused as exc:
                flash(messages.refusal(exc), "danger")
                return redirect(url_for("SweepView.committee", committee_id=committee.id))
        session[TEAM_KEY] = team
        flash(_("Team saved for this visit."), "success")
        return redirect(url_for("SweepView.committee", committee_id=back) if back else url_for("SweepView.sweep"))

    @expose("/sweep/building/<int:building_id>")
    @has_access
    def building(self, building_id):
        day = reach.local_today()
        building = db.session.get(Building, building_id)
        if building is None or not reach.may_verify(g.user, building.committee_id, day):
            abort(404)
        kind = marking.kind_for(g.user, building.committee_id, day, MONTHLY_CHECK)
        team = _team()
        rooms = queries.building_rooms(building_id, day, (kind,))
        for room in rooms:
            for person in room["persons"]:  # only its author may undo a mark, and only for a while
                person["undo_seconds"] = _seconds_until(person["undo_until"]) if person["marked_by"] == g.user.id \
                    else 0
        return self.render_template(
            "verification/sweep_building.html", building=building, rooms=rooms, kind=kind,
            kind_label=messages.KIND_LABELS[kind], team=team,
            shift_label=messages.SHIFT_LABELS.get(team.shift, ""), labels=messages.RESULT_LABELS, day=day,
            on_roster=roster.is_on_roster({building.committee.zone_id, g.user.zone_id}, day, team.shift),
            can_write=_can("write"), title=building.name)

    def _answer(self, ok: bool, message: str, building_id=None, status=200, **extra):
        if _wants_json():
            return jsonify(ok=ok, message=message, **extra), status
        flash(message, "success" if ok else "danger")
        if building_id:
            return redirect(url_for("SweepView.building", building_id=building_id) + (
                f"#h{extra['house_id']}" if extra.get("house_id") else ""))
        return redirect(url_for("SweepView.sweep"))

    def _refused(self, outcome, building_id, **extra):
        """A sweep write that was rolled back (committing_quietly): its sentence, its status (the refusal's own:
        409 a mark that exists or cannot be undone, 404 no such mark; else 400) and a code for the page's script."""
        exc = outcome.refusal
        if isinstance(exc, InvalidIdNumber):
            code = "id_number"
        elif isinstance(exc, reach.VerificationRefused):
            code = exc.code
        else:
            code = "not_saved"  # a database error: nothing was saved
        return self._answer(False, outcome.error, building_id, status=outcome.status, code=code, **extra)

    @expose("/sweep/mark", methods=["POST"])
    @has_access
    def mark(self):
        person_id = _int(request.form.get("person"))
        result = request.form.get("result", "")
        building_id = _int(request.form.get("building"))
        with committing_quietly() as outcome:
            record = marking.mark_person(g.user, person_id, result, team=_team())
        if not outcome.ok:
            return self._refused(outcome, building_id)
        deadline = marking.undo_deadline(record)
        return self._answer(True, _("Saved: %(result)s.", result=messages.RESULT_LABELS[record.result]), building_id,
                            result=record.result, person=record.person_id, record=record.id,
                            case=record.change_case_id, on_roster=record.on_roster, house_id=record.house_id,
                            undo_seconds=_seconds_until(deadline))

    @expose("/sweep/undo", methods=["POST"])
    @has_access
    def undo(self):
        """Take back one's own wrong mark within RULE_SWEEP_UNDO_MINUTES (its untouched case is withdrawn)."""
        building_id = _int(request.form.get("building"))
        with committing_quietly() as outcome:
            record = marking.undo_mark(g.user, _int(request.form.get("record")))
        if not outcome.ok:
            return self._refused(outcome, building_id)
        message = _("Undone: the mark is taken back.")
        if record.change_case_id:
            message = _("Undone: the mark is taken back and change case #%(case)s withdrawn.",
                        case=record.change_case_id)
        return self._answer(True, message, building_id, person=record.person_id, house_id=record.house_id,
                            undone=True)

    @expose("/sweep/found", methods=["POST"])
    @has_access
    def found(self):
        house_id = _int(request.form.get("house"))
        building_id = _int(request.form.get("building"))
        with committing_quietly() as outcome:
            record = marking.mark_found(g.user, house_id, request.form.get("name", ""),
                                        request.form.get("id_number", ""), team=_team())
        if not outcome.ok:
            return self._refused(outcome, building_id, house_id=house_id)
        sex = _("Male") if record.found_id_number[16] in "13579" else _("Female")
        birth = f"{record.found_id_number[6:10]}-{record.found_id_number[10:12]}-{record.found_id_number[12:14]}"
        return self._answer(True, _("Saved: %(name)s, should be registered (%(sex)s, born %(birth)s); a "
                                    "registration case is open.", name=record.found_name, sex=sex, birth=birth),
                            building_id, result=record.result, name=record.found_name, record=record.id,
                            case=record.change_case_id, house_id=record.house_id)


class CoverageView(BaseView):
    route_base = "/verification/coverage"
    default_view = "index"
    class_permission_name = PERMISSION
    base_permissions = BASE_PERMISSIONS
    method_permission_name = {"index": "read", "unvisited": "read"}

    @expose("/")
    @has_access
    def index(self):
        today = reach.local_today()
        year = _int(request.args.get("year"), today.year)
        if not 2000 <= year <= 2100:
            abort(400, description=_("The year is not valid."))
        rows = queries.coverage(year, scoping.visible_committee_ids(g.user), today=today)
        return self.render_template("verification/coverage.html", rows=rows, year=year, today=today,
                                    title=_("Verification quota and coverage"))

    @expose("/<int:committee_id>/unvisited")
    @has_access
    def unvisited(self, committee_id):
        committee = db.session.get(Committee, committee_id)
        if committee is None or not scoping.can_see_committee(committee_id, g.user):
            abort(404)
        today = reach.local_today()
        year = _int(request.args.get("year"), today.year)
        page = max(_int(request.args.get("page"), 0) or 0, 0)
        total, rows = queries.unvisited_houses(committee_id, year, page, 50)
        return self.render_template("verification/unvisited.html", committee=committee, rows=rows, total=total,
                                    page=page, pages=(total + 49) // 50, year=year,
                                    title=_("Houses not yet visited this year"))


class RosterView(BaseView):
    """排班: a zone's month on one form: every verification day (weekday and date shown) with its day and night
    groups, one save for the whole month (all rows or none, each refused row says why and keeps its input)."""

    route_base = "/verification/roster"
    default_view = "index"
    class_permission_name = PERMISSION
    base_permissions = BASE_PERMISSIONS
    method_permission_name = {"index": "read", "save": "plan"}

    def _zones(self):
        ids = scoping.visible_committee_ids(g.user)
        zones = db.session.query(Zone).order_by(Zone.id).all()
        if ids is None:
            return zones
        return [z for z in zones if any(c.id in ids for c in z.committees)]

    def _zone_and_month(self, source, *, zone_required=False):
        zones = self._zones()
        # A page may open on the first zone; a save names its zone (an id that is no id saves nothing).
        zone_id = _int(source.get("zone"), None if zone_required or not zones else zones[0].id)
        zone = next((z for z in zones if z.id == zone_id), None)
        if zone is None:
            abort(404)
        try:
            year, mon = parse_month(source.get("month") or reach.local_today().strftime("%Y-%m"))
        except BadMonth:
            abort(400, description=_("The month is not valid."))
        return zones, zone, year, mon

    def _page(self, zones, zone, year, mon, posted=None, errors=None, status=200):
        """The month's form. ``posted`` (the plans just refused) replaces what is saved, so nothing typed is lost."""
        saved = roster.shifts_of_month(zone.id, year, mon)
        days = sorted(set(roster.verification_days(year, mon)) | {d for d, _s in saved}
                      | {d for d, _s in (posted or {})})  # a refused row stays in sight, whatever its day
        errors = errors or {}
        grid = []
        for day in days:
            rows = []
            for key, label in messages.SHIFT_LABELS.items():
                if posted is not None and (day, key) in posted:
                    plan = posted[(day, key)]
                    member_ids, police_id = set(plan.member_ids), plan.police_user_id
                else:
                    shift = saved.get((day, key))
                    member_ids = {m.id for m in shift.members} if shift else set()
                    police_id = shift.police_user_id if shift else None
                error = errors.get((day, key))
                rows.append({"shift": key, "label": label, "members": member_ids, "police": police_id,
                             "error": messages.refusal(error) if error is not None else ""})
            grid.append({"day": day, "weekday": format_date(day, "EEEE"), "date": format_date(day, "long"),
                         "rows": rows})
        members = _users_with_role("team_member", zone_id=zone.id)
        police = _users_with_role("community_police", committee_ids={c.id for c in zone.committees})
        return self.render_template("verification/roster.html", zones=zones, zone=zone, grid=grid, members=members,
                                    police=police, name=_name, month=f"{year}-{mon:02d}", can_plan=_can("plan"),
                                    title=_("Verification duty roster")), status

    @expose("/")
    @has_access
    def index(self):
        return self._page(*self._zone_and_month(request.args))

    @expose("/save", methods=["POST"])
    @has_access
    def save(self):
        zones, zone, year, mon = self._zone_and_month(request.form, zone_required=True)
        plans = {}
        for row in request.form.getlist("row")[:200]:
            day_text, _sep, shift = row.partition("/")
            try:
                day = dt.date.fromisoformat(day_text)
            except ValueError:
                abort(400, description=_("The date is not valid."))
            if shift not in SHIFTS:  # the form only offers the two groups: anything else is not our form
                abort(400, description=_("Unknown shift."))
            plans[(day, shift)] = roster.ShiftPlan(
                day=day, shift=shift, police_user_id=_user_id(request.form.get(f"police/{row}")),
                member_ids=[i for i in (_user_id(x) for x in request.form.getlist(f"members/{row}")) if i][:50])
        with committing() as outcome:
            count = roster.save_month(g.user, zone.id, year, mon, list(plans.values()))
        if isinstance(outcome.refusal, roster.RosterNotSaved):  # every bad row named, what was typed kept
            return self._page(zones, zone, year, mon, posted=plans, errors=outcome.refusal.errors, status=400)
        if outcome.ok:
            flash(_("Roster saved for the month: %(n)s groups.", n=count), "success")
        return redirect(url_for("RosterView.index", zone=zone.id, month=f"{year}-{mon:02d}"))


class CrossCheckView(BaseView):
    route_base = "/verification/cross"
    default_view = "index"
    class_permission_name = PERMISSION
    base_permissions = BASE_PERMISSIONS
    method_permission_name = {"index": "read", "assign": "plan", "remove": "plan"}

    @expose("/")
    @has_access
    def index(self):
        today = reach.local_today()
        year = _int(request.args.get("year"), today.year)
        if not 2000 <= year <= 2100:
            abort(400, description=_("The year is not valid."))
        ids = scoping.visible_committee_ids(g.user)
        assignments = scoping.restrict(db.session.query(CrossCheckAssignment), CrossCheckAssignment.committee_id)
        own = [] if ids is None else db.session.query(CrossCheckAssignment).join(
            CrossCheckAssignment.user).filter(CrossCheckAssignment.year == year).all()
        rows = {a.id: a for a in assignments.filter(CrossCheckAssignment.year == year).all()}
        for a in own:  # a zone leader also sees where he sent his own members (committees of other zones)
            if getattr(a.user, "zone_id", None) == g.user.zone_id and g.user.zone_id is not None:
                rows[a.id] = a
        members = _users_with_role("team_member", zone_id=g.user.zone_id) if g.user.zone_id else \
            (_users_with_role("team_member") if ids is None else [])
        committees = db.session.query(Committee).order_by(Committee.seq).all()
        return self.render_template(
            "verification/cross.html", year=year, summary=cross_checks.cross_check_summary(year, ids),
            assignments=sorted(rows.values(), key=lambda a: (a.month, a.committee.seq, a.user.username)),
            members=members, committees=committees, months=current_rules().cross_check_months,
            name=_name, can_plan=_can("plan"), title=_("Cross checks"))

    @expose("/assign", methods=["POST"])
    @has_access
    def assign(self):
        year = _int(request.form.get("year"), reach.local_today().year)
        with committing(_("Assigned.")):
            cross_checks.assign_cross_check(g.user, _int(request.form.get("member")),
                                            _int(request.form.get("committee")), year,
                                            _int(request.form.get("month"), 0))
        return redirect(url_for("CrossCheckView.index", year=year))

    @expose("/remove/<int:pk>", methods=["POST"])
    @has_access
    def remove(self, pk):
        row = db.session.get(CrossCheckAssignment, pk)
        if row is None or getattr(row.user, "zone_id", None) is None or not all(
                scoping.can_see_committee(c.id, g.user) for c in row.user.zone.committees):
            abort(404)
        with committing(_("Assignment removed.")):
            db.session.delete(row)
        return redirect(url_for("CrossCheckView.index", year=row.year))


class WorkstationView(BaseView):
    """The workstation's queues: self-declarations to check, window cases to import and verify, posters."""

    route_base = "/verification/workstation"
    default_view = "declarations"
    class_permission_name = PERMISSION
    base_permissions = BASE_PERMISSIONS
    method_permission_name = {"declarations": "read", "process": "process", "poster": "read"}

    @expose("/declarations")
    @has_access
    def declarations(self):
        status = request.args.get("status", DECLARATION_PENDING)
        if status not in messages.DECLARATION_LABELS:
            abort(400, description=_("Unknown status."))
        rows = (scoping.restrict(db.session.query(SelfDeclaration), SelfDeclaration.committee_id)
                .filter(SelfDeclaration.status == status).order_by(SelfDeclaration.id.desc()).limit(200).all())

        return self.render_template("verification/declarations.html", rows=rows, status=status,
                                    labels=messages.DECLARATION_LABELS, mask=mask_id_number,
                                    can_process=_can("process"), committees=committees_for(g.user),
                                    title=_("Self-declarations"))

    @expose("/declarations/<int:pk>/process", methods=["POST"])
    @has_access
    def process(self, pk):
        row = scoping.restrict(db.session.query(SelfDeclaration), SelfDeclaration.committee_id).filter(
            SelfDeclaration.id == pk).one_or_none()
        if row is None:
            abort(404)
        with committing() as outcome:
            workstation.process_declaration(g.user, row)
        if outcome.ok:
            flash(_("Checked: %(status)s.", status=messages.DECLARATION_LABELS[row.status]), "success")
        return redirect(url_for("WorkstationView.declarations"))

    @expose("/poster/<int:committee_id>", methods=["POST"])
    @has_access
    def poster(self, committee_id):
        if not scoping.can_see_committee(committee_id, g.user):
            abort(404)
        try:
            document = documents.request_document("qr_poster", committee_id, g.user)
        except documents.DocumentRefused:
            abort(404)
        return redirect(url_for("DocumentView.show", pk=document.id))


class WindowView(BaseView):
    """窗口个案: residence-permit applicants of the service centre, imported or typed, verified at home."""

    route_base = "/verification/window"
    default_view = "window"
    class_permission_name = PERMISSION
    base_permissions = BASE_PERMISSIONS
    method_permission_name = {"window": "read", "window_import": "process", "window_add": "process",
                              "window_verify": "write"}

    @expose("/")
    @has_access
    def window(self):
        rows = (scoping.restrict(db.session.query(WindowApplicant), WindowApplicant.committee_id)
                .order_by(WindowApplicant.status.desc(), WindowApplicant.id.desc()).limit(300).all())
        return self.render_template("verification/window.html", rows=rows, mask=mask_id_number,
                                    committees=committees_for(g.user), can_process=_can("process"),
                                    can_write=_can("write"), pending=WINDOW_PENDING,
                                    errors=session.pop("window_errors", None), title=_("Window cases"))

    @expose("/import", methods=["POST"])
    @has_access
    def window_import(self):
        committee_id = _int(request.form.get("committee"))
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Please choose a CSV file."), "danger")
            return redirect(url_for("WindowView.window"))
        data = upload.read(2_000_001)
        if len(data) > 2_000_000:
            flash(_("The file is too large (at most 2 MB)."), "danger")
            return redirect(url_for("WindowView.window"))
        with committing() as outcome:
            result = workstation.import_window_csv(g.user, committee_id, data)
        if not outcome.ok:
            return redirect(url_for("WindowView.window"))
        flash(_("%(n)s rows imported.", n=result.added), "success" if not result.errors else "warning")
        if result.errors:
            session["window_errors"] = [(line, str(msg)) for line, msg in result.errors[:200]]
        return redirect(url_for("WindowView.window"))

    @expose("/add", methods=["POST"])
    @has_access
    def window_add(self):
        with committing(_("Added.")):
            workstation.add_window_applicant(g.user, _int(request.form.get("committee")), request.form.get("name", ""),
                                             request.form.get("id_number", ""), request.form.get("address", ""))
        return redirect(url_for("WindowView.window"))

    @expose("/<int:pk>/verify", methods=["POST"])
    @has_access
    def window_verify(self, pk):
        row = db.session.get(WindowApplicant, pk)
        if row is None or not reach.may_verify(g.user, row.committee_id, reach.local_today()):
            abort(404)
        with committing() as outcome:
            record = workstation.verify_window(g.user, row, lives_there=request.form.get("lives_there") == "1",
                                               team=_team())
        if outcome.ok:
            flash(_("Saved: %(result)s.", result=messages.RESULT_LABELS[record.result]), "success")
        return redirect(url_for("WindowView.window"))


def _record_who(self):
    return self.person.name if self.person_id and self.person else (self.found_name or "")


def _record_id_masked(self):
    number = self.person.id_number if self.person_id and self.person else (self.found_id_number or "")
    return mask_id_number(number)


VerificationRecord.who_label = _record_who
VerificationRecord.id_masked = _record_id_masked
VerificationRecord.result_label = lambda self: str(messages.RESULT_LABELS.get(self.result, self.result))
VerificationRecord.kind_label = lambda self: str(messages.KIND_LABELS.get(self.kind, self.kind))
VerificationRecord.shift_label = lambda self: str(messages.SHIFT_LABELS.get(self.shift, "")) if self.shift else ""
VerificationRecord.roster_label = lambda self: "" if self.on_roster else str(_("Off roster"))


class VerificationRecordView(PortalModelView):
    """核查记录: read-only list of the records in scope (committee staff see their committee's)."""

    datamodel = PortalInterface(VerificationRecord)
    route_base = "/verification/records"
    class_permission_name = PERMISSION
    base_permissions = BASE_PERMISSIONS
    method_permission_name = {"list": "read", "show": "read", "export": "read"}
    include_route_methods = {"list", "show"}
    list_title = _l("Verification records")
    show_title = _l("Verification record")
    base_order = ("id", "desc")
    list_columns = ["checked_on", "committee", "house", "who_label", "id_masked", "result_label", "kind_label",
                    "shift_label", "roster_label", "entered_into_pda"]
    show_columns = list_columns + ["checked_at", "change_case_id"]
    search_columns = ["checked_on", "committee", "result", "kind", "on_roster", "entered_into_pda"]
    order_columns = ["checked_on"]
    label_columns = {
        "checked_on": _l("Date"), "checked_at": _l("Time recorded"), "committee": _l("Residential committee"),
        "house": _l("House"), "who_label": _l("Full name"), "id_masked": _l("ID number"), "result": _l("Result"),
        "result_label": _l("Result"), "kind": _l("Kind of check"), "kind_label": _l("Kind of check"),
        "shift_label": _l("Shift"), "roster_label": _l("Roster"), "on_roster": _l("On roster"),
        "entered_into_pda": _l("Entered into PDA"), "change_case_id": _l("Change case"),
    }
