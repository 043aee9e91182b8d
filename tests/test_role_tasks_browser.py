"""Each role's main task, done in a real browser as its user does it (issue 14): a move reported on the building
leader's phone, collected on the block leader's, entered on the social worker's; a resident's own declaration
from the poster's link; the office approving a month; the office printing a talk notice. Every phone page is
checked for sideways scrolling at 360 px. Screenshots go to tests/screenshots/ for a person to look at."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.changes.models import ChangeCase
from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import Person, Residence
from tests.conftest import SHOTS, browser_sign_in, make_user
from tests.test_talk_notice import talk  # noqa: F401 - the fixture: a talk of 钢一 for May 2026

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 900}}
NEWCOMER = make_id_number("310115", dt.date(1991, 3, 14), 21)


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def _signed_in(browser, live_server, username, device):
    page = browser.new_page(**device)
    browser_sign_in(page, live_server, username)
    return page


def _pick_a_house_of_gang1(page, typed: str) -> None:
    """Type part of an address into the search-as-you-type box and take the first offer; every offer must be in
    钢一 (钢二 has a 101 too, and is nobody's here to see)."""
    page.fill("#house-search", typed)
    page.wait_for_selector("#house-picks button")
    picks = page.locator("#house-picks button").all_inner_texts()
    assert picks and all("钢一" in text for text in picks), picks
    page.click("#house-picks button")


def _send_the_phone_form(page, shot: str) -> None:
    """The phone pages' one big button, pressed on a page that fits the screen; the answer kept as a screenshot."""
    _fits_the_phone(page)
    page.click("button.big")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / shot), full_page=True)


def _act(page, action: str) -> None:
    """Press the case page's button for ``action`` (its form carries the action as a hidden field)."""
    page.click(f"form:has(input[name=action][value={action}]) button[type=submit]")
    page.wait_for_load_state()


def test_a_move_reported_collected_and_entered_on_three_phones(live_server, browser, app, places, users):
    make_user(app, "building_gang1", "building_leader", committees=["钢一"])
    house = places["钢一"]["houses"][0]

    reporter = _signed_in(browser, live_server, "building_gang1", PHONE)
    reporter.goto(f"{live_server}/changes/report")
    reporter.click("label:has(input[value=move_in])")
    _pick_a_house_of_gang1(reporter, "101")
    reporter.fill("#people_note", "新来一位租户，姓周")
    _send_the_phone_form(reporter, "task_1_reported_360.png")
    with app.app_context():
        case = db.session.scalars(select(ChangeCase)).one()
        case_id, reported_house = case.id, case.house_id
    assert reported_house == house

    collector = _signed_in(browser, live_server, "bl_gang1", PHONE)
    collector.goto(f"{live_server}/changes/show/{case_id}")
    assert "新来一位租户，姓周" in collector.content()
    _fits_the_phone(collector)
    _act(collector, "collect")
    collector.screenshot(path=str(SHOTS / "task_2_collected_360.png"), full_page=True)
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "form_collected"

    worker = _signed_in(browser, live_server, "sw_gang1", PHONE)
    worker.goto(f"{live_server}/changes/show/{case_id}")
    _fits_the_phone(worker)
    worker.select_option("#city_system-enter", "migrant")
    worker.fill("#entry-name-1", "周新来")
    worker.fill("#entry-id-1", NEWCOMER)
    worker.select_option("#entry-category-1", "migrant")
    worker.fill("#entry-phone-1", "13900002222")
    _act(worker, "enter")
    worker.screenshot(path=str(SHOTS / "task_3_entered_360.png"), full_page=True)
    _fits_the_phone(worker)
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "entered"
        person = db.session.scalars(select(Person).where(Person.name == "周新来")).one()
        assert person.committee_id == places["钢一"]["committee"] and person.id_number == NEWCOMER
        assert db.session.scalar(select(func.count()).select_from(Residence).where(
            Residence.person_id == person.id, Residence.house_id == house, Residence.end_date.is_(None))) == 1


def test_a_resident_declares_from_the_posters_link_on_a_phone(live_server, browser, app, places):
    from app.verification.models import SelfDeclaration
    from app.verification.public import committee_token

    with app.app_context():
        token = committee_token(places["钢一"]["committee"])
    wrong = NEWCOMER[:-1] + ("0" if NEWCOMER[-1] != "0" else "1")
    page = browser.new_page(**PHONE)  # nobody signs in: the resident scanned the poster
    page.goto(f"{live_server}/declare/{token}")
    page.fill("#name", "周新来")
    page.fill("#id_number", wrong)
    _pick_a_house_of_gang1(page, "101")
    page.fill("#move_in_date", "2026-06-01")
    _send_the_phone_form(page, "task_4_declaration_refused_360.png")
    assert "校验位不正确" in page.content()
    assert page.input_value("#name") == "周新来" and page.input_value("#id_number") == wrong  # nothing retyped
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SelfDeclaration)) == 0

    page.fill("#id_number", NEWCOMER)
    _send_the_phone_form(page, "task_4_declared_360.png")
    assert "谢谢：申报已收到" in page.locator(".alert-success").inner_text()
    _fits_the_phone(page)
    with app.app_context():
        declaration = db.session.scalars(select(SelfDeclaration)).one()
        assert declaration.committee_id == places["钢一"]["committee"]
        assert declaration.house_id == places["钢一"]["houses"][0]


def test_the_office_approves_a_month_only_with_the_box_ticked(live_server, browser, app, users):
    from app.monthly.models import MonthClose

    page = _signed_in(browser, live_server, "office", DESK)
    page.goto(f"{live_server}/monthly/month/2026-05")
    approve = page.locator("form[action$='/approve'] button[type=submit]")
    approve.click()  # the box is unticked: the browser keeps the form and says why
    assert page.url.endswith("/monthly/month/2026-05")
    assert page.locator("form[action$='/approve'] input[name=confirm]").evaluate("el => !el.validity.valid")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MonthClose).where(
            MonthClose.state == "approved")) == 0

    page.check("form[action$='/approve'] input[name=confirm]")
    approve.click()
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "task_5_month_approved_1366.png"), full_page=True)
    assert "已审核：本月已锁定" in page.content()
    with app.app_context():
        close = db.session.scalars(select(MonthClose).where(MonthClose.year == 2026, MonthClose.month == 5)).one()
        assert close.state == "approved" and close.approved_by_fk == users["street_office"]


def test_the_office_prints_a_talk_notice(live_server, browser, app, users, talk):  # noqa: F811
    talk_id = talk
    page = _signed_in(browser, live_server, "office", DESK)
    page.goto(f"{live_server}/talks/show/{talk_id}")
    page.click("form.portal-talk-notice button[type=submit]")
    page.wait_for_load_state()
    assert "/documents/show/" in page.url
    link = page.locator("a[href*='/documents/file/']")
    link.wait_for(timeout=30_000)  # the page reloads itself once the notice is rendered
    page.screenshot(path=str(SHOTS / "task_6_notice_ready_1366.png"), full_page=True)
    with page.expect_download() as download:
        link.click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert "约谈" in download.value.suggested_filename
    (SHOTS / "task_6_talk_notice.pdf").write_bytes(pdf)  # for a person to look at (pdftoppm)
