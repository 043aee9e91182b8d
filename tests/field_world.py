"""The field roles of issue 14 (items 5 and 6) and a small street with demo rows for them to open: a synthetic
population over the 23 committees, a few verification records, a change case and a notification in 钢一,
the analysis rules' findings.
Shared by tests/test_phone_browser.py and tests/test_only_chinese.py."""
from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import make_user

# role -> (user name, committees, zone code)
FIELD_ROLES = {
    "social_worker": ("sw_gang1", ["钢一"], None),
    "block_leader": ("bl_gang1", ["钢一"], None),
    "building_leader": ("bdl_gang1", ["钢一"], None),
    "team_member": ("tm_shanggang", [], "shanggang"),
    "zone_leader": ("zl_shanggang", [], "shanggang"),
    "community_police": ("police_gang1", ["钢一"], None),
}


@pytest.fixture()
def field_world(app):
    """Accounts for the six field roles and demo rows in every list they open."""
    from sqlalchemy import select

    from app.analysis import service as analysis
    from app.changes import service as changes
    from app.demo_data import generate_population, generate_verifications
    from app.extensions import db
    from app.models import Committee, House, PortalUser
    from app.notifications.service import notify

    ids = {role: make_user(app, name, role, committees=committees, zone_code=zone)
           for role, (name, committees, zone) in FIELD_ROLES.items()}
    # A second block leader of 钢一 with a long account name: the case's holders then read as a long line, which a
    # phone card must wrap (Bootstrap keeps .table-responsive cells on one line).
    make_user(app, "bl_gang1_second_block_leader", "block_leader", committees=["钢一"])
    with app.app_context():
        generate_population(db.engine, 400, seed=14)
        generate_verifications(db.engine, 600, seed=14)
        committee = db.session.scalar(select(Committee).filter_by(name="钢一"))
        house = db.session.scalar(select(House).filter_by(committee_id=committee.id).order_by(House.id))
        worker = db.session.get(PortalUser, ids["social_worker"])
        case = changes.open_case(committee.id, house.id, "move_in", actor=worker, source="report",
                                 people_note="一对夫妻带一个孩子")
        for user_id in ids.values():
            notify(user_id, "测试通知：请处理变动", f"/changes/show/{case.id}")
        analysis.run_rules()  # findings (主动发现) for the committees' task lists
        db.session.commit()
        case_id = case.id
    return {"users": ids, "case": case_id}


NAV_LINK = re.compile(r'<a[^>]+href="(/[^"#]*)"', re.S)


def menu_links(html: str) -> list[str]:
    """The pages the navbar's menu offers (not sign-out, language or account links)."""
    nav = html.split('class="navbar-collapse', 1)[1].split("</header>", 1)[0] if "navbar-collapse" in html else ""
    links = []
    for href in NAV_LINK.findall(nav):
        href = unescape(href)
        if href.startswith(("/logout", "/lang/", "/users/userinfo", "/resetmypassword", "/static")):
            continue
        if href not in links:
            links.append(href)
    return links


def first_show_link(html: str) -> str | None:
    """The first row's show page of a FAB list (its eye button)."""
    m = re.search(r'href="(/[^"]*/show/\d+[^"]*)"', html)
    return unescape(m.group(1)) if m else None
