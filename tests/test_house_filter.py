"""Issue 14 item 8: the house list's building filter and the house forms' building field are a search-as-you-type
picker (/lookup/buildings, scoped like the lists), not a dropdown of every building of the street (317 KB per page
at 200,000 persons). A committee's staff are offered and may save only their committees' buildings; after a
search by building the filter shows that building; the page carries no other building."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.conftest import ADMIN_PASSWORD, SHOTS, browser_sign_in, client_as, make_user

# What sticks out of the screen, to say why a page scrolls sideways.
CULPRITS = ("() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
            "window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(-3)")
OTHER_BUILDINGS = [f"钢二空楼{n}号" for n in range(1, 31)]  # buildings with no house: on no list page


@pytest.fixture()
def street(app, places):
    """``places`` plus 30 buildings of 钢二 with no house, and a worker of 钢一 (sw_gang1)."""
    from app.extensions import db
    from app.models import Building

    with app.app_context():
        for name in OTHER_BUILDINGS:
            db.session.add(Building(committee_id=places["钢二"]["committee"], name=name))
        db.session.commit()
    make_user(app, "sw_gang1", "social_worker", committees=["钢一"])
    return places


def _lookup(client, query: str = "", page: str | None = None):
    args = {"q": query, **({"page": page} if page is not None else {})}
    response = client.get("/lookup/buildings", query_string=args)
    return response.status_code, (response.get_json() or {}) if response.is_json else {}


def _filter_options(html: str) -> list[tuple[str, str]]:
    """The options of the building filter's field, from the page's AdminFilters data (FAB passes each filter's
    field as HTML inside a JSON object)."""
    fields = [json.loads(f'"{raw}"') for raw in re.findall(r'"building":\s*"((?:[^"\\]|\\.)*)"', html)]
    field = next((f for f in fields if f.startswith("<select")), None)
    assert field is not None, "no building filter field on the page"
    assert "data-lookup-url" in field, "the building filter is not the search-as-you-type picker"
    return re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', field)


def test_the_building_search_offers_only_the_users_committees(app, street, admin_client):
    worker = client_as(app, "sw_gang1")
    status, data = _lookup(worker)
    assert status == 200
    assert [row["text"] for row in data["results"]] == ["钢一上南路100弄1号（钢一）"]
    assert _lookup(worker, "钢二空楼")[1]["results"] == []  # another committee's building is not offered
    assert _lookup(worker, "钢二上南路")[1]["results"] == []
    # The office sees every committee, 20 at a time in natural order (1, 2 … 9, 10), more on the next page.
    status, first = _lookup(admin_client, "钢二空楼")
    assert status == 200 and first["more"] is True
    assert [r["text"] for r in first["results"]][:3] == ["钢二空楼1号（钢二）", "钢二空楼2号（钢二）", "钢二空楼3号（钢二）"]
    status, second = _lookup(admin_client, "钢二空楼", page="2")
    assert [r["text"] for r in second["results"]] == [f"钢二空楼{n}号（钢二）" for n in range(21, 31)]
    assert second["more"] is False
    for junk in ("0", "-1", "abc", "2²", str(10**20), "1e3"):
        assert _lookup(admin_client, "", page=junk)[0] == 400, junk
    assert _lookup(admin_client, "%")[1]["results"] == []  # % is a character, not a wildcard
    assert client_as(app, "sw_gang1").get("/lookup/buildings?q=" + "楼" * 5000).status_code == 200


def test_another_committees_building_is_not_accepted(app, street, admin_client):
    from app.extensions import db
    from app.models import House

    worker = client_as(app, "sw_gang1")
    theirs, ours = street["钢二"]["building"], street["钢一"]["building"]
    for value in (theirs, str(10**20), "abc", "²", "-3"):
        response = worker.post("/houses/add", data={"building": value, "room": "901", "address": "偷加的房屋901室"})
        assert response.status_code == 200, value  # the form again, with the reason: never a 500
        assert "请从列表中选择楼组。" in response.get_data(as_text=True), value
    house = street["钢一"]["houses"][0]
    response = worker.post(f"/houses/edit/{house}", data={"building": theirs, "room": "101",
                                                          "address": "钢一上南路100弄1号101室"})
    assert response.status_code == 200 and "请从列表中选择楼组。" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(House).where(House.room == "901")).first() is None
        assert db.session.get(House, house).building_id == ours
    # Its own building is accepted, and the edit form shows the house's building as the chosen one.
    response = worker.post("/houses/add", data={"building": ours, "room": "902", "address": "钢一上南路100弄1号902室"})
    assert response.status_code == 302
    html = worker.get(f"/houses/edit/{house}").get_data(as_text=True)
    assert re.search(rf'<option value="{ours}" selected>钢一上南路100弄1号（钢一）</option>', html)


def test_a_search_by_building_shows_the_building_and_the_page_no_other(app, street, admin_client):
    ours = street["钢一"]["building"]
    html = admin_client.get("/houses/list/").get_data(as_text=True)
    assert _filter_options(html) == [("", "")]  # no building is rendered into the filter
    assert not any(name in html for name in OTHER_BUILDINGS)
    assert not any(name in admin_client.get("/houses/add").get_data(as_text=True) for name in OTHER_BUILDINGS)

    html = admin_client.get(f"/houses/list/?_flt_0_building={ours}").get_data(as_text=True)
    assert _filter_options(html) == [("", ""), (str(ours), "钢一上南路100弄1号（钢一）")]
    rows = re.findall(r"钢[一二]上南路100弄1号\d+室", html)
    assert rows and all(r.startswith("钢一") for r in rows)

    # A worker of 钢一 filtering by 钢二's building: nothing listed, and the building is not named.
    worker = client_as(app, "sw_gang1")
    html = worker.get(f"/houses/list/?_flt_0_building={street['钢二']['building']}").get_data(as_text=True)
    assert _filter_options(html) == [("", "")]
    assert "钢二上南路100弄1号" not in html
    for junk in (str(10**20), "abc", "1.5"):
        assert worker.get(f"/houses/list/?_flt_0_building={junk}").status_code == 400, junk


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1366])
def test_the_building_filter_works_in_a_browser(live_server, browser, app, street, width):
    """The office adds the 楼组 filter, types part of a name, picks a building and searches: the list shows its
    houses and the filter still names it; everything the filter shows is Chinese; no sideways scroll."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    browser_sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    page.goto(f"{live_server}/houses/list/")
    page.click("#accordion1 a.accordion-toggle")  # FAB's folded search panel
    page.click("#filter_form .dropdown-toggle")
    page.click("#filter_form a.filter[name=building]")
    page.click("#filter_form select[name$=_building] + .select2-container .select2-selection")
    page.wait_for_selector(".select2-results__option")  # the first page at once, before any typing
    page.type(".select2-container--open .select2-search__field", "钢一")
    page.wait_for_selector(".select2-results__option:has-text('钢一上南路100弄1号（钢一）')", timeout=5000)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.evaluate(CULPRITS)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"house_filter_open_{width}.png"), full_page=True)
    page.click(".select2-results__option:has-text('钢一上南路100弄1号（钢一）')")
    page.click("#filter_form button[type=submit], #filter_form .btn-primary")
    page.wait_for_load_state()
    assert f"_flt_0_building={street['钢一']['building']}" in page.url
    assert page.is_visible("#filter_form")  # the panel stays open after a search: it says what was searched
    chosen = page.inner_text("#filter_form .select2-selection__rendered >> nth=-1")
    assert "钢一上南路100弄1号（钢一）" in chosen
    text = page.inner_text("#filter_form")
    assert not re.search(r"[A-Za-z]{3,}", text), text
    assert "钢一上南路100弄1号101室" in page.inner_text("body")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.evaluate(CULPRITS)
    page.screenshot(path=str(SHOTS / f"house_filter_{width}.png"), full_page=True)
    # The add form's building field is the same picker.
    page.goto(f"{live_server}/houses/add")
    page.click("#building + .select2-container .select2-selection")
    page.wait_for_selector(".select2-results__option:has-text('钢二空楼1号（钢二）')", timeout=5000)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.evaluate(CULPRITS)
    page.screenshot(path=str(SHOTS / f"house_add_building_{width}.png"), full_page=True)
    page.close()
