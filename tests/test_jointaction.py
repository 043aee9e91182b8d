"""专项联勤联动 (issue 16 item 3): a household refusing collection, escalated from its change case by the committee's
工作站, applied to the 城运平台 by the community police, the joint visit (who, when), the outcome and the closure;
overdue flags from the rules' days; counts per committee per month; dates out of order refused; scoped."""
from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from tests.conftest import client_as, flashed_or_errors, make_user

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture()
def case(app, places):
    from app.changes.models import ChangeCase
    from app.domain.clock import utcnow

    with app.app_context():
        row = ChangeCase(committee_id=places["钢一"]["committee"], house_id=places["钢一"]["houses"][0],
                         kind="move_in", reported_by_name="楼组长", collection_due=utcnow())
        db.session.add(row)
        db.session.commit()
        return row.id


def _action(app):
    from app.jointaction.models import JointAction

    with app.app_context():
        return db.session.query(JointAction).one_or_none()


def test_the_whole_way_from_refusal_to_closure_with_its_overdue_flags(app, places, users, case, frozen_clock):
    from app.notifications.models import Notification

    worker = client_as(app, "sw_gang1")
    response = worker.post("/joint/escalate", data={"change_case_id": str(case), "reason": "拒绝填写居住登记表"})
    assert response.status_code == 302
    action = _action(app)
    assert (action.stage, action.committee_id, action.escalated_on) == ("escalated", places["钢一"]["committee"],
                                                                       dt.date(2026, 6, 10))
    with app.app_context():
        assert db.session.query(Notification).filter_by(user_id=users["police"]).count() == 1
    police = client_as(app, "police_gang1")
    # two days to apply by default: on the 13th the action is overdue
    frozen_clock.set(dt.datetime(2026, 6, 13, 9, 0, tzinfo=SHANGHAI))
    assert "<strong>超期</strong>" in police.get("/joint/").get_data(as_text=True)
    police.post(f"/joint/apply/{action.id}", data={"applied_on": "2026-06-12", "platform_ref": "CY-1"})
    assert "<strong>超期</strong>" not in police.get("/joint/").get_data(as_text=True)  # visit due on the 19th
    police.post(f"/joint/visit/{action.id}", data={"visited_on": "2026-06-13", "visitors": "社区民警、协管队员"})
    police.post(f"/joint/close/{action.id}", data={"outcome": "已采集补录", "collected": "1"})
    action = _action(app)
    assert (action.stage, action.applied_on, action.visited_on, action.collected) == (
        "closed", dt.date(2026, 6, 12), dt.date(2026, 6, 13), True)
    page = police.get("/joint/?year=2026&month=6").get_data(as_text=True)
    assert "钢一" in page and "已采集补录" not in page  # the list shows the reason, the page the outcome
    with app.app_context():
        from app.jointaction import service
        from app.models import PortalUser

        office = db.session.get(PortalUser, users["street_office"])
        assert service.monthly_counts(2026, 6, office) == {places["钢一"]["committee"]: {"escalated": 1, "closed": 1}}
        assert service.monthly_counts(2026, 7, office) == {}


@pytest.mark.parametrize("step, data, message", [
    ("apply", {"applied_on": "2026-06-09"}, "申请日期不能早于上报日期"),
    ("apply", {"applied_on": "2026-06-11"}, "日期不能晚于今天"),
    ("visit", {"visited_on": "2026-06-10", "visitors": "x"}, "尚未向城运平台申请"),
    ("close", {"outcome": "x"}, "联合上门后方可办结"),
])
def test_steps_out_of_order_are_refused_in_chinese_and_nothing_changes(app, places, users, case, step, data,
                                                                       message):
    client_as(app, "sw_gang1").post("/joint/escalate", data={"change_case_id": str(case), "reason": "拒绝"})
    action = _action(app)
    police = client_as(app, "police_gang1")
    response = police.post(f"/joint/{step}/{action.id}", data=data, follow_redirects=True)
    assert message in flashed_or_errors(response.get_data(as_text=True))
    after = _action(app)
    assert (after.stage, after.applied_on, after.visited_on) == ("escalated", None, None)


def test_a_visit_dated_before_the_application_is_refused(app, places, users, case, frozen_clock):
    client_as(app, "sw_gang1").post("/joint/escalate", data={"change_case_id": str(case), "reason": "拒绝"})
    action = _action(app)
    frozen_clock.set(dt.datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI))
    police = client_as(app, "police_gang1")
    police.post(f"/joint/apply/{action.id}", data={"applied_on": "2026-06-12"})
    response = police.post(f"/joint/visit/{action.id}", data={"visited_on": "2026-06-11", "visitors": "民警"},
                           follow_redirects=True)
    assert "联合上门日期不能早于申请日期" in flashed_or_errors(response.get_data(as_text=True))
    assert _action(app).stage == "applied"


def test_another_committee_can_neither_escalate_its_neighbours_case_nor_see_the_action(app, places, users, case):
    make_user(app, "sw_gang2", "social_worker", committees=["钢二"])
    other = client_as(app, "sw_gang2")
    refused = other.post("/joint/escalate", data={"change_case_id": str(case), "reason": "拒绝"}, follow_redirects=True)
    assert "本居民区没有该变动事项或核查记录" in flashed_or_errors(refused.get_data(as_text=True))
    assert _action(app) is None
    client_as(app, "sw_gang1").post("/joint/escalate", data={"change_case_id": str(case), "reason": "拒绝"})
    action = _action(app)
    assert other.get(f"/joint/show/{action.id}").status_code == 404
    assert "拒绝" not in other.get("/joint/").get_data(as_text=True).split("<tbody>", 2)[-1]
    # a social worker escalates but does not act for the police
    assert client_as(app, "sw_gang1").post(f"/joint/apply/{action.id}",
                                           data={"applied_on": "2026-06-10"}).status_code == 403
