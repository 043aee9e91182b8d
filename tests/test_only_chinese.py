"""Issue 14 item 6: the Chinese interface shows only Chinese. As each field role (and the office, who reads the
audit trail, the police station and a committee director), with demo rows present, every page the menu offers,
the first record of each list, its edit form and the list's add form are opened; their visible text holds none
of the English or raw values a user reported: None, True/False, Download, Add/Edit titles, English page titles,
UTC times with seconds or microseconds, raw audit actions and record types."""
from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import client_as, make_user
from tests.field_world import FIELD_ROLES, field_world, first_show_link, menu_links  # noqa: F401 - fixture

DENY = [
    r"\bNone\b", r"\bTrue\b", r"\bFalse\b", r"\bDownload\b", r"\bAdd ", r"\bEdit ", r"Remove all items",
    r"Please enter \d", r"No results found", r"\bUTC\b", r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\.\d+",
    r"\d{4}-\d\d-\d\dT\d\d:\d\d", r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",  # times to the minute, local
    r"login_success", r"login_failure", r"\bexport\b", r"\bChangeCase\b",
    r"\bPerson\b", r"\bResidence\b", r"\bHouse\b", r"Block Leader", r"\bEstate\b", r"Spot Inspection",
    r"Crime Late Entry", r"Ranking Comment", r"__None", r"第几级", r"已发表", r"\bList\b", r"\bShow\b",
    r"\bUser\b", r"\bCancel\b", r"\bOK\b", r"\banonymous\b", r"\bSelect\b",
]
DENIED = re.compile("|".join(DENY))


def visible_text(html: str) -> str:
    """What a reader sees: the page's text nodes and its title (no scripts, styles, tags or attributes)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(html))


def _offences(text: str) -> list[str]:
    return [text[max(0, m.start() - 30):m.end() + 30] for m in DENIED.finditer(text)]


ROLES = {**FIELD_ROLES, "street_office": ("office", [], None), "police_station": ("station", [], None),
         "committee_director": ("dir_gang1", ["钢一"], None)}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_a_role_reads_only_chinese(app, field_world, role):  # noqa: F811
    username, committees, zone = ROLES[role]
    make_user(app, username, role, committees=committees, zone_code=zone)
    client = client_as(app, username)
    home = client.get("/").get_data(as_text=True)
    paths = ["/"] + menu_links(home) + [f"/changes/show/{field_world['case']}"]
    seen, found, opened = set(), [], 0
    while paths:
        path = paths.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        html = response.get_data(as_text=True)
        opened += 1
        found += [f"{path}: …{o}…" for o in _offences(visible_text(html))]
        if "/list" in path:
            show = first_show_link(html)
            edit = show.replace("/show/", "/edit/") if show else None
            for extra in (show, edit, path.replace("/list/", "/add")):
                if extra and extra not in seen:
                    paths.insert(0, extra)
    assert opened >= 2
    assert not found, "English or raw values in the Chinese interface:\n" + "\n".join(found[:60])


@pytest.mark.browser
def test_the_search_as_you_type_box_speaks_chinese(live_server, browser, app, field_world):  # noqa: F811
    """Select2's own sentences (FAB ships only its English): 请再输入至少1个字符, 未找到结果; a favicon is linked."""
    from tests.conftest import USER_PASSWORD

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/login/")
    page.fill("#username", FIELD_ROLES["social_worker"][0])
    page.fill("#password", USER_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/persons/add")
    page.wait_for_load_state()
    assert page.evaluate("document.querySelector('link[rel~=icon]') !== null")
    icon = page.evaluate("document.querySelector('link[rel~=icon]').href")
    assert page.request.get(icon).status == 200
    page.click("#residence_house + .select2-container .select2-selection")
    page.wait_for_selector(".select2-results__message")
    assert "请再输入至少1个字符" in page.inner_text(".select2-results")
    page.type(".select2-container--open .select2-search__field", "不存在的地址zzz")
    page.wait_for_selector(".select2-results__message:has-text('未找到结果')", timeout=5000)
    text = page.inner_text("body")
    assert "Please enter" not in text and "No results found" not in text
