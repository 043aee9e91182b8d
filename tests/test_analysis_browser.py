"""The dashboard in a real phone-sized browser (360×740, Debian's Chromium via Playwright): no sideways scrolling
at the street, zone and committee levels, the units as cards (the wide table only from 768 px on), the charts
drawn by the vendored ECharts and nothing fetched from another host. Screenshots go to tests/screenshots/."""
from __future__ import annotations

import datetime as dt

import pytest

from app.domain.idnumber import make_id_number
from tests.conftest import SHOTS, browser_sign_in

pytestmark = pytest.mark.browser


def test_the_dashboard_on_a_phone_has_cards_and_no_sideways_scroll(live_server, browser, app, places, users):
    from app.extensions import db
    from app.models import Committee, Person, Residence

    with app.app_context():
        for n, name in enumerate(("看板甲", "看板乙", "看板丙")):
            person = Person(name=name, id_number=make_id_number("310115", dt.date(1970 + n, 3, 3), 41 + n),
                            category="migrant")
            db.session.add(person)
            db.session.flush()
            db.session.add(Residence(person_id=person.id, house_id=places["钢一"]["houses"][0],
                                     start_date=dt.date(2019, 5, 1)))
        db.session.commit()
        zone_id = db.session.get(Committee, places["钢一"]["committee"]).zone_id

    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                            has_touch=True)
    elsewhere = []
    page.on("request", lambda request: None if request.url.startswith(live_server) or request.url.startswith(
        "data:") else elsewhere.append(request.url))
    browser_sign_in(page, live_server, "office")
    for level, query in (("street", ""), ("zone", f"?zone={zone_id}"),
                         ("committee", f"?committee={places['钢一']['committee']}")):
        page.goto(f"{live_server}/analysis/dashboard/{query}")
        page.wait_for_selector("#chart-persons canvas")  # drawn by our own copy of ECharts
        page.screenshot(path=str(SHOTS / f"a01_dashboard_{level}.png"), full_page=True)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 360, level  # no sideways scrolling
        assert page.locator(".dashboard-card").first.is_visible(), level
        assert page.locator(".dashboard-wide").first.is_hidden(), level
    # the committee's card shows its three registered persons
    assert "3" in page.locator(".dashboard-card").first.inner_text()
    assert page.evaluate("typeof window.echarts") == "object"
    assert elsewhere == []  # no CDN: every script, style and font from the portal itself

    # From 768 px on the same numbers are one table.
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{live_server}/analysis/dashboard/")
    assert page.locator(".dashboard-wide").first.is_visible() and page.locator(".dashboard-card").first.is_hidden()
    page.close()

    # A committee's social worker on his phone: his own committee only, no sideways scrolling either.
    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                            has_touch=True)
    browser_sign_in(page, live_server, "sw_gang1")
    page.goto(f"{live_server}/analysis/dashboard/")
    page.wait_for_selector("#chart-persons canvas")
    page.screenshot(path=str(SHOTS / "a02_dashboard_social_worker.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    text = page.locator(".dashboard-cards").first.inner_text()
    assert "钢一" in text and "钢二" not in text
    page.close()
