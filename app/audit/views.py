"""The audit trail screen: search and read, never add, edit or delete (not even an admin)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.audit.labels import action_label, actor_label, model_label, source_label
from app.audit.models import AuditEvent
from app.views.base import PortalInterface, PortalModelView


class AuditEventView(PortalModelView):
    datamodel = PortalInterface(AuditEvent)
    route_base = "/audit"
    list_title = _l("Audit trail")
    show_title = _l("Audit event")
    base_permissions = ["can_read"]
    base_order = ("id", "desc")
    list_columns = ["at", "actor_name", "source", "remote_addr", "action", "model", "record_id"]
    show_columns = ["at", "actor_id", "actor_name", "source", "remote_addr", "action", "model", "record_id",
                    "committee_id", "before", "after", "detail"]
    search_columns = ["actor_name", "action", "model", "record_id", "at", "source"]
    order_columns = ["at"]
    label_columns = {
        "at": _l("Time"), "actor_id": _l("User id"), "actor_name": _l("User"), "source": _l("Source"),
        "remote_addr": _l("Address"), "action": _l("Action"), "model": _l("Record type"),
        "record_id": _l("Record id"), "committee_id": _l("Committee id"), "before": _l("Before"),
        "after": _l("After"), "detail": _l("Detail"),
    }
    # Stored codes shown in Chinese (app/audit/labels.py); the time in Shanghai time by the list/show widgets.
    formatters_columns = {"action": action_label, "model": model_label, "source": source_label,
                          "actor_name": actor_label}
