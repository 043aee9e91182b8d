"""The import page (menu 实有人口 → 导入登记表): upload → check → import, each a Celery job with a progress bar and
a result page; the template download; the review queue of possible duplicates (merge or keep apart).

A job belongs to the account that uploaded it (another account gets 404). The rows a job may touch are decided
by app.access.scoping for that account, in the task; the review queue lists only the committees the user sees.
"""
from __future__ import annotations

import io

from flask import abort, current_app, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.access.privacy import masked_id, may_view_full_id
from app.audit.recorder import record_export
from app.extensions import db
from app.importing import jobs, service
from app.importing.messages import file_message, row_message
from app.importing.models import (
    JOB_FAILED, JOB_RUNNING, REVIEW_APART, REVIEW_MERGED, REVIEW_PENDING, REVIEW_SAME_NAME_BIRTH, ImportJob,
    ImportReview,
)
from app.importing.workbook import rows_workbook_bytes, template_bytes
from app.access.scoping import restrict, visible_committee_ids
from app.models import Person
from app.views.transaction import committing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATE_LABELS = {
    "queued": _l("Queued"), "checking": _l("Checking"), "checked": _l("Checked, not imported yet"), "importing": _l("Importing"),
    "done": _l("Imported"), "failed": _l("Failed"),
}
REASON_LABELS = {
    REVIEW_SAME_NAME_BIRTH: _l("Same name and birth date, another ID number"),
    "upgraded_15": _l("A 15-digit number whose 18-digit form is already registered"),
}
SUMMARY_LABELS = {
    "rows": _l("Rows"), "valid": _l("Valid rows"), "errors": _l("Rows with errors"),
    "persons_created": _l("Persons created"), "buildings_created": _l("Buildings created"),
    "houses_created": _l("Houses created"), "residences_created": _l("Residences created"),
    "updated": _l("Persons updated"), "unchanged": _l("Unchanged"), "review": _l("Held for review"),
    "transfers": _l("Transfers requested"),
}
# A check only says what the import would do: the same count, worded as a future request.
CHECK_LABELS = {**SUMMARY_LABELS, "transfers": _l("Transfers to request")}


class RegisterImportView(BaseView):
    route_base = "/imports"
    default_view = "index"
    class_permission_name = "RegisterImport"
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {
        "index": "read", "template": "read", "job": "read", "status": "read", "errors": "read", "review": "read",
        "upload": "write", "run": "write", "decide": "write", "export": "read",
    }

    def _job(self, pk: int) -> ImportJob:
        job = db.session.get(ImportJob, pk)
        if job is None or job.user_id != g.user.id:
            abort(404)
        return job

    @expose("/")
    @has_access
    def index(self):
        recent = db.session.scalars(select(ImportJob).where(ImportJob.user_id == g.user.id)
                                    .order_by(ImportJob.id.desc()).limit(20)).all()
        max_mb, max_rows = service.limits()
        return self.render_template("importing/index.html", title=_("Import the register"), jobs=recent,
                                    states=STATE_LABELS, max_mb=max_mb, max_rows=max_rows)

    @expose("/template")
    @has_access
    def template(self):
        return send_file(io.BytesIO(template_bytes()), as_attachment=True, mimetype=XLSX,
                         download_name="实有人口登记表模板.xlsx")

    @expose("/export")
    @has_access
    def export(self):
        """The flat register of the user's committees in the template's columns (re-importable). Full ID numbers:
        only for users allowed to see them (the rest get 403), and audited as an export."""
        if not may_view_full_id():
            abort(403)
        limit = current_app.config.get("EXPORT_MAX_ROWS", 100_000)
        count, table = service.register_rows(visible_committee_ids(), limit)
        if table is None:
            flash(_("The export is limited to %(max)s rows; narrow the search first.", max=limit), "danger")
            return redirect(url_for(".index"))
        headers, rows = table
        payload = rows_workbook_bytes("实有人口登记", headers, rows)
        record_export("Register", count, "imports/export")
        return send_file(io.BytesIO(payload), as_attachment=True, mimetype=XLSX,
                         download_name="实有人口登记表.xlsx")

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        upload = request.files.get("file")
        max_mb, _rows = service.limits()
        if upload is None or not upload.filename:
            flash(file_message("not_xlsx"), "danger")
            return redirect(url_for(".index"))
        if not upload.filename.lower().endswith(".xlsx"):
            flash(file_message("not_xlsx"), "danger")
            return redirect(url_for(".index"))
        data = upload.stream.read(max_mb * 1024 * 1024 + 1)
        if len(data) > max_mb * 1024 * 1024:
            flash(file_message("too_large", max=max_mb), "danger")
            return redirect(url_for(".index"))
        skip_invalid = request.form.get("skip_invalid") in ("y", "on", "1", "true")
        job_id, not_queued = jobs.start_check(g.user, upload.filename, data, skip_invalid)
        if not_queued:
            flash(_("The background service is unavailable; please try again later."), "danger")
        return redirect(url_for(".job", pk=job_id))

    @expose("/job/<int:pk>")
    @has_access
    def job(self, pk):
        job = self._job(pk)
        errors = [(e["row"], e["column"], row_message(e["code"], e.get("params") or {}))
                  for e in (job.errors or [])[:500]]
        return self.render_template(
            "importing/job.html", title=_("Import job %(id)s", id=job.id), job=job, errors=errors,
            states=STATE_LABELS, running=job.state in JOB_RUNNING, may_import=jobs.may_import(job),
            summary_labels=CHECK_LABELS if (job.summary or {}).get("dry_run", True) else SUMMARY_LABELS, failed=job.state == JOB_FAILED,
            broker_down=job.message == jobs.BROKER_UNAVAILABLE,
        )

    @expose("/job/<int:pk>/status")
    @has_access
    def status(self, pk):
        job = self._job(pk)
        return jsonify(state=job.state, done=job.rows_done, total=job.rows_total,
                       finished=job.state not in JOB_RUNNING)

    @expose("/job/<int:pk>/run", methods=["POST"])
    @has_access
    def run(self, pk):
        job = self._job(pk)
        if not jobs.may_import(job):
            flash(_("This file cannot be imported: check it first and correct the rows with errors."), "danger")
            return redirect(url_for(".job", pk=pk))
        if jobs.start_import(job, g.user.id):
            flash(_("The background service is unavailable; please try again later."), "danger")
        return redirect(url_for(".job", pk=pk))

    @expose("/job/<int:pk>/errors.xlsx")
    @has_access
    def errors(self, pk):
        job = self._job(pk)
        rows = service.errors_report_rows(job.errors or [])
        payload = rows_workbook_bytes("错误清单", [_("Row"), _("Column"), _("Problem")], rows)
        return send_file(io.BytesIO(payload), as_attachment=True, mimetype=XLSX,
                         download_name=f"import-{job.id}-errors.xlsx")

    # -- the review queue ------------------------------------------------------------------------------------
    @expose("/review")
    @has_access
    def review(self):
        query = restrict(db.session.query(ImportReview), ImportReview.committee_id).filter(
            ImportReview.state == REVIEW_PENDING).order_by(ImportReview.id).limit(200)
        items = []
        for item in query:
            person = restrict(db.session.query(Person), Person.committee_id).filter(
                Person.id == item.person_id).one_or_none()
            items.append({"review": item, "person": person, "row_id": masked_id(item.id_number),
                          "person_id": masked_id(person.id_number) if person is not None else "",
                          "reason": REASON_LABELS.get(item.reason, item.reason)})
        return self.render_template("importing/review.html", title=_("Possible duplicates"), items=items,
                                    merged=REVIEW_MERGED, apart=REVIEW_APART)

    @expose("/review/<int:pk>/<decision>", methods=["POST"])
    @has_access
    def decide(self, pk, decision):
        if decision not in (REVIEW_MERGED, REVIEW_APART):
            abort(404)
        try:
            with committing(_("Merged with the registered person.") if decision == REVIEW_MERGED
                            else _("Kept apart: registered as a new person.")):
                service.decide_review(pk, decision, visible_committee_ids(), g.user.id)
        except service.ReviewGone:  # decided meanwhile, or out of scope: rolled back by committing()
            abort(404)
        return redirect(url_for(".review"))
