"""The user's notifications (newest first, mark all read) and the unread count the navbar badge shows."""
from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.domain import clock
from app.domain.clock import utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import unread_count  # noqa: F401  (re-exported for the navbar)
from app.settings import current_rules
from app.views.transaction import committing


def local(naive_utc) -> str:
    """A stored naive-UTC time in the rules' time zone."""
    if naive_utc is None:
        return ""

    return clock.aware(naive_utc).astimezone(current_rules().zone).strftime("%Y-%m-%d %H:%M")


class NotificationView(BaseView):
    route_base = "/notifications"
    default_view = "index"
    class_permission_name = "Notification"
    method_permission_name = {"index": "read", "mark_read": "read"}
    base_permissions = ["can_read"]

    @expose("/")
    @has_access
    def index(self):
        rows = (db.session.query(Notification).filter(Notification.user_id == g.user.id)
                .order_by(Notification.id.desc()).limit(200).all())
        unread = sum(1 for n in rows if n.read_at is None)
        return self.render_template("notifications/list.html", rows=rows, unread=unread, local=local,
                                    title=_("Notifications"))

    @expose("/read", methods=["POST"])
    @has_access
    def mark_read(self):
        with committing():
            (db.session.query(Notification).filter(Notification.user_id == g.user.id, Notification.read_at.is_(None))
             .update({Notification.read_at: utcnow()}, synchronize_session=False))
        return redirect(url_for("NotificationView.index"))


def init_app(app) -> None:
    """The navbar badge: the signed-in user's unread count, one indexed COUNT per page."""
    from app.notifications import webhook

    webhook.init_app(app)

    @app.context_processor
    def _unread_notifications():
        def count() -> int:
            # Called by the navbar only, so pages without it (PDF templates, JSON) run no query.
            user = getattr(g, "user", None)
            if user is None or not getattr(user, "is_authenticated", False):
                return 0
            try:
                return unread_count(user)
            except Exception:  # noqa: BLE001 - a badge never breaks a page (an error page after a DB failure)
                db.session.rollback()
                return 0

        return {"unread_notifications": count}
