"""The change flow's screens: report from a phone, stage buttons with refusals, overview, AB page, visitor log,
the registration form PDF, and the phone report page in a real browser (360×740)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.changes.models import ChangeCase, Estate, Visitor
from app.documents.models import Document
from app.extensions import db
from app.models import Person, Residence
from tests.conftest import SHOTS, USER_PASSWORD, client_as, flashed_or_errors, make_user


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def leader(app):
    return make_user(app, "building_gang1", "building_leader", committees=["钢一"])


def test_a_building_leader_reports_from_the_phone_page_once(app, places, users, leader):
    web = client_as(app, "building_gang1")
    page = web.get("/changes/report")
    assert page.status_code == 200 and 'name="kind"' in page.get_data(as_text=True)
    form = {"kind": "move_in", "house": places["钢一"]["houses"][0], "people_note": "一家三口", "token": "tok-1"}
    response = web.post("/changes/report", data=form)
    assert response.status_code == 302
    again = web.post("/changes/report", data=form)
    text = again.get_data(as_text=True)
    assert again.status_code == 400 and "该表单已经提交过，未重复登记。" in flashed_or_errors(text)
    assert _count(app, ChangeCase) == 1
    # a building leader reads no case list and edits no person
    assert web.get("/changes/list/").status_code == 403
    assert web.post("/persons/add", data={"name": "x"}).status_code == 403


def test_a_house_outside_the_scope_is_refused_on_the_report_page(app, places, users, leader):
    web = client_as(app, "building_gang1")
    response = web.post("/changes/report", data={"kind": "move_in", "house": places["钢二"]["houses"][0]})
    assert response.status_code == 400 and "钢二" not in response.get_data(as_text=True)
    assert _count(app, ChangeCase) == 0


def test_stage_buttons_and_their_refusals(app, places, users):
    web = client_as(app, "sw_gang1")
    web.post("/changes/report", data={"kind": "move_in", "house": places["钢一"]["houses"][0]})
    with app.app_context():
        case_id = db.session.scalar(select(ChangeCase.id))
    # entry before collection: refused, nothing changes
    page = web.post(f"/changes/act/{case_id}", data={"action": "enter", "city_system": "migrant",
                                                      "entry_date": "2025-03-01"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "登记表尚未收回：请先收表再录入。" in flashed_or_errors(text)
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "reported"
    # the social worker may not collect (block leaders do)
    web.post(f"/changes/act/{case_id}", data={"action": "collect"})
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "reported"
    block = client_as(app, "bl_gang1")
    assert block.post(f"/changes/act/{case_id}", data={"action": "collect"}).status_code == 302
    from app.domain.idnumber import make_id_number

    number = make_id_number("310115", dt.date(1991, 1, 1), 31)
    web.post(f"/changes/act/{case_id}", data={"action": "enter", "city_system": "migrant",
                                              "entry_date": "2025-03-01", "name": "网页录入", "id_number": number,
                                              "category": "migrant"})
    with app.app_context():
        case = db.session.get(ChangeCase, case_id)
        assert case.stage == "entered"
        person = db.session.query(Person).filter_by(id_number=number).one()
        assert db.session.query(Residence).filter_by(person_id=person.id).one().end_date is None
    show = web.get(f"/changes/show/{case_id}").get_data(as_text=True)
    assert "网页录入" in show
    assert web.get("/changes/overdue").status_code == 200
    assert web.get("/changes/list/").status_code == 200


def test_overview_ab_visitor_and_notification_pages_render(app, places, users):
    office = client_as(app, "office")
    html = office.get("/changes/overview/").get_data(as_text=True)
    assert "钢一" in html and "花城" in html
    assert office.get("/changes/ab/").status_code == 200
    assert office.get("/visitors/days").status_code == 200
    assert office.get("/notifications/").status_code == 200
    worker = client_as(app, "sw_gang1")
    html = worker.get("/changes/overview/").get_data(as_text=True)
    assert "钢一" in html and "钢二" not in html


def test_a_guard_sees_only_the_visitor_log(app, places, users):
    make_user(app, "guard_gang1", "property_guard", committees=["钢一"])
    with app.app_context():
        db.session.add(Estate(committee_id=places["钢一"]["committee"], name="东苑"))
        db.session.commit()
        estate_id = db.session.scalar(select(Estate.id))
    guard = client_as(app, "guard_gang1")
    assert guard.get("/visitors/").status_code == 200
    response = guard.post("/visitors/", data={"estate": estate_id, "name": "访客", "phone": "13912345678",
                                              "time_in": "09:00", "reason": "探亲"})
    assert response.status_code == 302 and _count(app, Visitor) == 1
    for path in ("/persons/list/", "/houses/list/", "/changes/list/", "/changes/overview/"):
        assert guard.get(path).status_code == 403, path


def test_the_registration_form_prints_blank_and_prefilled(app, places, users):
    from app.changes.printing import registration_form_context
    from app.documents import service as documents
    from app.documents.pdf import render_pdf

    web = client_as(app, "sw_gang1")
    web.post("/changes/report", data={"kind": "move_in", "house": places["钢一"]["houses"][0],
                                      "people_note": "夫妻二人"})
    with app.app_context():
        case_id = db.session.scalar(select(ChangeCase.id))
    response = web.post(f"/changes/form/{case_id}")
    assert response.status_code == 302
    with app.app_context():
        document = db.session.query(Document).order_by(Document.id.desc()).first()
        assert document.kind == "registration_form" and document.params == {"case_id": case_id}
        context = registration_form_context(document)
        assert context["prefilled"] and context["f"]["people_note"] == "夫妻二人"
        assert render_pdf("registration_form.html", context, strict=True)[:4] == b"%PDF"
        # blank, street-wide: no case data
        blank = Document(kind="registration_form", title="x", committee_id=None, requested_by_fk=users["street_office"],
                         requested_by="office")
        blank.params = {"case_id": case_id}
        context = registration_form_context(blank)
        assert not context["prefilled"] and context["f"]["people_note"] == ""
        assert render_pdf("registration_form.html", context, strict=True)[:4] == b"%PDF"
        assert "registration_form" in documents.KINDS


@pytest.mark.browser
def test_the_phone_report_page_at_360_px(live_server, browser, app, places, users, leader):
    page = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page.goto(f"{live_server}/login/")
    page.fill("#username", "building_gang1")
    page.fill("#password", USER_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/changes/report")
    page.click("label:has(input[value=move_in])")
    page.fill("#house-search", "101")
    page.wait_for_selector("#house-picks button")
    page.click("#house-picks button")
    page.fill("#people_note", "一家三口，姓王")
    page.screenshot(path=str(SHOTS / "changes_report_360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("button.big")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "changes_report_done_360.png"), full_page=True)
    assert _count(app, ChangeCase) == 1
    with app.app_context():
        case_id = db.session.scalar(select(ChangeCase.id))
    assert f"已报告：第{case_id}号，已转块长处理。" in flashed_or_errors(page.content())
