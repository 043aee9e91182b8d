"""No 500, whatever is sent (issue 10 §3): each input that used to crash the portal, reproduced as a user or a
script would send it, answers a 4xx with a Chinese message (or "not found"), changes nothing, and leaves the
session usable. The all-roles probe of every route is in tests/test_access.py."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import House, Person
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, client_as, login

HUGE = ("9223372036854775808", "18446744073709551616", "99999999999999999999")  # 2**63, 2**64, 10**20


def has_chinese(text) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def _jwt(app, username, password=USER_PASSWORD):
    response = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db"})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.fixture()
def person(app, places):
    with app.app_context():
        p = Person(name="钢一居民", id_number=make_id_number("310115", dt.date(1980, 1, 1), 11),
                   category="shanghai_household")
        db.session.add(p)
        db.session.commit()
        return p.id


# -- the one converter for ids and dates ------------------------------------------------------------------------
def test_the_id_converter_stops_at_the_databases_64_bit_range():
    from app.domain.inputs import ID_MAX, is_whole_number, parse_id

    assert parse_id("42") == 42 and parse_id(ID_MAX) == ID_MAX and parse_id(str(ID_MAX)) == ID_MAX
    for bad in (*HUGE, 2**63, 0, -1, "-1", "1e5", "4.2", "", None, True, "４２", " 7x"):
        assert parse_id(bad) is None, bad
    assert is_whole_number("-5") and is_whole_number(-ID_MAX) and not is_whole_number(ID_MAX + 1)


def test_the_date_converter_refuses_the_calendars_edges():
    from app.domain.inputs import DATE_MAX, DATE_MIN, BadValue, parse_date, parse_datetime

    assert parse_date("2026-06-10") == dt.date(2026, 6, 10)
    assert parse_datetime("2026-06-10T08:30") == dt.datetime(2026, 6, 10, 8, 30)
    assert parse_date(DATE_MIN) == DATE_MIN and parse_date(DATE_MAX) == DATE_MAX
    for bad in ("9999-12-31", "0001-01-01", "2026-02-30", "x"):
        with pytest.raises(BadValue):
            parse_date(bad)
    with pytest.raises(BadValue):
        parse_datetime("0001-01-01T00:00")


# -- ids beyond 64 bits ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("huge", HUGE)
def test_huge_ids_in_paths_and_pages_are_not_found_or_refused(app, users, person, huge):
    office = client_as(app, "office")
    # Each of these routes is his (read, full ID numbers): the id is looked up, and found nowhere.
    for path in (f"/persons/show/{huge}", f"/houses/show/{huge}", f"/documents/status/{huge}",
                 f"/verification/sweep/{huge}"):
        assert office.get(path).status_code == 404, path
    assert office.post(f"/persons/reveal/{huge}").status_code == 404
    # He may not edit a person: refused before any lookup. The admin may: not found. Nobody deletes a person
    # (history is kept): 403 whatever the id.
    assert office.get(f"/persons/edit/{huge}").status_code == 403
    admin = app.test_client()
    login(admin)
    assert admin.get(f"/persons/edit/{huge}").status_code == 404
    for user in (office, admin):
        assert user.post(f"/persons/delete/{huge}").status_code == 403
    page = office.get(f"/persons/list/?page_PersonView={huge}")
    assert page.status_code == 400 and has_chinese(page.get_data(as_text=True))
    flt = office.get(f"/persons/list/?_flt_0_id={huge}")
    assert flt.status_code == 400 and has_chinese(flt.get_data(as_text=True))
    api = _jwt(app, "office")
    client = app.test_client()
    assert client.get(f"/api/v1/persons/{huge}", headers=api).status_code == 404
    listed = client.get(f"/api/v1/persons/?q=(page:{huge},page_size:25)", headers=api)
    assert listed.status_code == 400 and has_chinese(listed.get_json()["message"])
    filtered = client.get(f"/api/v1/persons/?q=(filters:!((col:id,opr:eq,value:{huge})))", headers=api)
    assert filtered.status_code == 400
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(House))
    admin = _jwt(app, "admin", ADMIN_PASSWORD)
    posted = client.post("/api/v1/houses/", headers=admin, json={"building_id": int(huge), "room": "1"})
    assert posted.status_code == 422 and posted.get_json()["message"] == "请求中的数字过大。"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(House)) == before


def test_a_huge_house_on_the_public_declaration_page_is_no_house(app, places):
    from app.verification.models import SelfDeclaration
    from app.verification.public import committee_token

    with app.app_context():
        token = committee_token(places["钢一"]["committee"])
    response = app.test_client().post(f"/declare/{token}", data={
        "name": "某人", "id_number": make_id_number("310115", dt.date(1990, 1, 1), 77),
        "house": "99999999999999999999", "address": "上南路100弄1号101室"})
    # 10**20 names no house: the declaration is received with the address the resident typed, and no house.
    assert response.status_code == 200
    assert "谢谢：申报已收到。" in response.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(SelfDeclaration)).one()
        assert row.house_id is None and row.address == "上南路100弄1号101室"


def test_a_huge_police_id_in_the_sweep_team_does_not_poison_the_session(app, places, users):
    from tests.conftest import make_user

    make_user(app, "tm_no500", "team_member", zone_code="shanggang")
    member = client_as(app, "tm_no500")
    response = member.post("/verification/sweep/team", data={
        "police": "99999999999999999999", "members": ["18446744073709551616", "5"], "shift": "am",
        "committee": "99999999999999999999"})
    assert response.status_code == 302
    # Every later page and mark of that session still answers.
    assert member.get("/verification/sweep").status_code == 200
    assert member.get(f"/verification/sweep/{places['钢一']['committee']}").status_code == 200  # his zone's
    marked = member.post("/verification/sweep/mark", data={"person": "99999999999999999999", "result": "correct"},
                         headers={"Accept": "application/json"})
    assert marked.status_code == 400 and marked.get_json()["code"] == "no_person"


# -- dates at the edges ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_visitor_days_at_the_calendars_edges_are_a_chinese_400(app, users, day):
    response = client_as(app, "office").get(f"/visitors/days?day={day}")
    assert response.status_code == 400
    assert "日期" in response.get_data(as_text=True)


def test_a_case_step_at_year_one_is_a_chinese_400(app, places, users, admin_client):
    from app.changes.models import ChangeCase

    with app.app_context():
        case = ChangeCase(committee_id=places["钢一"]["committee"], house_id=places["钢一"]["houses"][0],
                          kind="move_in", source="report", people_note="新住户", reported_by_name="office",
                          reported_at=dt.datetime(2026, 6, 9, 1, 0), collection_due=dt.datetime(2026, 6, 11, 8, 0),
                          stage="reported")
        db.session.add(case)
        db.session.commit()
        case_id = case.id
    response = admin_client.post(f"/changes/act/{case_id}", data={"action": "hand_out", "when": "0001-01-01T00:00"})
    assert response.status_code == 400
    assert "日期" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "reported"


# -- API filters and q ----------------------------------------------------------------------------------------------
API_LISTS = ("persons", "residences", "houses", "buildings", "committees")


def test_a_boolean_or_number_filter_on_a_text_column_is_a_chinese_400(app, users, person):
    api = _jwt(app, "office")
    client = app.test_client()
    for value in ("!t", "!f", "5", "1.5"):
        response = client.get(f"/api/v1/persons/?q=(filters:!((col:name,opr:sw,value:{value})))", headers=api)
        assert response.status_code == 400, value
        assert has_chinese(response.get_json()["message"])


@pytest.mark.parametrize("q", ["1e%2B5", "1e5", "!t", "'text'", "!(1,2)", "-7"])
def test_a_q_that_is_not_an_object_is_a_chinese_400_on_every_endpoint(app, users, person, q):
    api = _jwt(app, "office")
    client = app.test_client()
    for name in API_LISTS:
        for path in (f"/api/v1/{name}/", f"/api/v1/{name}/1", f"/api/v1/{name}/_info"):
            response = client.get(f"{path}?q={q}", headers=api)
            assert response.status_code == 400, f"{path}?q={q}: {response.status_code}"
            assert has_chinese(response.get_json()["message"])


def test_info_describes_fields_without_the_catalog_header(app, users):
    api = _jwt(app, "office")
    client = app.test_client()
    for name in API_LISTS:
        info = client.get(f"/api/v1/{name}/_info", headers=api).get_json()
        fields = info.get("add_columns", []) + info.get("edit_columns", [])
        for field in fields:
            assert "Project-Id-Version" not in field["description"], (name, field["name"])
            assert "Content-Type" not in field["description"]


# -- uploads and forms ----------------------------------------------------------------------------------------------
def test_a_window_csv_with_a_huge_field_is_a_message(app, places, users):
    from app.verification.models import WindowApplicant

    worker = client_as(app, "sw_gang1")
    good = make_id_number("310115", dt.date(1988, 8, 8), 33)
    text = f"姓名,身份证号,地址\n甲,{good},钢一上南路100弄1号102室\n乙,{'x' * 131_073},某地\n"
    response = worker.post("/verification/window/import", data={
        "committee": places["钢一"]["committee"], "file": (io.BytesIO(text.encode()), "w.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert "<li>第 3 行: 该行无法读取（某一字段超过131072个字符，或含有控制字符），文件其余部分未读取。</li>" in \
        response.get_data(as_text=True)
    with app.app_context():
        assert [a.name for a in db.session.scalars(select(WindowApplicant))] == ["甲"]


def test_an_unticked_checkbox_saves_false(app, places, admin_client):
    office = admin_client
    house_id = places["钢一"]["houses"][0]
    with app.app_context():
        house = db.session.get(House, house_id)
        house.is_rental = True
        db.session.commit()
        building = house.building_id
    response = office.post(f"/houses/edit/{house_id}", data={"building": building, "room": "101",
                                                              "address": "钢一上南路100弄1号101室"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        assert db.session.get(House, house_id).is_rental is False
    response = office.post("/houses/add", data={"building": building, "room": "103",
                                                "address": "钢一上南路100弄1号103室"})
    assert response.status_code == 302
    with app.app_context():
        added = db.session.scalars(select(House).where(House.room == "103")).one()
        assert added.is_rental is False and added.key_area is False
