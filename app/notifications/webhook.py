"""Delivery to a committee's 企业微信 group robot (WECOM_WEBHOOKS, off by default).

The robot takes {"msgtype": "text", "text": {"content": …}} by POST. Messages wait in webhook_delivery (queued in
the transaction that made the notification); after a commit the deliver task is sent to the broker — or, with no
broker, run on a daemon thread — so a robot that times out or answers 500 delays nobody. A failed attempt is
logged and retried later with a growing pause (the beat job every minute also picks up what is due)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import urllib.error
import urllib.request

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.domain.clock import utcnow
from app.extensions import db
from app.notifications.models import WebhookDelivery
from app.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def parse_webhooks(raw: str) -> dict[int, str]:
    """"3=https://qyapi…;7=https://…" (committee id = robot URL) → {3: url, 7: url}. Unreadable parts are skipped
    with a warning: a typo in one committee's entry must not stop the portal."""
    out: dict[int, str] = {}
    for part in (raw or "").replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, url = part.partition("=")
        if not sep or not key.strip().isdigit() or not url.strip().startswith(("http://", "https://")):
            log.warning("WECOM_WEBHOOKS: ignoring %r (want <committee id>=<http(s) URL>)", part)
            continue
        out[int(key.strip())] = url.strip()
    return out


def post(url: str, text: str, timeout: float) -> None:
    """One POST; raises on a timeout, a refused connection, a non-2xx answer or an errcode != 0."""
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL is an admin setting
        answer = response.read(4096)
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except ValueError:
        errcode = 0
    if errcode:
        raise RuntimeError(f"robot answered errcode {errcode}")


def deliver_due(now: dt.datetime | None = None, limit: int = 100) -> dict:
    """Send the messages that are due. Commits after each one so a slow robot never loses a sent mark."""
    config = current_app.config
    urls = config.get("WEBHOOK_URLS") or {}
    timeout = float(config.get("WEBHOOK_TIMEOUT_SECONDS", 3))
    max_attempts = int(config.get("WEBHOOK_MAX_ATTEMPTS", 8))
    now = now or utcnow()
    counts = {"sent": 0, "failed": 0}
    rows = (db.session.query(WebhookDelivery)
            .filter(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at <= now,
                    WebhookDelivery.attempts < max_attempts)
            .order_by(WebhookDelivery.id).limit(limit).all())
    for row in rows:
        with unit_of_work():  # one delivery at a time: a slow robot never loses a sent mark
            url = urls.get(row.committee_id)
            row.attempts += 1
            try:
                if url is None:
                    raise RuntimeError("no robot configured for this committee any more")
                post(url, row.text, timeout)
                row.delivered_at = utcnow()
                row.last_error = None
                counts["sent"] += 1
            except Exception as exc:  # noqa: BLE001 - any failure is retried later, never raised into a request
                row.last_error = repr(exc)[:255]
                # 1, 2, 4, … minutes, at most an hour between attempts.
                row.next_attempt_at = utcnow() + dt.timedelta(minutes=min(2 ** (row.attempts - 1), 60))
                counts["failed"] += 1
                log.warning("webhook delivery %s to committee %s failed (attempt %s): %s", row.id,
                            row.committee_id, row.attempts, row.last_error)
    return counts


def _send_after_commit(session) -> None:
    if not session.info.pop("webhooks_to_send", False) or not has_app_context():
        return
    # Inside: the task module imports this one (the task calls deliver_due); the task is only needed here.
    from app.notifications.tasks import deliver_webhooks

    app = current_app._get_current_object()
    celery = app.extensions.get("celery")
    if celery is not None and not celery.conf.task_always_eager:
        try:
            deliver_webhooks.apply_async(retry=False)
        except Exception as exc:  # noqa: BLE001 - the beat job every minute sends it instead
            log.warning("webhook delivery not queued (broker down?): %r; the next scheduled run sends it", exc)
        return

    def run():
        with app.app_context():
            try:
                deliver_due()
            except Exception:  # noqa: BLE001 - logged; the rows stay due for the next attempt
                log.exception("webhook delivery thread failed")
            finally:
                db.session.remove()

    threading.Thread(target=run, name="webhook-delivery", daemon=True).start()


def init_app(app) -> None:
    """Read WECOM_WEBHOOKS once, and send queued messages after each commit that queued some."""
    app.config["WEBHOOK_URLS"] = parse_webhooks(app.config.get("WECOM_WEBHOOKS", ""))
    if not event.contains(Session, "after_commit", _send_after_commit):
        event.listen(Session, "after_commit", _send_after_commit)
