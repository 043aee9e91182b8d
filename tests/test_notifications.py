"""Notifications at every hand-off, the navbar badge and the 企业微信 robot delivery (issue 13 item 2)."""
from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from app.changes import service
from app.changes.tasks import run_daily_check
from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import PortalUser
from app.notifications.models import Notification, WebhookDelivery
from app.notifications.webhook import deliver_due, parse_webhooks
from tests.conftest import USER_PASSWORD, login, make_user

SH = ZoneInfo("Asia/Shanghai")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH).astimezone(dt.timezone.utc).replace(tzinfo=None)


@pytest.fixture()
def ctx(app, places, users):
    with app.app_context():
        yield {"places": places, "users": users, "user": lambda key: db.session.get(PortalUser, users[key])}
        db.session.rollback()
        db.session.query(WebhookDelivery).delete()
        db.session.commit()
        app.config["WEBHOOK_URLS"] = {}


def _notes(user_id):
    return [n.text for n in db.session.query(Notification).filter_by(user_id=user_id).order_by(Notification.id)]


def _report(ctx, reporter="police", **kw):
    p = ctx["places"]["钢一"]
    case = service.open_case(p["committee"], p["houses"][0], "move_in", actor=ctx["user"](reporter),
                             source="report", **kw)
    db.session.commit()
    return case


def test_each_hand_off_reaches_the_one_who_must_act(ctx):
    u = ctx["users"]
    service.set_workers(ctx["places"]["钢一"]["committee"], worker_a=u["social_worker"], worker_b=None,
                        a_away=False, b_away=False, actor=ctx["user"]("street_office"))
    db.session.commit()
    case = _report(ctx)
    # report → the committee's block leaders (no leader named for the block)
    assert any(f"#{case.id}" in t and "待发放表格" in t for t in _notes(u["block_leader"]))
    assert not any(f"#{case.id}" in t for t in _notes(u["social_worker"]))
    service.advance(case, "collect", ctx["user"]("block_leader"))
    db.session.commit()
    # collected → the A/B social worker
    assert any(f"#{case.id}" in t and "待录入" in t for t in _notes(u["social_worker"]))
    service.advance(case, "enter", ctx["user"]("social_worker"), city_system="migrant",
                    entry_date=dt.date(2026, 6, 9),
                    person_data={"name": "新住户", "id_number": make_id_number("310115", dt.date(1991, 2, 3), 17),
                                 "category": "migrant"})
    db.session.commit()
    # entered → the reporter
    assert any(f"#{case.id}" in t and "已录入" in t for t in _notes(u["police"]))


def test_overdue_reaches_the_director_and_a_day_later_the_zone_leader(app, ctx):
    director = make_user(app, "dir_gang1", "committee_director", committees=["钢一"])
    zone_leader = ctx["users"]["zone_leader"]
    case = _report(ctx, reported_at=utc(2026, 6, 1, 9, 0))  # collection due by the end of the 3rd
    run_daily_check(now=utc(2026, 6, 4, 6, 30))
    assert any(f"#{case.id}" in t and "超期" in t for t in _notes(director))
    assert not any(f"#{case.id}" in t for t in _notes(zone_leader))
    run_daily_check(now=utc(2026, 6, 5, 6, 30))  # one more day and still not collected
    zone_notes = [t for t in _notes(zone_leader) if f"#{case.id}" in t]
    assert len(zone_notes) == 1 and "逾一天" in zone_notes[0]
    run_daily_check(now=utc(2026, 6, 6, 6, 30))  # once, not every day
    assert len([t for t in _notes(zone_leader) if f"#{case.id}" in t]) == 1


def test_the_navbar_shows_the_unread_count_on_every_page(app, ctx):
    case = _report(ctx)
    unread = db.session.query(Notification).filter_by(user_id=ctx["users"]["block_leader"], read_at=None).count()
    assert unread >= 1 and case.id
    client = app.test_client()
    login(client, "bl_gang1", USER_PASSWORD)
    for path in ("/", "/changes/report", "/notifications/"):
        page = client.get(path).get_data(as_text=True)
        assert re.search(rf'portal-unread"[^>]*>{unread}<', page), path
    client.post("/notifications/read")
    assert "portal-unread" not in client.get("/").get_data(as_text=True)


class _Robot(http.server.BaseHTTPRequestHandler):
    mode = "ok"
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _Robot.mode == "slow":
            time.sleep(3)
        if _Robot.mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        _Robot.received.append(body["text"]["content"])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

    def log_message(self, *args):
        pass


@pytest.fixture()
def robot():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Robot.mode, _Robot.received = "ok", []
    yield server
    server.shutdown()
    server.server_close()


def _wait_for(predicate, seconds=10.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_parse_webhooks_skips_what_it_cannot_read():
    assert parse_webhooks("3=http://a/x; 7 = https://b/y;junk;x=http://c;9=ftp://d") == {3: "http://a/x",
                                                                                        7: "https://b/y"}
    assert parse_webhooks("") == {}


def test_a_committee_robot_gets_the_hand_off_after_the_commit(app, ctx, robot):
    committee = ctx["places"]["钢一"]["committee"]
    app.config["WEBHOOK_URLS"] = {committee: f"http://127.0.0.1:{robot.server_port}/cgi-bin/webhook/send"}
    case = _report(ctx)
    assert _wait_for(lambda: any(f"#{case.id}" in t for t in _Robot.received))
    db.session.expire_all()
    row = db.session.query(WebhookDelivery).one()
    assert row.delivered_at is not None and row.attempts == 1
    # 钢二 has no robot: nothing queued for it
    assert db.session.query(WebhookDelivery).filter(WebhookDelivery.committee_id != committee).count() == 0


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_a_robot_that_fails_delays_nobody_and_is_retried(app, ctx, robot, mode, frozen_clock):
    committee = ctx["places"]["钢一"]["committee"]
    app.config["WEBHOOK_URLS"] = {committee: f"http://127.0.0.1:{robot.server_port}/send"}
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 1
    _Robot.mode = mode
    client = app.test_client()
    login(client, "bl_gang1", USER_PASSWORD)
    p = ctx["places"]["钢一"]
    response = client.post("/changes/report", data={"committee": p["committee"], "house": p["houses"][0],
                                                    "kind": "move_in", "people_note": "两人", "token": "t-" + mode})
    # The report is saved and answered at once (back to an empty report form), whatever the robot does.
    assert response.status_code == 302 and response.headers["Location"].endswith("/changes/report")
    assert _wait_for(lambda: _attempts() >= 1)
    db.session.expire_all()
    row = db.session.query(WebhookDelivery).one()
    assert row.delivered_at is None and row.last_error and row.next_attempt_at > row.created_at
    # the robot is back; the scheduled run after the pause delivers it
    _Robot.mode = "ok"
    frozen_clock.advance(dt.timedelta(minutes=2))
    assert deliver_due()["sent"] == 1
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, row.id).delivered_at is not None
    assert any("变动报告" in t for t in _Robot.received)


def _attempts() -> int:
    db.session.expire_all()
    row = db.session.query(WebhookDelivery).first()
    db.session.rollback()
    return row.attempts if row is not None else 0


def test_a_cross_check_assignment_reaches_the_member(app, ctx):
    from app.verification.service import cross_checks

    member = make_user(app, "tm_jiyang", "team_member", zone_code="jiyang")
    cross_checks.assign_cross_check(ctx["user"]("street_office"), member, ctx["places"]["钢一"]["committee"],
                                    2026, 9)
    db.session.commit()
    assert any("互查" in t and "钢一" in t for t in _notes(member))
