"""The Content-Security-Policy in a real browser (headless Chromium): FAB's pages and ours run their scripts (menus,
Select2, the action buttons) without a single CSP violation, and the navbar's logout form signs out. Screenshots
go to tests/screenshots/ for a person to look at."""
from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, SHOTS, USER_PASSWORD

pytestmark = pytest.mark.browser

PAGES = ("/", "/persons/list/", "/persons/add", "/houses/list/", "/users/userinfo/", "/resetmypassword/form",
         "/verification/sweep", "/changes/report", "/documents/request")


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}")
            if m.type == "error" and "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    return problems


def _sign_in(page, base, username, password):
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("username", ["admin", "sw_gang1"])
def test_pages_work_under_the_csp_and_logout_is_the_menus_form(live_server, browser, places, users, username):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    problems = _watch(page)
    _sign_in(page, live_server, username, ADMIN_PASSWORD if username == "admin" else USER_PASSWORD)
    for n, path in enumerate(PAGES):
        response = page.goto(f"{live_server}{path}")
        page.wait_for_load_state()
        assert response.status in (200, 403), (path, response.status)
        page.screenshot(path=str(SHOTS / f"csp_{username}_{n:02d}.png"), full_page=True)
    # Select2 turned the committee picker into its widget (a script that CSP would have blocked).
    page.goto(f"{live_server}/persons/add")
    page.wait_for_load_state()
    assert page.locator(".select2-container").count() > 0
    # The profile's "reset password" button posts through FAB's inline-script action form.
    page.goto(f"{live_server}/users/userinfo/")
    page.click("text=重设密码")
    page.wait_for_url("**/resetmypassword/form")  # the click's script navigates after the page has loaded
    assert page.url.endswith("/resetmypassword/form")
    # Logout: the user menu opens (Bootstrap's script) and its form posts with the CSRF token.
    page.click("a.dropdown-toggle:has(.fa-user)")
    page.click("form.navbar-logout button")
    page.wait_for_load_state()
    page.goto(f"{live_server}/users/userinfo/")
    assert "/login/" in page.url
    assert problems == []
    page.close()
