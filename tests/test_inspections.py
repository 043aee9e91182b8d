"""Spot inspections (飞行检查, issue 16 item 1): recorded by the office or the police station with a checklist and a
score; findings become tasks for the inspected committee, with a due date and an overdue flag; a team member
found working badly gets a talk; the year's scores for the evaluation; bad input refused in Chinese, nothing
saved; every row scoped by its committee."""
from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from tests.conftest import client_as, flashed_or_errors, make_user

FULL = {"item_register_accuracy": "28", "item_changes_on_time": "20", "item_monthly_verification": "18",
        "item_ledgers": "12", "item_service_point": "9.5"}  # 87.5


def _form(places, **extra):
    data = {"body": "patrol", "unit": "workstation", "committee_id": str(places["钢一"]["committee"]),
            "inspected_on": "2026-06-08", "findings": "楼组长名单未更新\n\n来沪人员登记表缺两份", "note": "",
            **FULL}
    data.update(extra)
    return data


def _counts(app):
    from app.inspections.models import InspectionFinding
    from app.monthly.models import SpotInspection, Talk

    with app.app_context():
        return (db.session.query(SpotInspection).count(), db.session.query(InspectionFinding).count(),
                db.session.query(Talk).count())


@pytest.fixture()
def member(app):
    return make_user(app, "tm_shanggang", "team_member", zone_code="shanggang")


def test_an_inspection_scores_its_checklist_and_gives_the_committee_findings_due_in_the_rules_days(
        app, places, users, member):
    from app.inspections.models import InspectionFinding
    from app.monthly.models import SpotInspection
    from app.notifications.models import Notification

    office = client_as(app, "office")
    response = office.post("/inspections/record", data=_form(places, weak_member_id=str(member)))
    assert response.status_code == 302, flashed_or_errors(response.get_data(as_text=True))
    with app.app_context():
        row = db.session.query(SpotInspection).one()
        assert (row.score, row.year, row.month) == (87.5, 2026, 6)
        assert row.inspector == "街道社会治安市民巡访团" and row.unit == "workstation"
        findings = db.session.query(InspectionFinding).order_by(InspectionFinding.id).all()
        assert [f.text for f in findings] == ["楼组长名单未更新", "来沪人员登记表缺两份"]
        assert {f.due_on for f in findings} == {dt.date(2026, 6, 22)}  # 8 June + 14 days (default rule)
        told = db.session.query(Notification).filter_by(user_id=users["social_worker"]).all()
        assert any("飞行检查" in n.text and "发现问题2项" in n.text for n in told)
    page = office.get("/inspections/?year=2026").get_data(as_text=True)
    assert "87.5" in page and "服务站点" in page


def test_the_fix_days_are_a_setting(app, places, users):
    from app.inspections.models import InspectionFinding

    app.config["RULE_INSPECTION_FIX_DAYS"] = "3"
    office = client_as(app, "office")
    assert office.post("/inspections/record", data=_form(places)).status_code == 302
    with app.app_context():
        assert {f.due_on for f in db.session.query(InspectionFinding)} == {dt.date(2026, 6, 11)}


def test_the_committee_puts_findings_right_and_an_open_one_past_its_date_is_overdue(
        app, places, users, frozen_clock):
    from app.inspections.models import InspectionFinding

    office = client_as(app, "office")
    assert office.post("/inspections/record", data=_form(places)).status_code == 302
    worker = client_as(app, "sw_gang1")
    page = worker.get("/inspections/findings").get_data(as_text=True)
    assert "楼组长名单未更新" in page and "待整改" in page and "<strong>超期</strong>" not in page
    with app.app_context():
        first, second = [f.id for f in db.session.query(InspectionFinding).order_by(InspectionFinding.id)]
    # without saying how, nothing changes
    worker.post(f"/inspections/findings/{first}/fix", data={"note": "  "})
    assert worker.post(f"/inspections/findings/{first}/fix", data={"note": "名单已更新"}).status_code == 302
    frozen_clock.set(dt.datetime(2026, 6, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    page = worker.get("/inspections/findings").get_data(as_text=True)
    assert "名单已更新" in page and "<strong>超期</strong>" in page
    with app.app_context():
        states = {f.id: f.state for f in db.session.query(InspectionFinding)}
    assert states == {first: "fixed", second: "open"}


def test_another_committee_sees_no_finding_and_cannot_fix_one(app, places, users):
    from app.inspections.models import InspectionFinding

    office = client_as(app, "office")
    assert office.post("/inspections/record", data=_form(places)).status_code == 302
    make_user(app, "sw_gang2", "social_worker", committees=["钢二"])
    other = client_as(app, "sw_gang2")
    assert "楼组长名单未更新" not in other.get("/inspections/findings").get_data(as_text=True)
    assert "87.5" not in other.get("/inspections/?year=2026").get_data(as_text=True)
    with app.app_context():
        finding = db.session.query(InspectionFinding).first().id
    assert other.post(f"/inspections/findings/{finding}/fix", data={"note": "x"}).status_code == 404
    with app.app_context():
        assert db.session.get(InspectionFinding, finding).state == "open"


def test_a_social_worker_cannot_record_an_inspection(app, places, users):
    worker = client_as(app, "sw_gang1")
    assert worker.post("/inspections/record", data=_form(places)).status_code == 403
    assert _counts(app) == (0, 0, 0)


@pytest.mark.parametrize("change, message", [
    ({"item_ledgers": "16"}, "台账、表单齐全：请填写0至15分"),
    ({"item_ledgers": "-1"}, "台账、表单齐全：请填写0至15分"),
    ({"item_service_point": ""}, "服务站点为民服务：请填写0至10分"),
    ({"item_service_point": "abc"}, "服务站点为民服务：请填写0至10分"),
    ({"inspected_on": "2026-06-11"}, "检查日期不能晚于今天"),
    ({"inspected_on": ""}, "请填写检查日期"),
    ({"body": "someone"}, "请选择检查单位"),
    ({"committee_id": ""}, "请选择居民区"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(app, places, users, change, message):
    office = client_as(app, "office")
    response = office.post("/inspections/record", data=_form(places, **change))
    assert response.status_code == 400
    assert message in flashed_or_errors(response.get_data(as_text=True))
    assert _counts(app) == (0, 0, 0)


def test_a_team_member_found_working_badly_gets_a_talk_that_ladder_recomputation_keeps(
        app, places, users, member):
    from app.monthly import service as monthly
    from app.monthly.models import Talk
    from app.notifications.models import Notification

    police = make_user(app, "station", "police_station")
    assert police
    station = client_as(app, "station")
    response = station.post("/inspections/record", data=_form(places, body="police", weak_member_id=str(member)))
    assert response.status_code == 302
    with app.app_context():
        talk = db.session.query(Talk).one()
        assert (talk.target, talk.member_user_id, talk.kind, talk.who_talks) == ("member", member, "约谈",
                                                                                 "综合协管队主管")
        assert "工作不力" in talk.reason
        assert db.session.query(Notification).filter_by(user_id=member).count() == 1
        monthly.recompute_ladders(2026, "重新计算")
        db.session.commit()
        assert db.session.query(Talk).one().superseded_at is None


def test_a_weak_member_from_another_zone_is_refused(app, places, users):
    stranger = make_user(app, "tm_other", "team_member", zone_code=None)
    office = client_as(app, "office")
    response = office.post("/inspections/record", data=_form(places, weak_member_id=str(stranger)))
    assert response.status_code == 400
    assert "综合协管队员" in flashed_or_errors(response.get_data(as_text=True))
    assert _counts(app) == (0, 0, 0)


def test_the_years_scores_average_each_committees_inspections_for_the_evaluation(app, places, users):
    from app.inspections import service

    office = client_as(app, "office")
    assert office.post("/inspections/record", data=_form(places)).status_code == 302
    assert office.post("/inspections/record", data=_form(places, unit="committee",
                                                        item_service_point="7.5")).status_code == 302
    assert office.post("/inspections/record", data=_form(
        places, committee_id=str(places["钢二"]["committee"]), inspected_on="2025-12-01")).status_code == 302
    with app.app_context():
        scores = service.year_scores(2026)
    assert scores == {places["钢一"]["committee"]: {"count": 2, "average": 86.5,
                                                   "units": {"workstation": 87.5, "committee": 85.5}}}
