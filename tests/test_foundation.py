"""The installation as a whole: organisation seeded by migrations + seed, lists that refuse bad arguments with a
400, Chinese by default, nothing loaded from outside the server."""
from __future__ import annotations

import re

import pytest

from app.domain.organisation import COMMITTEES
from app.extensions import db
from app.models import Committee, Zone

EXPECTED_ORDER = [
    "钢一", "钢二", "钢三", "钢四", "钢五", "钢六", "钢七", "钢九", "钢十", "德一", "德二", "德三", "德四",
    "德五", "德六", "德七", "济一", "济二", "济三", "济中", "耀一", "耀三", "花城",
]


def test_the_23_committees_are_seeded_in_table_order_with_their_default_zones(app):
    with app.app_context():
        rows = db.session.query(Committee).order_by(Committee.seq).all()
        assert [c.name for c in rows] == EXPECTED_ORDER
        assert [c.seq for c in rows] == list(range(1, 24))
        zones = {c.name: c.zone.name for c in rows}
        assert zones["钢十"] == "第一片区(上钢)"
        assert zones["济中"] == zones["耀三"] == "第二片区(济阳)"
        assert zones["德七"] == zones["花城"] == "第三片区(德州)"
        assert db.session.query(Zone).count() == 3
    assert "钢八" not in [c.name for c in COMMITTEES]


def test_seed_is_idempotent_and_keeps_the_offices_changes(app, runner):
    with app.app_context():
        committee = db.session.query(Committee).filter_by(name="花城").one()
        original_zone = committee.zone_id
        committee.zone_id = db.session.query(Zone.id).filter_by(code="jiyang").scalar()
        db.session.commit()
    try:
        result = runner.invoke(args=["seed"], env={"ADMIN_PASSWORD": "Whatever-Pass-2026"})
        assert result.exit_code == 0, result.output
        assert "0 zones and 0 committees" in result.output
        assert "exists, unchanged" in result.output
        with app.app_context():
            assert db.session.query(Committee).count() == 23
            assert db.session.query(Committee).filter_by(name="花城").one().zone.code == "jiyang"
    finally:
        with app.app_context():
            db.session.query(Committee).filter_by(name="花城").update({"zone_id": original_zone})
            db.session.commit()


def test_each_create_app_call_builds_a_complete_app(app):
    from app import create_app

    second = create_app(app.config)
    rules = {r.rule for r in second.url_map.iter_rules()}
    assert {"/persons/list/", "/houses/list/", "/committees/list/", "/residences/add"} <= rules
    assert second is not app


def test_pages_are_in_chinese_by_default(admin_client):
    html = admin_client.get("/persons/list/").get_data(as_text=True)
    assert "实有人口" in html and "姓名" in html and "证件号码" in html
    assert "组织机构" in html and "居民区" in html


def test_english_can_be_chosen(admin_client):
    admin_client.get("/lang/en", follow_redirects=True)
    html = admin_client.get("/persons/list/").get_data(as_text=True)
    assert "Document number" in html and "Organisation" in html


SCREENS = ["/", "/persons/list/", "/persons/add", "/residences/add", "/houses/list/", "/committees/list/",
           "/buildings/add", "/vehicles/add", "/users/list/", "/login/"]


@pytest.mark.parametrize("path", SCREENS)
def test_no_page_loads_anything_from_outside_the_server(admin_client, path):
    html = admin_client.get(path, follow_redirects=True).get_data(as_text=True)
    external = re.findall(r'(?:src|href)\s*=\s*["\'](?:https?:)?//[^"\']+', html)
    assert external == []
    assert "google" not in html.lower()


@pytest.mark.parametrize(
    "query",
    [
        "psize_PersonView=abc",
        "psize_PersonView=100000",
        "psize_PersonView=0",
        "page_PersonView=-1",
        "page_PersonView=1e3",
        "_oc_PersonView=password&_od_PersonView=asc",
        "_flt_0_birth_date=not-a-date",
        "_flt_0_birth_date=1990-02-30",
        "_flt_0_committee=abc",
        "_flt_0_name=" + "长" * 300,
    ],
)
def test_malformed_list_arguments_get_a_400_in_chinese(admin_client, query):
    response = admin_client.get(f"/persons/list/?{query}")
    assert response.status_code == 400
    assert "请求无效" in response.get_data(as_text=True)


def test_well_formed_list_arguments_work(admin_client):
    for query in ("psize_PersonView=100", "page_PersonView=2", "_oc_PersonView=name&_od_PersonView=desc",
                  "_flt_0_birth_date=1990-01-01", "_flt_0_id_number=310115198506011233"):
        assert admin_client.get(f"/persons/list/?{query}").status_code == 200, query


def test_unknown_record_is_a_404_page_not_a_500(admin_client):
    response = admin_client.get("/persons/show/999999")
    assert response.status_code == 404
    assert "不存在" in response.get_data(as_text=True)
    assert admin_client.get("/persons/show/abc").status_code == 404


def test_the_id_number_search_is_an_exact_match_on_the_index(app, admin_client):
    from sqlalchemy import event

    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lower())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        admin_client.get("/persons/list/?_flt_0_id_number=310115198506011233")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    person_queries = [s for s in statements if "from person" in s and "id_number" in s]
    assert person_queries
    assert not any("like" in s for s in person_queries)
    assert any("person.id_number = " in s for s in person_queries)


def test_deep_pages_sorted_by_name_are_stable_and_complete(app, admin_client, places):
    from app.domain.idnumber import make_id_number
    from app.models import Person
    import datetime as _dt

    with app.app_context():
        for i in range(30):  # many equal names: order must still be total
            db.session.add(Person(name="同名" if i % 2 else "另名", category="migrant",
                                  id_number=make_id_number("310115", _dt.date(1990, 1, 1), i)))
        db.session.commit()
    seen = []
    for page in range(3):
        html = admin_client.get(f"/persons/list/?psize_PersonView=10&page_PersonView={page}"
                                f"&_oc_PersonView=name&_od_PersonView=asc").get_data(as_text=True)
        seen += re.findall(r"/persons/show/(\d+)", html)
    assert len(seen) == len(set(seen)) == 30
