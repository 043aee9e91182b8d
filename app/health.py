"""GET /health: for docker's health check and load balancers. No login, no session, no template.

200 {"status": "ok", "database": "ok"} when the database answers a trivial query, 503 otherwise.
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    from app.extensions import db

    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check: database error %r", exc)
        db.session.rollback()
        database = "error"
    finally:
        db.session.remove()
    healthy = database == "ok"
    response = jsonify(status="ok" if healthy else "error", database=database)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
