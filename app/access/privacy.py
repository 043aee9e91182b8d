"""Masking of ID and phone numbers: full numbers only for users with the "view full ID" permission, and on a
person's page only after an explicit, audited click. Every response that carries full numbers is audited (who,
how many records, which endpoint and filter), like exports and reveals."""
from __future__ import annotations

from flask import g, has_request_context, request
from werkzeug.datastructures import MultiDict

from app.access.roles import VIEW_FULL_ID
from app.domain.idnumber import mask_id_number, mask_phone


def may_view_full_id() -> bool:
    if not has_request_context():
        return False
    if "_may_view_full_id" not in g:
        from flask import current_app

        g._may_view_full_id = current_app.appbuilder.sm.has_access(f"can_{VIEW_FULL_ID}", "Person")
    return g._may_view_full_id


def _on_show_page() -> bool:
    return has_request_context() and (request.endpoint or "").endswith(".show")


def note_full_read(value) -> None:
    """A full number leaves the server in this response; the request's audit event counts the distinct ones."""
    if value and has_request_context():
        g.setdefault("_full_numbers_read", set()).add(str(value))


def masked_id(value) -> str:
    """List/export formatter: the full number for permitted users, except on a show page (reveal by click)."""
    if value is None:
        return ""
    if may_view_full_id() and not _on_show_page():
        note_full_read(value)
        return value
    return mask_id_number(value)


def masked_phone(value) -> str:
    if not value:
        return ""
    return value if may_view_full_id() and not _on_show_page() else mask_phone(value)


# -- edit forms ------------------------------------------------------------------------------------------------
# Users who read numbers masked get them masked in edit inputs too. The unchanged masked value posted back means
# "keep the stored number"; any other value is a new number, typed in full and validated as such.
MASKERS = {"id_number": mask_id_number, "phone": mask_phone}


def mask_form_numbers(form, stored: dict) -> None:
    """Put the masked stored numbers into the form's inputs (a form being shown to a masked user)."""
    for name, mask in MASKERS.items():
        field = getattr(form, name, None)
        value = stored.get(name)
        if field is not None and value and (field.data or "").strip() == value:
            field.data = mask(value)


def unmask_posted_numbers(formdata, stored: dict) -> MultiDict:
    """The posted form with each unchanged masked number replaced by the stored one."""
    data = MultiDict(formdata)
    for name, mask in MASKERS.items():
        value = stored.get(name)
        if value and name in data and data.get(name, "").strip() == mask(value):
            data[name] = value
    return data


# -- audit of full-number reads --------------------------------------------------------------------------------
def init_app(app) -> None:
    @app.after_request
    def _audit_full_number_reads(response):
        numbers = g.pop("_full_numbers_read", None)
        # An export records its own event with its row count (app.audit.record_export).
        if numbers and response.status_code < 400 and not g.get("_export_recorded"):
            from app.audit import record

            endpoint = request.endpoint or request.path
            detail = f"rows={len(numbers)} {endpoint} {request.query_string.decode()}".strip()[:500]
            record("read_full_id", model="Person", detail=detail)
        return response
