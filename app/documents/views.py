"""Screens of the Documents menu: the list (文档), the request form, the status endpoint and the download.

The list is a PortalModelView scoped by a base filter that asks app.access.scoping; it has no add/edit/delete routes at
all (include_route_methods). Every endpoint that takes a document id looks it up through the same scope, so a
document outside the user's scope is a 404, whatever the URL.
"""
from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.documents import jobs, registry, service
from app.documents.forms import STREET_WIDE, DocumentRequestForm
from app.documents.models import STATE_FAILED, UNFINISHED_STATES, Document
from app.domain import clock, periods
from app.settings import current_rules
from app.views.base import PortalInterface, PortalModelView

# How far back the request form offers months and quarters (newest first).
PERIOD_CHOICES = {periods.MONTH: 24, periods.QUARTER: 8}

_BADGE = {"queued": "default", "rendering": "info", "done": "success", "failed": "danger"}


def state_badge(state: str) -> Markup:
    label = escape(service.state_label(state))
    return Markup(f'<span class="label label-{_BADGE.get(state, "default")}">{label}</span>')


def download_link(pk) -> Markup:
    if pk is None:
        return Markup("")
    href = url_for("DocumentView.file", pk=pk)
    return Markup(f'<a href="{escape(href)}"><i class="fa fa-file-pdf"></i> {escape(_("Download"))}</a>')


def request_and_show(kind: str, committee_id, params: dict):
    """A record page's "print" button: request ``kind`` for the signed-in user (its permission and scope are checked
    by the documents service: 403 when refused) and go to the document's status page."""
    try:
        document = jobs.request_document(kind, committee_id, g.user, params=params)
    except jobs.DocumentRefused:
        abort(403)
    flash(_("The document has been requested; it will be ready shortly."), "info")
    return redirect(url_for("DocumentView.show", pk=document.id))


def failure_sentence(failure) -> str:
    return service.failure_text(*failure) if failure else ""


class VisibleDocumentsFilter(BaseFilter):
    """Base filter: the documents whose kind the user may use, of the committees app.access.scoping lets the user see
    (street-wide kinds by their permission alone): app.documents.registry decides, as for requests."""

    name = "visible"
    arg_name = "visible"

    def apply(self, query, value):
        return query.filter(registry.readable_clause(Document, g.user))


class DocumentView(PortalModelView):
    datamodel = PortalInterface(Document)
    route_base = "/documents"
    list_title = _l("Documents")
    show_title = _l("Document")
    show_template = "documents/show.html"
    list_template = "documents/list.html"
    include_route_methods = {"list", "show", "request_form", "file", "status"}
    # The portal's verbs (app/access/roles.py): reading a document (list, show, status, file) is "read" on
    # "Document", requesting one is "write".
    class_permission_name = "Document"
    method_permission_name = {"list": "read", "show": "read", "status": "read", "file": "read",
                              "request_form": "write"}
    base_permissions = ["can_read", "can_write"]
    base_filters = [["id", VisibleDocumentsFilter, None]]
    committee_scope_filter = False  # VisibleDocumentsFilter scopes by committee and by kind
    base_order = ("id", "desc")
    list_columns = ["title", "state_display", "requested_by", "requested_at", "size_display", "download"]
    show_columns = [
        "title", "committee", "state_display", "failure", "requested_by", "requested_at", "started_at",
        "finished_at", "attempts", "size_display", "download",
    ]
    search_columns = ["title", "state", "requested_at"]
    order_columns = ["title", "requested_at"]
    label_columns = {
        "title": _l("Document"),
        "committee": _l("Residential committee"),
        "state": _l("State"),
        "state_display": _l("State"),
        "failure": _l("Reason"),
        "requested_by": _l("Requested by"),
        "requested_at": _l("Requested at"),
        "started_at": _l("Started at"),
        "finished_at": _l("Finished at"),
        "attempts": _l("Attempts"),
        "size_display": _l("Size"),
        "download": _l("File"),
    }
    formatters_columns = {"state_display": state_badge, "download": download_link, "failure": failure_sentence}

    # -- request -----------------------------------------------------------------------------------------------
    @expose("/request", methods=["GET", "POST"])
    @has_access
    def request_form(self):
        form = DocumentRequestForm()
        # Only the kinds this user may request (their permission: app.documents.registry); the service checks again.
        kinds = {kind.key: kind for kind in registry.requestable_kinds(g.user)}
        if not kinds:
            abort(403)
        form.kind.choices = [(key, str(kind.label)) for key, kind in kinds.items()]
        if not any(kind.scope == registry.SCOPE_STREET for kind in kinds.values()):
            form.committee.description = ""  # the note on street-wide documents concerns no kind offered
        choices = [(str(c.id), c.name) for c in service.committees_for(g.user)]
        if service.may_see_committee(None, g.user):
            choices.insert(0, (STREET_WIDE, _("Whole subdistrict (all committees)")))
        form.committee.choices = choices
        today = clock.local_today(current_rules())
        wanted = {kind.period for kind in kinds.values() if kind.period}
        for name in periods.KINDS:
            field = getattr(form, name)
            field.choices = [(p.key, p.label) for p in periods.choices(name, today, PERIOD_CHOICES[name])]
            if request.method == "GET":
                field.data = periods.default(name, today).key
        if request.method == "POST":
            # A kind or committee the form did not offer is a refusal, not a form error: 403/404, no job recorded.
            if request.form.get("kind") not in kinds:
                abort(403)
            if request.form.get("committee") not in {value for value, _label in choices}:
                abort(404)
            if form.validate_on_submit():
                committee_id = None if form.committee.data == STREET_WIDE else int(form.committee.data)
                if kinds[form.kind.data].scope == registry.SCOPE_STREET:
                    committee_id = None  # street-wide by nature, whatever committee was chosen
                period = kinds[form.kind.data].period
                params = {}
                if period:
                    field = getattr(form, period)
                    if not field.data:  # a form without the field (an older page): the last finished period
                        field.data = periods.default(period, today).key
                    if field.data not in {value for value, _label in field.choices}:
                        abort(400, description=_("Choose the month or quarter the document is about."))
                    params = periods.parse_key(period, field.data).params()
                try:
                    document = jobs.request_document(form.kind.data, committee_id, g.user, params=params)
                except jobs.DocumentRefused:
                    abort(404)
                if document.state == STATE_FAILED:
                    flash(service.failure_reason(document), "danger")
                else:
                    flash(_("The document has been requested; it will be ready shortly."), "info")
                return redirect(url_for("DocumentView.show", pk=document.id))
        return self.render_template("documents/request.html", form=form, title=_("Request a document"),
                                    fields=[form.kind, form.committee] + [getattr(form, n) for n in periods.KINDS
                                                                          if n in wanted])

    # -- status (polled by the show page) ----------------------------------------------------------------------
    @expose("/status/<int:pk>")
    @has_access_api
    def status(self, pk):
        document = self._visible(pk)
        return jsonify(
            id=document.id,
            state=document.state,
            state_label=service.state_label(document.state),
            finished=document.state not in UNFINISHED_STATES,
            reason=service.failure_reason(document),
            download_url=url_for("DocumentView.file", pk=document.id)
            if service.document_file(document) is not None else None,
        )

    # -- download ----------------------------------------------------------------------------------------------
    @expose("/file/<int:pk>")
    @has_access
    def file(self, pk):
        document = self._visible(pk)
        path = service.document_file(document)  # only a finished document whose complete file exists
        if path is None:
            abort(404)
        return send_file(
            path, mimetype="application/pdf", as_attachment=True, download_name=f"{document.title}.pdf",
            max_age=0,
        )

    def _visible(self, pk: int) -> Document:
        document = self.datamodel.get(pk, self._base_filters)
        if document is None:
            abort(404)
        return document
