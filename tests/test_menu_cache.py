"""The permissions and the navbar's menu kept per role set (app/views/menu.py), and the signed-in user loaded in one
statement (app/access/security.py): a role's change shows on the very next request, each language gets its own menu,
and a page no longer asks the database for the user's roles, committees and permissions one query each."""
from __future__ import annotations

from sqlalchemy import event

from app.extensions import db
from tests.conftest import client_as, make_user


def _statements(app, client, path):
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 200
    return response.get_data(as_text=True), seen


def test_a_revoked_permission_is_gone_from_the_menu_and_the_route_at_once(app):
    make_user(app, "sw_menu", "social_worker", committees=["钢一"])
    client = client_as(app, "sw_menu")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/persons/list/"' in html
    assert client.get("/persons/list/").status_code == 200
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("social_worker")
        granted = [(pv.permission.name, pv.view_menu.name) for pv in role.permissions
                   if pv.view_menu.name in ("Person", "persons")]
        assert granted
        for names in granted:
            sm.del_permission_role(role, sm.find_permission_view_menu(*names))
    try:
        html = client.get("/").get_data(as_text=True)
        assert 'href="/persons/list/"' not in html  # the cached menu of this role set was dropped
        assert client.get("/persons/list/").status_code == 403
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            role = sm.find_role("social_worker")
            for names in granted:
                sm.add_permission_role(role, sm.find_permission_view_menu(*names))
    assert client.get("/persons/list/").status_code == 200


def test_each_language_gets_its_own_menu(app):
    make_user(app, "sw_menu", "social_worker", committees=["钢一"])
    client = client_as(app, "sw_menu")
    assert "实有人口" in client.get("/").get_data(as_text=True)
    client.get("/lang/en")
    html = client.get("/").get_data(as_text=True)
    assert "Population" in html and "实有人口" not in html.split('class="nav navbar-nav"')[1].split("</ul>")[0]
    client.get("/lang/zh")


def test_a_page_reads_the_user_once_and_the_permissions_once_per_role_set(app):
    make_user(app, "sw_menu", "social_worker", committees=["钢一"])
    first = client_as(app, "sw_menu")
    first.get("/")
    _html, statements = _statements(app, first, "/")
    user_reads = [s for s in statements if " FROM ab_user" in s and "ab_user_committee" in s]
    assert len(user_reads) == 1, statements  # user, roles, groups, committees and zone in one statement
    assert not [s for s in statements if "ab_permission_view_role" in s], statements  # kept for the role set
    assert not [s for s in statements if s.startswith("SELECT ab_role") or "FROM ab_role " in s], statements
    # Another user with the same role reuses the set: no permission query for him either.
    make_user(app, "sw_menu2", "social_worker", committees=["钢二"])
    second = client_as(app, "sw_menu2")
    html, statements = _statements(app, second, "/")
    assert not [s for s in statements if "ab_permission_view_role" in s], statements
    assert "钢二" in html
