"""The sweep page in a real phone-sized browser (360×740, Debian's Chromium via Playwright): a tap marks a person
without reload (fetch + CSRF header), a second tap is impossible, a wrong ID number of a found person gets the
Chinese message, a good one adds the row. Screenshots go to tests/screenshots/ for a person to look at."""
from __future__ import annotations

import datetime as dt

import pytest

from app.domain.idnumber import make_id_number
from tests.conftest import SHOTS, USER_PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_sweep_on_a_phone(live_server, browser, app, places, users):
    from app.extensions import db
    from app.models import Person, Residence
    from app.verification.models import VerificationRecord

    make_user(app, "tm_browser", "team_member", zone_code="shanggang")
    with app.app_context():
        for n, (name, house) in enumerate((("张三丰", 0), ("李四光", 0), ("王五", 1), ("欧阳娜娜", 1))):
            person = Person(name=name, id_number=make_id_number("310115", dt.date(1960 + n * 7, 3, 3), 31 + n),
                            category="shanghai_household")
            db.session.add(person)
            db.session.flush()
            db.session.add(Residence(person_id=person.id, house_id=places["钢一"]["houses"][house],
                                     start_date=dt.date(2019, 5, 1)))
        db.session.commit()
    good = make_id_number("310115", dt.date(1996, 6, 6), 71)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    building = places["钢一"]["building"]

    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                            has_touch=True)
    page.goto(f"{live_server}/login/")
    page.fill("#username", "tm_browser")
    page.fill("#password", USER_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server}/verification/sweep/{places['钢一']['committee']}")
    page.screenshot(path=str(SHOTS / "v01_buildings.png"), full_page=True)
    page.goto(f"{live_server}/verification/sweep/building/{building}")
    page.screenshot(path=str(SHOTS / "v02_building.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

    first = page.locator(".person").first
    page.evaluate("window.__marker = 1")  # survives only if the page does not reload
    first.locator("button.ok").tap()
    page.wait_for_selector(".person.done.correct")
    assert page.evaluate("window.__marker") == 1
    page.locator(".person").nth(1).locator("button.bad").tap()
    page.wait_for_selector(".person.done.should_cancel")
    page.wait_for_timeout(200)
    page.screenshot(path=str(SHOTS / "v03_marked.png"), full_page=True)

    # a wrong 应消未消 tap is taken back from the same row (its case withdrawn), and the right mark made
    second = page.locator(".person").nth(1)
    second.locator("form.undo button").tap()
    page.wait_for_selector("#toast:has-text('已撤回')")
    assert "should_cancel" not in second.get_attribute("class") and second.locator("form.undo").is_hidden()
    second.locator("button.ok").tap()
    page.wait_for_selector(".person.done.correct >> nth=1")
    assert page.evaluate("window.__marker") == 1  # all without a reload

    room = page.locator(".room").nth(1)
    room.locator("summary").tap()
    room.locator("input[name=name]").fill("赵新来")
    room.locator("input[name=id_number]").fill(bad)
    room.locator("button.big").tap()
    page.wait_for_selector(".toast.error")
    assert "校验位不正确" in page.locator("#toast").inner_text()
    page.screenshot(path=str(SHOTS / "v04_bad_id.png"), full_page=False)
    room.locator("input[name=id_number]").fill(good)
    assert "1996-06-06" in room.locator(".derived").inner_text()
    room.locator("button.big").tap()
    page.wait_for_selector(".person.done.should_register")
    page.wait_for_timeout(200)
    page.screenshot(path=str(SHOTS / "v05_found.png"), full_page=True)

    # reload: the marks are there, their buttons gone (no second tap possible)
    page.reload()
    assert page.locator(".person.done").count() == 3

    with app.app_context():
        results = sorted(r.result for r in db.session.query(VerificationRecord))
    assert results == ["correct", "correct", "should_register"]


def test_the_month_roster_on_a_phone(live_server, browser, app, places, users, frozen_clock):
    from app.extensions import db
    from app.models import Committee
    from app.verification.models import RosterShift

    frozen_clock.set(dt.datetime(2026, 6, 10, 2, 0), ticking=True)
    member = make_user(app, "tm_roster_browser", "team_member", zone_code="shanggang")
    with app.app_context():
        zone = db.session.get(Committee, places["钢一"]["committee"]).zone_id
    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                            has_touch=True)
    page.goto(f"{live_server}/login/")
    page.fill("#username", "zl_shanggang")
    page.fill("#password", USER_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/verification/roster/?zone={zone}&month=2026-06")
    # The roster itself fits the phone (the FAB navbar above it is the phone layout's own work).
    assert page.evaluate("document.querySelector('form.roster-month').getBoundingClientRect().right") <= 360
    assert page.locator(".roster-day").count() == 8 and page.locator(".roster-weekday").first.inner_text() == "星期三"
    page.locator(f"#d2026-06-03 input[name='members/2026-06-03/day'][value='{member}']").check()
    page.locator(f"#d2026-06-12 input[name='members/2026-06-12/night'][value='{member}']").check()
    page.screenshot(path=str(SHOTS / "v06_roster.png"), full_page=False)
    page.locator("button.roster-save").tap()
    page.wait_for_selector(".alert-success")
    with app.app_context():
        saved = sorted((r.day.isoformat(), r.shift) for r in db.session.query(RosterShift))
    assert saved == [("2026-06-03", "day"), ("2026-06-12", "night")]
