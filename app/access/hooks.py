"""Request-level rules: idle timeout, and no state change by GET."""
from __future__ import annotations

from flask import abort, request, session


def init_app(app) -> None:
    init_denials(app)

    @app.before_request
    def _session_rules():
        # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request: an idle timeout.
        session.permanent = True
        # FAB still routes GET to delete and action endpoints; CSRF protection only covers POST.
        endpoint = request.endpoint or ""
        method = endpoint.rsplit(".", 1)[-1]
        if request.method == "GET" and method in {"delete", "action"}:
            abort(405)
        # FAB's own views (users, roles…) answer an unknown action name with a 500.
        if method in {"action", "action_post"}:
            name = (request.view_args or {}).get("name") or request.form.get("action")
            view = _view_of(app, endpoint)
            if view is not None and name not in (getattr(view, "actions", None) or {}):
                abort(404)


def _view_of(app, endpoint: str):
    blueprint = endpoint.split(".", 1)[0]
    return next((v for v in app.appbuilder.baseviews if v.__class__.__name__ == blueprint), None)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in (response.headers.get("Location") or "")


def init_denials(app) -> None:
    """FAB answers a signed-in user's forbidden request with a redirect to the login page; make it a plain 403."""

    @app.after_request
    def _forbidden_not_login(response):
        from flask import g

        user = getattr(g, "user", None)
        if user is not None and getattr(user, "is_authenticated", False) and _is_login_redirect(response):
            from flask import get_flashed_messages

            from app.errors import forbidden_page

            get_flashed_messages()  # drop FAB's "access denied" flash: the page says it
            page, status = forbidden_page()
            return app.make_response((page, status))
        return response
