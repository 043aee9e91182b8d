"""Everyday screens (issue 14): the one search box of the person, house and residence lists."""
from __future__ import annotations

import datetime as dt

import pytest

from app.domain import quicksearch as qs
from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import Person, Residence
from tests.conftest import client_as

ID_ONE = make_id_number("310115", dt.date(1985, 6, 1), 123)
ID_TWO = make_id_number("310115", dt.date(1990, 3, 2), 245)


@pytest.mark.parametrize("text, kind", [
    (ID_ONE, qs.FULL_ID), (ID_ONE[:-1] + " " + ID_ONE[-1].lower(), qs.FULL_ID),
    ("13800138000", qs.PHONE), ("138-0013-8000", qs.PHONE), ("021-58881234", qs.PHONE), ("58881234", qs.PHONE),
    (ID_ONE[:10], qs.PARTIAL_ID), (ID_ONE[-6:], qs.PARTIAL_ID),
    ("张伟", qs.TEXT), ("上南路100弄", qs.TEXT),
])
def test_the_box_tells_numbers_from_names(text, kind):
    assert qs.classify(text).kind == kind
    assert qs.classify("  ") is None


@pytest.fixture()
def residents(app, places):
    """张伟 in 钢一's first house, 李娜 in 钢二's first house (another committee)."""
    with app.app_context():
        one = Person(name="张伟", id_type="resident_id", id_number=ID_ONE, category="shanghai_household",
                     phone="13800138000")
        two = Person(name="李娜", id_type="resident_id", id_number=ID_TWO, category="shanghai_household",
                     phone="13900139000")
        db.session.add_all([one, two])
        db.session.flush()
        db.session.add_all([
            Residence(person_id=one.id, house_id=places["钢一"]["houses"][0], start_date=dt.date(2020, 1, 1)),
            Residence(person_id=two.id, house_id=places["钢二"]["houses"][0], start_date=dt.date(2020, 1, 1)),
        ])
        db.session.commit()
    return places


def _rows(html):
    """The page after the search box (the box and its "searched for" line repeat the text)."""
    return html.split("<!-- /quick-search -->")[1]


def _page(client, path, q):
    response = client.get(path, query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("q", ["张伟", ID_ONE, ID_ONE.lower(), "13800138000", "上南路100弄1号101"])
def test_one_box_finds_a_person_by_name_id_phone_or_address(app, users, residents, q):
    client = client_as(app, "sw_gang1")
    html = _page(client, "/persons/list/", q)
    assert "张伟" in html
    assert 'id="quick-search-said"' in html
    assert f'value="{q}"' in html  # the box keeps what was typed


def test_the_box_shows_what_it_searched(app, users, residents):
    client = client_as(app, "sw_gang1")
    assert "按证件号码" in _page(client, "/persons/list/", ID_ONE)
    assert "按电话号码" in _page(client, "/persons/list/", "13800138000")
    assert "按姓名或地址" in _page(client, "/persons/list/", "张")


def test_a_partial_id_number_gets_a_hint(app, users, residents):
    html = _page(client_as(app, "sw_gang1"), "/persons/list/", ID_ONE[:12])
    assert 'id="quick-search-hint"' in html
    assert "18" in html.split('id="quick-search-hint"')[1][:200]
    assert "张伟" not in _rows(html)


def test_the_box_is_scoped(app, users, residents):
    client = client_as(app, "sw_gang1")
    for q in ("李娜", "13900139000", "钢二上南路"):
        assert "李娜" not in _rows(_page(client, "/persons/list/", q))
    html = _page(client, "/persons/list/", ID_TWO)
    assert "李娜" not in _rows(html)
    assert "其他居民区" in html  # only that it is registered elsewhere, never whose or where
    assert "钢二" not in html.split('id="quick-search-hint"')[1][:300]


def test_houses_and_residences_are_found_by_resident_or_address(app, users, residents):
    client = client_as(app, "sw_gang1")
    assert "钢一上南路100弄1号101室" in _page(client, "/houses/list/", "张伟")
    assert "钢一上南路100弄1号102室" not in _rows(_page(client, "/houses/list/", ID_ONE))
    assert "钢一上南路100弄1号101室" in _page(client, "/houses/list/", "101室")
    html = _page(client, "/residences/list/", "13800138000")
    assert "张伟" in html
    assert "李娜" not in _rows(_page(client, "/residences/list/", "李娜"))


def test_the_search_carries_into_the_export(app, users, residents, admin_client):
    from openpyxl import load_workbook
    import io

    response = admin_client.get("/persons/export/", query_string={"q": "李娜"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["李娜"]


def test_odd_search_text_is_no_500(app, admin_client, residents):
    for q in ("%", "_", "\\", "x" * 500, "'; drop table person; --", "\u200b"):
        assert admin_client.get("/persons/list/", query_string={"q": q}).status_code == 200


# -- who lives where (issue 14 §2) -------------------------------------------------------------------------------
def _cancel_and_move(app, places):
    """张伟 moved from 钢一 101 to 钢一 102 (the old residence cancelled)."""
    with app.app_context():
        person = db.session.query(Person).filter_by(name="张伟").one()
        old = db.session.query(Residence).filter_by(person_id=person.id).one()
        old.end_date, old.end_reason = dt.date(2024, 5, 1), "搬离"
        db.session.add(Residence(person_id=person.id, house_id=places["钢一"]["houses"][1],
                                 start_date=dt.date(2024, 5, 2)))
        db.session.commit()
        return person.id


def test_the_house_page_lists_its_residents_and_its_history(app, users, residents):
    _cancel_and_move(app, residents)
    client = client_as(app, "sw_gang1")
    old_house, new_house = residents["钢一"]["houses"]
    old_page = client.get(f"/houses/show/{old_house}").get_data(as_text=True)
    current, history = old_page.split('id="house-residents"')[1].split('id="house-history"')
    assert "张伟" not in current and "张伟" in history and "搬离" in history and "2024-05-01" in history
    new_page = client.get(f"/houses/show/{new_house}").get_data(as_text=True)
    assert "张伟" in new_page.split('id="house-residents"')[1].split('id="house-history"')[0]
    assert client.get(f"/houses/show/{residents['钢二']['houses'][0]}").status_code == 404


def test_the_person_page_shows_residence_history_cases_and_checks(app, users, residents):
    person_id = _cancel_and_move(app, residents)
    html = client_as(app, "sw_gang1").get(f"/persons/show/{person_id}").get_data(as_text=True)
    residences = html.split('id="person-residences"')[1].split('id="person-cases"')[0]
    assert "钢一上南路100弄1号101室" in residences and "钢一上南路100弄1号102室" in residences
    assert "搬离" in residences
    assert 'id="person-checks"' in html
    assert "None" not in residences


def test_the_committee_page_counts_with_links(app, users, residents, admin_client):
    committee = residents["钢一"]["committee"]
    html = admin_client.get(f"/committees/show/{committee}").get_data(as_text=True)
    counts = html.split('id="committee-counts"')[1]
    assert f"/houses/list/?_flt_0_committee={committee}" in counts
    assert f"/persons/list/?_flt_0_committee={committee}" in counts
    assert '<span class="badge">2</span>' in counts  # two houses
    assert '<span class="badge">1</span>' in counts  # one person, one current resident


# -- adding a person keeps the form (issue 14 §3) ------------------------------------------------------------------
NEW_ID = make_id_number("310115", dt.date(1979, 9, 9), 357)


def _new_person(**overrides):
    data = {"name": "王芳", "id_type": "resident_id", "id_number": NEW_ID, "sex": "", "birth_date": "",
            "category": "shanghai_household", "phone": "13700137000", "residence_house": "",
            "residence_start": ""}
    data.update(overrides)
    return data


def test_the_person_form_has_no_committee_field_and_asks_for_the_house(app, users, places):
    html = client_as(app, "sw_gang1").get("/persons/add").get_data(as_text=True)
    assert "__None" not in html
    assert 'name="committee"' not in html
    assert 'name="residence_house"' in html and 'name="residence_start"' in html


def test_a_person_is_added_with_his_house_and_takes_its_committee(app, users, places):
    house = places["钢一"]["houses"][1]
    client = client_as(app, "sw_gang1")
    response = client.post("/persons/add", data=_new_person(residence_house=str(house), residence_start="2025-03-01"))
    assert response.status_code == 302
    with app.app_context():
        person = db.session.query(Person).filter_by(id_number=NEW_ID).one()
        assert person.committee_id == places["钢一"]["committee"]
        [residence] = person.residences
        assert (residence.house_id, residence.start_date, residence.end_date) == (house, dt.date(2025, 3, 1), None)


@pytest.mark.parametrize("overrides, message", [
    ({}, "房屋"),  # no house: committee staff must say where he lives
    ({"residence_start": "2025-03-01"}, "房屋"),
    ({"residence_house": "HOUSE"}, "日期"),  # a house without the date
    ({"residence_house": "HOUSE", "residence_start": "2025-03-01",
      "id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")}, "校验位不正确"),
    ({"residence_house": "OTHER", "residence_start": "2025-03-01"}, ""),  # another committee's house
])
def test_every_error_keeps_the_input(app, users, places, overrides, message):
    overrides = {k: (str(places["钢一"]["houses"][0]) if v == "HOUSE" else
                     str(places["钢二"]["houses"][0]) if v == "OTHER" else v) for k, v in overrides.items()}
    response = client_as(app, "sw_gang1").post("/persons/add", data=_new_person(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="王芳"' in html and "13700137000" in html
    with app.app_context():
        assert db.session.query(Person).filter_by(name="王芳").count() == 0
        assert db.session.query(Residence).count() == 0


def test_a_refusal_after_validation_keeps_the_input_too(app, users, places, admin_client):
    """A write refused by the data rules (here: the ID number already registered) re-renders the form."""
    house = str(places["钢一"]["houses"][0])
    assert admin_client.post("/persons/add", data=_new_person(residence_house=house,
                                                             residence_start="2025-03-01")).status_code == 302
    response = admin_client.post("/persons/add", data=_new_person(name="王芳芳", residence_house=house,
                                                                 residence_start="2025-03-01"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "已登记" in html and 'value="王芳芳"' in html


# -- the social worker's entry form (issue 14 §4) ------------------------------------------------------------------
def _collected_case(app, places):
    from sqlalchemy import select

    from app.changes.models import ChangeCase

    web = client_as(app, "sw_gang1")
    web.post("/changes/report", data={"kind": "move_in", "house": places["钢一"]["houses"][0]})
    with app.app_context():
        case_id = db.session.scalar(select(ChangeCase.id))
    assert client_as(app, "bl_gang1").post(f"/changes/act/{case_id}", data={"action": "collect"}).status_code == 302
    return web, case_id


def test_the_entry_form_is_labelled(app, users, places):
    web, case_id = _collected_case(app, places)
    html = web.get(f"/changes/show/{case_id}").get_data(as_text=True)
    for label in ("姓名", "身份证号码", "人员类别", "户籍地址", "市级系统", "联系电话"):
        assert f">{label}</label>" in html, label
    assert 'placeholder="名称"' not in html


@pytest.mark.parametrize("number, message", [
    (ID_ONE[:-1] + ("0" if ID_ONE[-1] != "0" else "1"), "校验位"),
    ("31011519850231123X", "出生日期"),
])
def test_a_bad_id_number_at_entry_keeps_the_input_with_the_specific_message(app, users, places, number, message):
    from app.changes.models import ChangeCase

    web, case_id = _collected_case(app, places)
    response = web.post(f"/changes/act/{case_id}", data={
        "action": "enter", "city_system": "migrant", "entry_date": "2026-06-01", "name": "赵敏",
        "id_number": number, "category": "migrant", "phone": "13600136000", "registered_address": "安徽省合肥市"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    for typed in ('value="赵敏"', f'value="{number}"', 'value="13600136000"', 'value="安徽省合肥市"',
                  'value="2026-06-01"', '<option value="migrant" selected>'):
        assert typed in html, typed
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "form_collected"
        assert db.session.query(Person).filter_by(name="赵敏").count() == 0


def test_a_house_without_its_start_date_is_a_form_error_not_a_failed_save(app, users, places):
    client = client_as(app, "sw_gang1")
    response = client.post("/persons/add", data=_new_person(residence_house=str(places["钢一"]["houses"][0]),
                                                            residence_start=""))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "请填写在此房屋居住的起始日期。" in html
    assert "保存失败" not in html  # not a failed insert (NOT NULL start_date) behind a generic message
    with app.app_context():
        assert db.session.query(Person).filter_by(name="王芳").count() == 0
