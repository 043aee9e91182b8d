"""Masking of ID and phone numbers: full numbers only for users with the "view full ID" permission, and on a
person's page only after an explicit, audited click."""
from __future__ import annotations

from flask import g, has_request_context, request

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


def masked_id(value) -> str:
    """List/export formatter: the full number for permitted users, except on a show page (reveal by click)."""
    if value is None:
        return ""
    return value if may_view_full_id() and not _on_show_page() else mask_id_number(value)


def masked_phone(value) -> str:
    if not value:
        return ""
    return value if may_view_full_id() and not _on_show_page() else mask_phone(value)
