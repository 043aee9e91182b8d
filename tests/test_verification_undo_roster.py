"""Issue 14 item 7 (verification): undoing a wrong tap on the sweep, the officer preselected on the sweep, and the
month's duty roster saved on one form (all rows or none)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.changes.models import ChangeCase
from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import Committee, Person, Residence
from app.verification.models import RosterShift, VerificationPersonYear, VerificationRecord
from tests.conftest import client_as, make_user

JSON = {"X-Requested-With": "fetch", "Accept": "application/json"}


@pytest.fixture()
def team(app, users):
    return {
        "member": make_user(app, "tm_shanggang", "team_member", zone_code="shanggang"),
        "member2": make_user(app, "tm_shanggang2", "team_member", zone_code="shanggang"),
        "member_jiyang": make_user(app, "tm_jiyang", "team_member", zone_code="jiyang"),
        **users,
    }


@pytest.fixture()
def resident(app, places):
    """One person living in 钢一's first house."""
    with app.app_context():
        person = Person(name="钢一住户甲", id_number=make_id_number("310115", dt.date(1971, 2, 3), 21),
                        category="shanghai_household")
        db.session.add(person)
        db.session.flush()
        db.session.add(Residence(person_id=person.id, house_id=places["钢一"]["houses"][0],
                                 start_date=dt.date(2020, 1, 1)))
        db.session.commit()
        return person.id


def _tap(client, person_id, result="should_cancel"):
    return client.post("/verification/sweep/mark", data={"person": person_id, "result": result}, headers=JSON)


def _undo(client, record_id):
    return client.post("/verification/sweep/undo", data={"record": record_id}, headers=JSON)


def _records(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(VerificationRecord))


# -- undo -------------------------------------------------------------------------------------------------------------

def test_undo_of_a_wrong_should_cancel_withdraws_its_case_and_is_audited(app, places, team, resident):
    member = client_as(app, "tm_shanggang")
    body = _tap(member, resident).get_json()
    assert body["ok"] and body["case"] and 0 < body["undo_seconds"] <= 600
    page = member.get(f"/verification/sweep/building/{places['钢一']['building']}").get_data(as_text=True)
    assert "撤回此标记" in page  # the author sees the undo button after a reload too

    res = _undo(member, body["record"])
    assert res.status_code == 200, res.get_json()
    assert "已撤回" in res.get_json()["message"] and f"#{body['case']}" in res.get_json()["message"]
    assert _records(app) == 0
    with app.app_context():
        case = db.session.get(ChangeCase, body["case"])
        assert case.stage == "withdrawn" and "撤回" in case.withdrawn_reason
        # audit_event is append-only and outlives each test, so take this test's own (the latest) event
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "verification_mark_undone")
                                   .order_by(AuditEvent.id.desc()).limit(1)).one()
        assert event.record_id == body["record"] and event.actor_id == team["member"]
        assert f"case=#{body['case']}" in event.detail
        # the person no longer counts as visited this year: his only record is gone
        assert db.session.scalar(select(func.count()).select_from(VerificationPersonYear).where(
            VerificationPersonYear.person_id == resident)) == 0

    # the right mark can now be made
    again = _tap(member, resident, "correct")
    assert again.status_code == 200 and again.get_json()["result"] == "correct"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VerificationPersonYear).where(
            VerificationPersonYear.person_id == resident)) == 1


def test_undo_after_the_window_is_refused(app, places, team, resident, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 6, 10, 2, 0), ticking=False)
    member = client_as(app, "tm_shanggang")
    body = _tap(member, resident).get_json()
    frozen_clock.advance(dt.timedelta(minutes=10, seconds=1))
    res = _undo(member, body["record"])
    assert res.status_code == 409 and res.get_json()["code"] == "undo_too_late"
    assert "10分钟" in res.get_json()["message"]
    assert _records(app) == 1
    with app.app_context():
        assert db.session.get(ChangeCase, body["case"]).stage == "reported"
    page = member.get(f"/verification/sweep/building/{places['钢一']['building']}").get_data(as_text=True)
    assert re.search(r'class="undo"\s+hidden', page)  # the button is gone once the window has passed


def test_undo_within_the_window_at_its_last_second(app, places, team, resident, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 6, 10, 2, 0), ticking=False)
    member = client_as(app, "tm_shanggang")
    body = _tap(member, resident, "correct").get_json()
    frozen_clock.advance(dt.timedelta(minutes=10))
    assert _undo(member, body["record"]).status_code == 200
    assert _records(app) == 0


def test_undo_by_another_worker_is_refused(app, places, team, resident):
    body = _tap(client_as(app, "tm_shanggang"), resident).get_json()
    other = client_as(app, "tm_shanggang2")
    res = _undo(other, body["record"])
    assert res.status_code == 409 and res.get_json()["code"] == "undo_not_yours"
    assert "本人" in res.get_json()["message"]
    assert _records(app) == 1
    # someone of another zone does not even learn the mark exists
    res = _undo(client_as(app, "tm_jiyang"), body["record"])
    assert res.status_code == 404 and _records(app) == 1
    for junk in ("abc", "", str(10 ** 20), "-1"):
        assert _undo(other, junk).status_code == 404


def test_undo_is_refused_once_the_case_was_acted_on(app, places, team, resident):
    from app.changes import service as changes
    from app.models import PortalUser

    body = _tap(client_as(app, "tm_shanggang"), resident).get_json()
    with app.app_context():
        case = db.session.get(ChangeCase, body["case"])
        changes.advance(case, "hand_out", db.session.get(PortalUser, team["block_leader"]))
        db.session.commit()
    res = _undo(client_as(app, "tm_shanggang"), body["record"])
    assert res.status_code == 409 and res.get_json()["code"] == "undo_case_acted"
    assert f"#{body['case']}" in res.get_json()["message"]
    assert _records(app) == 1
    with app.app_context():
        assert db.session.get(ChangeCase, body["case"]).stage == "form_handed_out"


def test_undo_without_javascript_redirects_to_the_room(app, places, team, resident):
    member = client_as(app, "tm_shanggang")
    record = _tap(member, resident).get_json()["record"]
    res = member.post("/verification/sweep/undo", data={"record": record, "building": places["钢一"]["building"]})
    assert res.status_code == 302 and f"/verification/sweep/building/{places['钢一']['building']}" in res.location
    assert _records(app) == 0


# -- the officer preselected ------------------------------------------------------------------------------------------

def test_the_committees_officer_is_preselected_and_leads_the_marks(app, places, team, resident):
    from app.access.users import users_with_role

    with app.app_context():  # 钢一's officer (police_gang1, or one an earlier test gave 钢一 first by name)
        officer = users_with_role("community_police", committee_id=places["钢一"]["committee"])[0].id
    member = client_as(app, "tm_shanggang")
    page = member.get(f"/verification/sweep/{places['钢一']['committee']}").get_data(as_text=True)
    assert re.search(rf'<option value="{officer}"\s+selected>', page)
    assert _tap(member, resident, "correct").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(VerificationRecord)).one().police_user_id == officer
    # choosing "no officer" on purpose is kept
    member.post("/verification/sweep/team", data={"shift": "day", "police": "",
                                                  "committee": places["钢一"]["committee"]})
    page = member.get(f"/verification/sweep/{places['钢一']['committee']}").get_data(as_text=True)
    assert "selected>" not in page.split('id="police"')[1].split("</select>")[0]


def test_the_rostered_officer_comes_first(app, places, team, resident, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 6, 10, 2, 0))  # Wednesday 10:00 in Shanghai: the day group
    zone_police = make_user(app, "police_zone_sg", "community_police", zone_code="shanggang")
    with app.app_context():
        zone_id = db.session.get(Committee, places["钢一"]["committee"]).zone_id
        db.session.add(RosterShift(zone_id=zone_id, day=dt.date(2026, 6, 10), shift="day",
                                   police_user_id=zone_police))
        db.session.commit()
    member = client_as(app, "tm_shanggang")
    page = member.get(f"/verification/sweep/{places['钢一']['committee']}").get_data(as_text=True)
    assert re.search(rf'<option value="{zone_police}"\s+selected>', page)


# -- the month's roster -----------------------------------------------------------------------------------------------

def _zone(app, places):
    with app.app_context():
        return db.session.get(Committee, places["钢一"]["committee"]).zone_id


def test_the_roster_shows_every_verification_day_with_its_weekday(app, places, team):
    leader = client_as(app, "zl_shanggang")
    html = leader.get(f"/verification/roster/?zone={_zone(app, places)}&month=2026-06").get_data(as_text=True)
    for day in (3, 5, 10, 12, 17, 19, 24, 26):  # June 2026: Wednesdays and Fridays
        assert f"2026年6月{day}日" in html
    assert html.count("星期三") == 4 and html.count("星期五") == 4
    assert "2026年6月4日" not in html
    assert html.count('name="row"') == 16  # a day and a night group per day
    assert html.count("保存本月排班") == 1  # one save for the month
    assert "tm_shanggang" in html and "tm_jiyang" not in html


def test_one_save_stores_the_whole_month(app, places, team):
    zone = _zone(app, places)
    leader = client_as(app, "zl_shanggang")
    data = {"zone": zone, "month": "2026-06",
            "row": ["2026-06-03/day", "2026-06-03/night", "2026-06-05/day"],
            "members/2026-06-03/day": [team["member"], team["member2"]],
            "police/2026-06-03/day": team["police"],
            "members/2026-06-03/night": [team["member2"]],
            "members/2026-06-05/day": [team["member"]]}
    res = leader.post("/verification/roster/save", data=data)
    assert res.status_code == 302 and "month=2026-06" in res.location
    with app.app_context():
        rows = {(r.day.day, r.shift): r for r in db.session.scalars(select(RosterShift))}
        assert set(rows) == {(3, "day"), (3, "night"), (5, "day")}
        assert {m.id for m in rows[(3, "day")].members} == {team["member"], team["member2"]}
        assert rows[(3, "day")].police_user_id == team["police"] and rows[(5, "day")].police_user_id is None
    page = leader.get(res.location).get_data(as_text=True)
    assert "本月排班已保存" in page
    # emptying a row removes its group; rows the form did not carry stay
    res = leader.post("/verification/roster/save", data={"zone": zone, "month": "2026-06",
                                                          "row": ["2026-06-03/night"]})
    assert res.status_code == 302
    with app.app_context():
        assert {(r.day.day, r.shift) for r in db.session.scalars(select(RosterShift))} == {(3, "day"), (5, "day")}


def test_one_bad_row_saves_nothing_and_keeps_the_input(app, places, team):
    zone = _zone(app, places)
    leader = client_as(app, "zl_shanggang")
    leader.post("/verification/roster/save", data={"zone": zone, "month": "2026-06", "row": ["2026-06-10/day"],
                                                   "members/2026-06-10/day": [team["member"]]})
    data = {"zone": zone, "month": "2026-06",
            "row": ["2026-06-03/day", "2026-06-05/night", "2026-06-10/day"],
            "members/2026-06-03/day": [team["member2"]],
            "members/2026-06-05/night": [team["member_jiyang"]],  # a member of another zone
            "members/2026-06-10/day": [team["member2"]]}
    res = leader.post("/verification/roster/save", data=data)
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert "未保存任何排班" in html and "tm_jiyang 不是本片区的队员" in html
    # the refused row is marked; what was typed in the good rows is still ticked
    assert html.count("has-error") == 1
    section = html[html.index('id="d2026-06-03"'):html.index('id="d2026-06-05"')]
    assert re.search(rf'name="members/2026-06-03/day" value="{team["member2"]}"\s+checked', section)
    section = html[html.index('id="d2026-06-10"'):html.index('id="d2026-06-12"')]
    assert re.search(rf'name="members/2026-06-10/day" value="{team["member2"]}"\s+checked', section)
    assert not re.search(rf'name="members/2026-06-10/day" value="{team["member"]}"\s+checked', section)
    with app.app_context():  # nothing saved: the one earlier group is as it was
        rows = db.session.scalars(select(RosterShift)).all()
        assert [(r.day, [m.id for m in r.members]) for r in rows] == [(dt.date(2026, 6, 10), [team["member"]])]


@pytest.mark.parametrize("row, extra, message", [
    ("2026-07-01/day", {"members/2026-07-01/day": "MEMBER"}, "不在所显示的月份"),
    ("2026-06-03/dusk", {"members/2026-06-03/dusk": "MEMBER"}, "班次"),
    ("2026-06-03/day", {"police/2026-06-03/day": "MEMBER"}, "社区民警"),
    ("2026-06-03/day", {"members/2026-06-03/day": str(10 ** 20)}, "不存在"),
])
def test_each_kind_of_bad_row_is_refused_with_its_reason(app, places, team, row, extra, message):
    leader = client_as(app, "zl_shanggang")
    data = {"zone": _zone(app, places), "month": "2026-06", "row": [row],
            **{k: (str(team["member"]) if v == "MEMBER" else v) for k, v in extra.items()}}
    res = leader.post("/verification/roster/save", data=data)
    assert res.status_code == 400 and message in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterShift)) == 0


def test_bad_roster_requests_are_4xx(app, places, team):
    leader = client_as(app, "zl_shanggang")
    zone = _zone(app, places)
    assert leader.post("/verification/roster/save", data={"zone": zone, "month": "2026-13"}).status_code == 400
    assert leader.post("/verification/roster/save", data={"zone": zone, "month": "2026-06",
                                                          "row": ["junk/day"]}).status_code == 400
    assert leader.post("/verification/roster/save", data={"zone": 10 ** 20, "month": "2026-06"}).status_code == 404
    jiyang = next(z for z in (1, 2, 3) if z != zone)
    assert leader.post("/verification/roster/save", data={"zone": jiyang, "month": "2026-06"}).status_code == 404
    member = client_as(app, "tm_shanggang")
    res = member.post("/verification/roster/save", data={"zone": zone, "month": "2026-06", "row": ["2026-06-03/day"],
                                                         "members/2026-06-03/day": [team["member"]]})
    assert res.status_code == 403  # a team member does not plan the roster
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterShift)) == 0
