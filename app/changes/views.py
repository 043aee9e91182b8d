"""Screens of the change flow: the phone report page, the case list and detail with its stage buttons, overdue
lists, the overview, the AB roles, estates, the guards' visitor log and the notifications.

Every query goes through app.access.scoping; every POST carries the CSRF token (CSRFProtect is global); a refusal is a
flashed Chinese sentence and nothing is written (one transaction per request, rolled back on refusal).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.access import scoping
from app.changes import messages, service, transfers, visitors
from app.changes.models import BlockLeader, ChangeCase, CommitteeWorkers, Estate, TransferRequest, VisitorDay, utcnow
from app.domain import case_flow
from app.extensions import db
from app.inputs import date_or_400, datetime_or_400, id_or_none
from app.access.scoping import FilterUsersInScope
from app.views.base import PortalInterface, PortalModelView, can
from app.views.transaction import committing
from app.domain.idnumber import mask_id_number
from app.models import Committee, House
from app.changes.transfers import transfer_of_case
from app.documents import jobs as documents

ACTION_VERBS = {"hand_out": "collect", "collect": "collect", "enter": "enter", "cancel": "enter",
                "close": "enter", "withdraw": "withdraw"}


def _can(verb: str, permission: str = "ChangeCase") -> bool:
    return can(verb, permission)


def current_sm():
    from flask import current_app

    return current_app.appbuilder.sm


def local(naive_utc):
    """A stored naive-UTC time shown in Shanghai time."""
    if naive_utc is None:
        return ""
    rules = service.current_rules()
    return service.aware(naive_utc).astimezone(rules.zone).strftime("%Y-%m-%d %H:%M")


def _user_names(ids) -> dict:
    sm = current_sm()
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: service.display_name(u) for u in db.session.query(sm.user_model).filter(sm.user_model.id.in_(ids))}


def _parse_local(value: str):
    """A datetime-local input (Shanghai wall clock) as naive UTC; None when empty; 400 when malformed."""
    parsed = datetime_or_400(value)  # the one date converter: 0001-01-01T00:00 cannot be turned into UTC
    if parsed is None:
        return None
    return service.naive(parsed.replace(tzinfo=service.current_rules().zone))


def _parse_date(value: str):
    return date_or_400(value)  # the one date converter: 9999-12-31 has no next day


MAX_ENTRY_PERSONS = 20  # rows of one entry form read at most (a family, not a list)


def _posted_rows(form) -> list[dict]:
    """The person rows of an entry form: each field is repeated once per row (the first row keeps the names the
    one-person form always had), read in order; rows left empty are not persons."""
    columns = {k: form.getlist(k) if hasattr(form, "getlist") else [form.get(k, "")] for k in service.ENTRY_FIELDS}
    count = min(max((len(v) for v in columns.values()), default=0), MAX_ENTRY_PERSONS)
    rows = [{k: (columns[k][i] if i < len(columns[k]) else "") for k in service.ENTRY_FIELDS} for i in range(count)]
    return service.entry_rows(rows)


def _entry_categories():
    return [("shanghai_household", _("Shanghai household, living at the registered address")),
            ("separated", _("Shanghai household, living away from the registered address")),
            ("migrant", _("From elsewhere in China"))]


def _int_or_none(value):
    value = (value or "").strip() if isinstance(value, str) else value
    if value in (None, ""):
        return None
    number = id_or_none(value)  # the one id converter: 10**20 is no record, not a driver error
    if number is None:
        abort(400, description=_("Unknown record."))
    return number


class ChangeCaseView(PortalModelView):
    datamodel = PortalInterface(ChangeCase)
    route_base = "/changes"
    class_permission_name = "ChangeCase"
    include_route_methods = {"list", "show", "export", "report", "act", "houses", "overdue", "print_form"}
    method_permission_name = {"list": "read", "show": "read", "export": "export", "overdue": "read",
                              "act": "read", "report": "report", "houses": "report", "print_form": "read"}
    # Every view on "ChangeCase" declares exactly this set (FAB's permission sync deletes the others').
    base_permissions = ["can_read", "can_report", "can_collect", "can_enter", "can_withdraw", "can_export"]
    list_title = _l("Change cases")
    base_order = ("id", "desc")
    list_columns = ["id", "committee", "house", "kind_label", "stage_label", "reported_at_local", "due_local",
                    "overdue_label", "holder_label"]
    search_columns = ["stage", "kind", "committee", "key_area", "reported_at"]
    order_columns = ["id", "reported_at"]
    label_columns = {
        "id": _l("No."), "committee": _l("Residential committee"), "house": _l("House"), "kind": _l("Change"),
        "kind_label": _l("Change"), "stage": _l("Stage"), "stage_label": _l("Stage"),
        "reported_at": _l("Reported at"), "reported_at_local": _l("Reported at"), "due_local": _l("Due by"),
        "overdue_label": _l("Overdue"), "holder_label": _l("Held by"), "key_area": _l("Key area"),
    }

    # -- the phone report page ---------------------------------------------------------------------------------
    @expose("/report", methods=["GET", "POST"])
    @has_access
    def report(self):
        status = 200
        values = {"kind": "", "house": "", "house_text": "", "people_note": "", "note": ""}
        if request.method == "POST":
            values.update({k: (request.form.get(k) or "").strip() for k in values})
            house_id = _int_or_none(values["house"])
            token = (request.form.get("token") or "").strip()[:64] or None

            house = db.session.get(House, house_id) if house_id is not None else None
            with committing() as outcome:
                if house is None or not scoping.can_see_committee(house.committee_id, g.user):
                    raise service.CaseRefused("house_out_of_scope" if house_id is not None else "no_committee")
                case = service.open_case(house.committee_id, house.id, values["kind"], actor=g.user,
                                         source="report", people_note=values["people_note"], note=values["note"],
                                         submission_token=token)
            if outcome.ok:
                flash(_("Reported: case No. %(id)s. The block leader has it now.", id=case.id), "success")
                return redirect(url_for("ChangeCaseView.report"))
            status = 400
        return self.render_template(
            "changes/report.html", values=values, kinds=messages.KIND_LABELS, token=uuid.uuid4().hex,
            title=_("Report a change"), can_read=_can("read"),
        ), status

    @expose("/houses")
    @has_access_api
    def houses(self):
        """The house picker of the report and visitor pages (Select2 JSON), scoped like the house list."""
        q = (request.args.get("q") or "").strip()[:128]
        if not q:
            return jsonify(results=[])
        return jsonify(results=scoping.houses_matching(q, limit=20))

    # -- detail and stage buttons ------------------------------------------------------------------------------
    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        case = service.visible_case(_int_or_none(pk) or 0, g.user)
        if case is None:
            abort(404)
        return self._render_case(case)

    def _render_case(self, case, posted=None, refused_action=None):
        """The case page; after a refused step, again with what was typed (``posted``) in that step's form —
        every person row of it (issue 14 §4: one wrong digit in the third person keeps all three)."""
        actions = [a for a in case_flow.allowed_actions(case.stage, case.kind) if _can(ACTION_VERBS[a])]
        if posted is not None and refused_action in ("enter", "cancel"):
            entry_rows = _posted_rows(posted) or [{}]
        elif case.person is not None:
            entry_rows = [{"name": p.name} for p in service.case_person_list(case)]
        else:
            entry_rows = [{}]
        names = _user_names([case.assigned_worker_fk] + service.holders(case))

        return self.render_template(
            "changes/show.html", case=case, actions=actions, labels=messages, local=local,
            transfer=transfer_of_case(case),
            due=service.pending_due(case), overdue=service.is_overdue_now(case),
            holders=[names.get(u, "") for u in service.holders(case)], title=_("Change case No. %(id)s", id=case.id),
            today=service.local_today().isoformat(), can_print=_can("read", "Document"),
            posted=posted or {}, refused_action=refused_action, entry_rows=entry_rows,
            case_persons=service.case_person_list(case), categories=_entry_categories(),
        )

    @expose("/act/<pk>", methods=["POST"])
    @has_access
    def act(self, pk):
        case = service.visible_case(_int_or_none(pk) or 0, g.user)
        if case is None:
            abort(404)
        action = request.form.get("action", "")
        if action not in ACTION_VERBS:
            abort(400, description=_("Unknown step."))
        with committing() as outcome:
            if not _can(ACTION_VERBS[action]):
                raise service.CaseRefused("not_allowed")
            rows = _posted_rows(request.form)
            service.advance(case, action, g.user, when=_parse_local(request.form.get("when")),
                            reason=request.form.get("reason", ""), city_system=request.form.get("city_system") or None,
                            entry_date=_parse_date(request.form.get("entry_date")),
                            person_data=rows[0] if rows else {}, persons=rows)
        if not outcome.ok:
            # The typed number stays in the audit trail (and counts against the attempts) although the step did not.
            if isinstance(outcome.refusal, service.CaseRefused):
                with committing():
                    service.record_refused_lookup(case, outcome.refusal, g.user)
            # The form again with everything typed (issue 14 §4): a wrong digit costs one correction, not a re-entry.
            return self._render_case(case, posted=request.form, refused_action=action)
        if case.stage == case_flow.AWAITING_TRANSFER:
            flash(_("This ID number is registered in another residential committee: a transfer request was "
                    "sent to it. The case waits for its confirmation."), "warning")
        else:
            flash(_("Saved: %(stage)s.", stage=messages.STAGE_LABELS[case.stage]), "success")
        return redirect(url_for("ChangeCaseView.show", pk=case.id))

    @expose("/form/<pk>", methods=["POST"])
    @has_access
    def print_form(self, pk):
        """《实有人口居住登记表》 pre-filled from this case, through the documents pipeline."""
        case = service.visible_case(_int_or_none(pk) or 0, g.user)
        if case is None:
            abort(404)
        try:
            document = documents.request_document("registration_form", case.committee_id, g.user,
                                                  params={"case_id": case.id})
        except documents.DocumentRefused:
            abort(404)
        return redirect(url_for("DocumentView.show", pk=document.id))

    # -- overdue lists -----------------------------------------------------------------------------------------
    @expose("/overdue")
    @has_access
    def overdue(self):
        now = utcnow()
        cases = (scoping.scoped_query(ChangeCase).filter(ChangeCase.stage.in_(case_flow.OPEN_STAGES))
                 .order_by(ChangeCase.committee_id, ChangeCase.id).all())
        late = [c for c in cases if service.is_overdue_now(c, now)]
        by_committee, by_holder = defaultdict(list), defaultdict(list)
        holders = {c.id: service.holders(c) for c in late}
        names = _user_names([u for hs in holders.values() for u in hs])
        for c in late:
            by_committee[c.committee.name].append(c)
            for uid in holders[c.id] or [None]:
                by_holder[names.get(uid, _("Nobody named"))].append(c)
        return self.render_template("changes/overdue.html", by_committee=dict(by_committee),
                                    by_holder=dict(sorted(by_holder.items())), labels=messages, local=local,
                                    due=service.pending_due, title=_("Overdue cases"))


def _case_kind_label(self):
    return str(messages.KIND_LABELS.get(self.kind, self.kind))


def _case_stage_label(self):
    return str(messages.STAGE_LABELS.get(self.stage, self.stage))


def _case_due_local(self):
    return local(service.pending_due(self))


def _case_overdue_label(self):
    return _("Overdue") if service.is_overdue_now(self) else ""


def _case_holder_label(self):
    names = _user_names(service.holders(self))
    return ", ".join(names.values())


ChangeCase.kind_label = _case_kind_label
ChangeCase.stage_label = _case_stage_label
ChangeCase.reported_at_local = lambda self: local(self.reported_at)
ChangeCase.due_local = _case_due_local
ChangeCase.overdue_label = _case_overdue_label
ChangeCase.holder_label = _case_holder_label


class CaseOverviewView(BaseView):
    route_base = "/changes/overview"
    default_view = "overview"
    class_permission_name = "CaseOverview"
    method_permission_name = {"overview": "read"}
    base_permissions = ["can_read"]

    @expose("/")
    @has_access
    def overview(self):
        data = service.overview(g.user)
        return self.render_template("changes/overview.html", data=data, labels=messages,
                                    stages=case_flow.OPEN_STAGES, title=_("Change flow overview"))


class CommitteeWorkersView(BaseView):
    """AB角: each committee's A and B social worker and who is away."""

    route_base = "/changes/ab"
    default_view = "index"
    class_permission_name = "CommitteeWorkers"
    method_permission_name = {"index": "read", "save": "write"}
    base_permissions = ["can_read", "can_write"]

    @expose("/")
    @has_access
    def index(self):
        committees = scoping.scoped_query(Committee).order_by(Committee.seq).all()
        rows = {r.committee_id: r for r in scoping.scoped_query(CommitteeWorkers)}
        flags = service.ab_flags({c.id for c in committees})
        workers = {c.id: service.social_workers_of(c.id) for c in committees}
        return self.render_template("changes/ab.html", committees=committees, rows=rows, flags=flags,
                                    workers=workers, labels=messages, can_write=_can("write", "CommitteeWorkers"),
                                    display_name=service.display_name, title=_("A and B social workers"))

    @expose("/save", methods=["POST"])
    @has_access
    def save(self):
        committee_id = _int_or_none(request.form.get("committee"))
        if committee_id is None or not scoping.can_see_committee(committee_id):
            abort(404)
        with committing() as outcome:
            moved = service.set_workers(
                committee_id, worker_a=_int_or_none(request.form.get("worker_a")),
                worker_b=_int_or_none(request.form.get("worker_b")), a_away=bool(request.form.get("a_away")),
                b_away=bool(request.form.get("b_away")), actor=g.user)
        if outcome.ok:
            flash(_("Saved. %(n)s open cases handed over.", n=moved), "success")
        return redirect(url_for("CommitteeWorkersView.index"))


class EstateView(PortalModelView):
    datamodel = PortalInterface(Estate)
    route_base = "/estates"
    class_permission_name = "Estate"
    include_route_methods = {"list", "show", "add", "edit", "export"}
    base_permissions = ["can_read", "can_write", "can_export"]
    list_title = _l("Estates")
    list_columns = ["committee", "name", "active"]
    add_columns = edit_columns = show_columns = ["committee", "name", "active"]
    search_columns = ["committee", "name", "active"]
    order_columns = ["name"]
    label_columns = {"committee": _l("Residential committee"), "name": _l("Estate"),
                     "active": _l("Submits a daily visitor log")}


class BlockLeaderView(PortalModelView):
    """Names the leader of each block, so that a reported change lands with him (else with the committee's
    block leaders). The leader is chosen among the accounts of the user's own committees."""

    datamodel = PortalInterface(BlockLeader)
    route_base = "/block-leaders"
    class_permission_name = "BlockLeader"
    include_route_methods = {"list", "show", "add", "edit", "export"}
    base_permissions = ["can_read", "can_write", "can_export"]
    base_order = ("block_id", "asc")
    list_title = _l("Block leaders")
    list_columns = ["committee", "block", "user"]
    show_columns = ["committee", "block", "user"]
    add_columns = ["block", "user"]
    edit_columns = ["user"]
    search_columns = ["committee"]
    label_columns = {"committee": _l("Residential committee"), "block": _l("Block"), "user": _l("Block leader")}
    add_form_query_rel_fields = edit_form_query_rel_fields = {"user": [["id", FilterUsersInScope, None]]}

    def pre_add(self, item):
        item.committee_id = item.block.committee_id if item.block is not None else None
        super().pre_add(item)


class VisitorLogView(BaseView):
    """外来人员登记: the guard's phone page (today's log of his estate) and the workstation's per-day view."""

    route_base = "/visitors"
    default_view = "today"
    class_permission_name = "VisitorLog"
    method_permission_name = {"today": "write", "days": "read"}
    base_permissions = ["can_read", "can_write"]

    @expose("/", methods=["GET", "POST"])
    @has_access
    def today(self):
        estates = visitors.estates_for(g.user)
        day = service.local_today()
        status = 200
        if request.method == "POST":
            estate_id = _int_or_none(request.form.get("estate"))
            rules = service.current_rules()
            with committing() as outcome:
                if request.form.get("none_today"):
                    visitors.log_day(estate_id or 0, day, g.user)
                else:
                    def at(field):
                        value = (request.form.get(field) or "").strip()
                        if not value:
                            return None
                        try:
                            t = dt.time.fromisoformat(value)
                        except ValueError:
                            abort(400, description=_("The date or time is not valid."))
                        return service.naive(dt.datetime.combine(day, t, tzinfo=rules.zone))

                    visitors.add_visitor(
                        estate_id or 0, day, g.user, name=request.form.get("name", ""),
                        id_number=request.form.get("id_number", ""), phone=request.form.get("phone", ""),
                        house_id=_int_or_none(request.form.get("house")),
                        visited_note=request.form.get("visited_note", ""), time_in=at("time_in"),
                        time_out=at("time_out"), reason=request.form.get("reason", ""))
            if outcome.ok:
                flash(_("Saved."), "success")
                return redirect(url_for("VisitorLogView.today"))
            status = 400
        logs = (scoping.scoped_query(VisitorDay).filter(VisitorDay.day == day)
                .order_by(VisitorDay.estate_id).all())
        return self.render_template("changes/visitors_today.html", estates=estates, logs=logs, day=day,
                                    local=local, title=_("Visitor log")), status

    @expose("/days")
    @has_access
    def days(self):
        default = service.local_today() - dt.timedelta(days=1)
        day = _parse_date(request.args.get("day")) or default
        logs = (scoping.scoped_query(VisitorDay).filter(VisitorDay.day == day)
                .order_by(VisitorDay.committee_id, VisitorDay.estate_id).all())
        missing = visitors.missing_logs(day, g.user) if day <= service.local_today() else []
        return self.render_template("changes/visitors_days.html", day=day, logs=logs, missing=missing,
                                    local=local, prev=day - dt.timedelta(days=1), next=day + dt.timedelta(days=1),
                                    title=_("Visitor logs by estate"))




class TransferView(BaseView):
    """迁移申请: the releasing committee's queue of transfer requests, each with a confirmation step (confirm, or
    send back with a reason). Shows the committee's own resident and the receiving committee's name only."""

    route_base = "/changes/transfers"
    default_view = "queue"
    class_permission_name = "Transfer"
    method_permission_name = {"queue": "read", "detail": "read", "confirm": "decide", "refuse": "decide"}
    base_permissions = ["can_read", "can_decide"]

    @expose("/")
    @has_access
    def queue(self):
        pending = transfers.pending_transfers_for(g.user).limit(500).all()
        recent = (scoping.restrict(db.session.query(TransferRequest), TransferRequest.from_committee_id, g.user)
                  .filter(TransferRequest.status != "pending").order_by(TransferRequest.id.desc()).limit(50).all())
        return self.render_template("changes/transfers.html", pending=pending, recent=recent, labels=messages,
                                    local=local, mask=_mask, title=_("Transfer requests"))

    @expose("/<pk>")
    @has_access
    def detail(self, pk):
        row = transfers.visible_transfer(_int_or_none(pk) or 0, g.user)
        if row is None:
            abort(404)
        return self.render_template("changes/transfer.html", t=row, labels=messages, local=local, mask=_mask,
                                    can_decide=_can("decide", "Transfer") and row.status == "pending",
                                    title=_("Transfer request No. %(id)s", id=row.id))

    def _decide(self, pk, decide):
        row = transfers.visible_transfer(_int_or_none(pk) or 0, g.user)
        if row is None:
            abort(404)
        row_id = row.id
        with committing() as outcome:
            decide(row)
        if not outcome.ok:
            return redirect(url_for("TransferView.detail", pk=row_id))
        flash(_("Saved: %(stage)s.", stage=messages.TRANSFER_STATUS_LABELS[row.status]), "success")
        return redirect(url_for("TransferView.queue"))

    @expose("/<pk>/confirm", methods=["POST"])
    @has_access
    def confirm(self, pk):
        if not request.form.get("checked"):
            flash(_("Please tick the box to confirm that the resident has moved out."), "danger")
            return redirect(url_for("TransferView.detail", pk=_int_or_none(pk) or 0))
        return self._decide(pk, lambda row: transfers.confirm_transfer(row, g.user))

    @expose("/<pk>/refuse", methods=["POST"])
    @has_access
    def refuse(self, pk):
        reason = (request.form.get("reason") or "").strip()[:500]
        return self._decide(pk, lambda row: transfers.refuse_transfer(row, g.user, reason))


def _mask(number):
    return mask_id_number(number or "")


