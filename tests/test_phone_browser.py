"""Issue 14 item 5: every page a field role opens fits a 360 px phone. Each field role signs in, opens its home
page, every page its menu offers, the first record and the add form of each list and the change case, at 360 px
in headless Chromium, and no page is wider than the screen (no sideways scrolling). Screenshots at 360 and 1366 px
of a few pages go to tests/screenshots/ for a person to look at."""
from __future__ import annotations

import pytest

from tests.conftest import SHOTS, browser_sign_in
from tests.field_world import FIELD_ROLES, field_world, first_show_link, menu_links  # noqa: F401 - fixture

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
WIDTH = "document.scrollingElement.scrollWidth"
# A box that scrolls sideways inside the page (Bootstrap's .table-responsive) is sideways scrolling too.
INNER = ("() => [...document.querySelectorAll('body *')].filter(e => { const s = getComputedStyle(e); "
         "return ['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1 "
         "&& e.clientWidth > 0 && !e.closest('.select2-container, .datepicker'); })"
         ".map(e => e.tagName + '.' + e.className).slice(0, 3)")
# What sticks out, to say why (the first few elements whose right edge is past the screen).
CULPRITS = ("() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)"
            ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(-3)")
# Pages worth a look by a person (role, path prefix, file name).
SHOTS_OF = {("social_worker", "/changes/list"): "p_cases", ("social_worker", "/verification/coverage"): "p_coverage",
            ("social_worker", "/persons/list"): "p_persons", ("zone_leader", "/verification/roster"): "p_roster",
            ("block_leader", "/"): "p_home_block_leader", ("social_worker", "/notifications"): "p_notifications",
            ("social_worker", "/changes/show"): "p_case_show", ("social_worker", "/persons/add"): "p_person_add",
            ("zone_leader", "/changes/overview"): "p_overview", ("zone_leader", "/analysis/dashboard"): "p_dashboard"}


def _shot(page, role, path):
    for (who, prefix), name in SHOTS_OF.items():
        if who == role and (path == prefix if prefix == "/" else path.startswith(prefix)):
            page.screenshot(path=str(SHOTS / f"{name}_360.png"), full_page=True)
            return name
    return None


def test_every_page_of_every_field_role_fits_a_phone(live_server, browser, field_world):  # noqa: F811
    too_wide, opened = [], {}
    for role, (username, _committees, _zone) in FIELD_ROLES.items():
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        browser_sign_in(page, live_server, username)
        page.goto(f"{live_server}/")
        paths = ["/"] + menu_links(page.content())
        if role in ("social_worker", "block_leader", "zone_leader", "community_police"):
            paths.append(f"/changes/show/{field_world['case']}")
        seen = set()
        while paths:
            path = paths.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = page.goto(f"{live_server}{path}")
            page.wait_for_load_state()
            if response is None or response.status != 200 or "/login" in page.url:
                continue  # a menu link may be a POST-only or download page; other tests cover their status
            if "html" not in (response.headers.get("content-type") or ""):
                continue
            width = page.evaluate(WIDTH)
            opened.setdefault(role, []).append(path)
            inner = page.evaluate(INNER)
            if width > PHONE["width"] or inner:
                too_wide.append(f"{role} {path}: {width}px {' '.join(inner)} {page.evaluate(CULPRITS)}")
            name = _shot(page, role, path)
            if name:
                desk = context.browser.new_page(viewport={"width": 1366, "height": 900})
                desk.context.add_cookies(context.cookies())
                desk.goto(f"{live_server}{path}")
                desk.screenshot(path=str(SHOTS / f"{name}_1366.png"), full_page=True)
                desk.close()
            if "/list" in path:  # the first record, and the add form where the role may add
                show = first_show_link(page.content())
                for extra in (show, path.replace("/list/", "/add")):
                    if extra and extra not in seen:
                        paths.insert(0, extra)
        context.close()
    assert not too_wide, "wider than a 360 px phone:\n" + "\n".join(too_wide)
    # Each role opened its home and its pages; the social worker's include lists and record pages.
    assert all(len(pages) >= 2 for pages in opened.values()) and set(opened) == set(FIELD_ROLES)
    assert any("/show/" in p for p in opened["social_worker"])
