"""The public self-declaration page (no login), reached by the QR code of a committee's poster.

/declare/<token>: the token is an HMAC of the committee id under SECRET_KEY, so committees cannot be enumerated
by counting. The page shows nothing of any resident: the house search returns addresses of that committee only.
Floods are refused twice over: per address per day in the database (VERIFICATION_DECLARATIONS_PER_ADDRESS_PER_DAY,
exact, survives restarts) and per client IP by Flask-Limiter (VERIFICATION_DECLARE_RATE_LIMIT, FAB's limiter,
Redis in production).
"""
from __future__ import annotations

from flask import abort, current_app, jsonify, render_template, request
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _

from app.inputs import id_or_none, parse_date
from app.access.scoping import houses_matching
from app.verification.service import reach, workstation
from app.verification.service.workstation import committee_by_token, committee_token  # noqa: F401 - the page's token, also read by the poster
from app.views.transaction import committing_quietly


def declare_url(committee_id: int, external: bool = True) -> str:
    from flask import url_for

    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("PublicDeclareView.form", token=committee_token(committee_id))
    if base:
        return base.rstrip("/") + path
    return url_for("PublicDeclareView.form", token=committee_token(committee_id), _external=external)


class PublicDeclareView(BaseView):
    route_base = "/declare"
    default_view = "form"
    # No @has_access: this page is public. It only writes SelfDeclaration rows of its own committee.
    base_permissions: list[str] = []

    @expose("/<token>", methods=["GET", "POST"])
    def form(self, token):
        committee = committee_by_token(token)
        if committee is None:
            abort(404)
        values = {k: (request.form.get(k) or "").strip()[:255] for k in
                  ("name", "id_number", "house", "house_text", "address", "move_in_date")}
        error, done, status = None, False, 200
        if request.method == "POST":
            try:
                move_in = parse_date(values["move_in_date"]) if values["move_in_date"] else None
            except ValueError:
                move_in = None
                error, status = _("The move-in date is not valid."), 400
            if error is None:
                house_id = id_or_none(values["house"])  # the one id converter: 10**20 is no house
                with committing_quietly() as outcome:  # a flood of declarations: 429 (the refusal's status)
                    workstation.declare(committee, house_id=house_id, address=values["address"], name=values["name"],
                                        id_number=values["id_number"], move_in_date=move_in)
                done = outcome.ok
                if not done:
                    error, status = outcome.error, outcome.status
        return render_template("verification/declare.html", committee=committee, values=values, error=error,
                               done=done, token=token, today=reach.local_today().isoformat(),
                               title=_("Residence self-declaration")), status

    @expose("/<token>/houses")
    def houses(self, token):
        """Addresses of this committee's houses only (at most 10), for a typed part of at least 2 characters."""
        committee = committee_by_token(token)
        if committee is None:
            abort(404)
        q = (request.args.get("q") or "").strip()[:64]
        if len(q) < 2:
            return jsonify(results=[])
        return jsonify(results=houses_matching(q, committee_id=committee.id, limit=10))


def limit_public_posts(appbuilder) -> None:
    """Per-IP limit on the public POST (FAB's Flask-Limiter; no-op when RATELIMIT_ENABLED is off)."""
    sm = appbuilder.sm
    limiter = getattr(sm, "limiter", None)
    if limiter is None:
        return
    rate = current_app.config.get("VERIFICATION_DECLARE_RATE_LIMIT", "20 per hour")
    for view in appbuilder.baseviews:
        if isinstance(view, PublicDeclareView):
            limiter.limit(rate, methods=["POST"])(view.blueprint)
