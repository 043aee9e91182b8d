"""Approving, submitting and unlocking a month need the form's confirmation box (issue 14 item 7): without it the
answer is 400 with 请先勾选确认框；未作任何更改。 and nothing changes."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.monthly.models import MonthClose, MonthUnlock, ZoneSubmission
from app.models import Committee, Zone
from tests.conftest import client_as

MONTH = "/monthly/month/2026-05"
REFUSED = "请先勾选确认框；未作任何更改。"


def _count(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_the_month_page_asks_for_a_confirmation_on_each_form(app, users):
    html = client_as(app, "office").get(MONTH).get_data(as_text=True)
    assert html.count('name="confirm" value="yes" required') >= 2  # submit (one per zone) and approve
    assert "已核对报表和排名，确认审核并冻结本月" in html and "已核对本片区本月数据，确认报送" in html


def test_approve_and_unlock_without_the_box_change_nothing(app, users):
    office = client_as(app, "office")
    response = office.post(f"{MONTH}/approve")
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    assert _count(app, MonthClose, state="approved") == 0
    assert office.post(f"{MONTH}/approve", data={"confirm": "no"}).status_code == 400
    assert _count(app, MonthClose, state="approved") == 0

    assert office.post(f"{MONTH}/approve", data={"confirm": "yes"}).status_code == 302
    assert _count(app, MonthClose, state="approved") == 1
    html = office.get(MONTH).get_data(as_text=True)
    assert "解锁将重新开放已审核月份中该居民区的记录，确认解锁" in html

    with app.app_context():
        committee_id = db.session.scalar(select(Committee.id).where(Committee.name == "钢一"))
    form = {"committee": committee_id, "reason": "补录核查记录"}
    response = office.post(f"{MONTH}/unlock", data=form)
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    assert _count(app, MonthUnlock) == 0
    assert office.post(f"{MONTH}/unlock", data={**form, "confirm": "yes"}).status_code == 302
    assert _count(app, MonthUnlock) == 1


def test_a_zone_leader_submits_only_with_the_box_ticked(app, users):
    with app.app_context():
        zone_id = db.session.scalar(select(Zone.id).where(Zone.code == "shanggang"))
    leader = client_as(app, "zl_shanggang")
    response = leader.post(f"{MONTH}/submit", data={"zone": zone_id})
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    assert _count(app, ZoneSubmission) == 0
    assert leader.post(f"{MONTH}/submit", data={"zone": zone_id, "confirm": "yes"}).status_code == 302
    assert _count(app, ZoneSubmission) == 1
    # the permission comes first: a zone leader may not approve, ticked or not
    assert leader.post(f"{MONTH}/approve", data={"confirm": "yes"}).status_code == 403
