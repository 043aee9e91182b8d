"""Request-level rules: idle timeout, no state change by GET, forwarded headers only from trusted proxies, and
security headers on every response."""
from __future__ import annotations

import secrets

from flask import abort, g, request, session

from app.errors import forbidden_page


def init_app(app) -> None:
    init_proxies(app)
    # after_request functions run last-registered first: the headers go on whatever response the others make.
    init_security_headers(app)
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

            get_flashed_messages()  # drop FAB's "access denied" flash: the page says it
            page, status = forbidden_page()
            return app.make_response((page, status))
        return response


def init_proxies(app) -> None:
    """Believe X-Forwarded-For/-Proto/-Host only from the TRUSTED_PROXY_HOPS proxies in front of us (docker: the
    TLS front, 1). With 0 nothing is believed: request.remote_addr is the peer, whatever a client writes in its
    headers, so the audit trail and the sign-in locks see the real address."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def csp_nonce() -> str:
    """This response's script nonce; FAB's templates (baselib.get_nonce) and ours put it on every <script>."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(16)
    return nonce


# Scripts only from our own origin or inline with this response's nonce. Styles allow inline because FAB's and
# our templates carry style="…" attributes (a nonce cannot cover attributes); no script runs from them.
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'self'")


def init_security_headers(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Referrer-Policy", "same-origin")
        # Only on pages: Chromium's PDF viewer does not open a PDF served with object-src 'none'.
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
        return response
