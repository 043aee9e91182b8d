"""A social worker of 钢一 in a real browser (Debian's headless Chromium driven by Playwright): a wrong ID number
gets a Chinese message, the corrected person appears masked in the list, and a 钢二 person cannot be opened by
URL. Screenshots go to tests/screenshots/ for a person to look at."""
from __future__ import annotations

import datetime as dt

import pytest

from app.domain.idnumber import make_id_number
from tests.conftest import SHOTS, USER_PASSWORD

pytestmark = pytest.mark.browser
PICK_HOUSE = ("([sel, val]) => { const el = document.querySelector(sel); "
              "if (![...el.options].some(o => o.value === val)) el.add(new Option(val, val)); el.value = val; "
              "el.dispatchEvent(new Event('change', {bubbles: true})); }")


def test_social_worker_in_the_browser(live_server, browser, app, places, users):
    from app.extensions import db
    from app.models import Person

    with app.app_context():
        other = Person(name="钢二住户", id_number=make_id_number("310115", dt.date(1977, 7, 7), 77),
                       category="migrant", committee_id=places["钢二"]["committee"])
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    good = make_id_number("310115", dt.date(1988, 8, 8), 151)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/login/")
    page.fill("#username", "sw_gang1")
    page.fill("#password", USER_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server}/persons/add")
    page.fill("#name", "浏览器测试人")
    page.fill("#id_number", bad)
    page.select_option("#category", "migrant")
    # The house he lives in (the search-as-you-type picker's value, set directly); the committee follows it.
    page.evaluate(PICK_HOUSE, ["#residence_house", str(places["钢一"]["houses"][0])])
    page.evaluate("document.querySelector('#residence_start').value = '2025-03-01'")  # past the datepicker
    page.click("#model_form [type=submit]")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "01_wrong_id.png"), full_page=True)
    assert "校验位不正确" in page.content()

    page.fill("#id_number", good)
    page.evaluate(PICK_HOUSE, ["#residence_house", str(places["钢一"]["houses"][0])])
    page.evaluate("document.querySelector('#residence_start').value = '2025-03-01'")  # past the datepicker
    page.click("#model_form [type=submit]")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "01b_saved.png"), full_page=True)
    page.goto(f"{live_server}/persons/list/")
    page.screenshot(path=str(SHOTS / "02_list_masked.png"), full_page=True)
    html = page.content()
    assert "浏览器测试人" in html
    assert good[:4] + "*" * 10 + good[-4:] in html and good not in html
    assert "钢二住户" not in html

    response = page.goto(f"{live_server}/persons/show/{other_id}")
    page.screenshot(path=str(SHOTS / "03_other_committee.png"), full_page=True)
    assert response.status == 404
    assert "钢二住户" not in page.content()

    phone = browser.new_page(viewport={"width": 360, "height": 740})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server}/persons/list/")
    phone.screenshot(path=str(SHOTS / "04_phone_list.png"), full_page=True)
