"""The REST API (/api/v1/…): JWT sign-in, the committee scoping of the screens on every verb, masked ID numbers,
refused writes that save nothing, Chinese error messages, no 500 for bad input, the audit trail, the OpenAPI
document and the rate-limited API login."""
from __future__ import annotations

import datetime as dt
import uuid

import jwt as pyjwt
import pytest
from sqlalchemy import func, select

from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import AuditEvent, Committee, Person, Residence
from tests.conftest import ADMIN_PASSWORD

SW_NAME = "api_sw_gang1"
SW_PASSWORD = "Social-Work-2026xy"
NEW_ID = make_id_number("310115", dt.date(1990, 3, 4), 135)


def has_chinese(text) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def translated(app, msgid: str, **kwargs) -> str:
    """What the API answers for a msgid: its zh translation once the catalog has it (tests/test_i18n.py checks
    that every msgid has one)."""
    from flask_babel import gettext

    with app.test_request_context("/api/v1/"):
        return gettext(msgid, **kwargs)


def token(client, username="admin", password=ADMIN_PASSWORD) -> str:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": password, "provider": "db", "refresh": False})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture()
def social_worker(app):
    """A 钢一 social worker (reads and writes persons, never sees full ID numbers); made once per database."""
    from app.models import PortalUser

    with app.app_context():
        sm = app.appbuilder.sm
        user = db.session.query(PortalUser).filter_by(username=SW_NAME).one_or_none()
        if user is None:
            made = sm.add_user(SW_NAME, "社工", "钢一", f"{SW_NAME}@example.test", sm.find_role("social_worker"),
                               password=SW_PASSWORD)
            assert made
            user = db.session.get(PortalUser, made.id)
        user.committees = [db.session.query(Committee).filter_by(name="钢一").one()]
        user.active, user.fail_login_count = True, 0
        db.session.commit()
        return user.id


@pytest.fixture()
def people(app, places):
    """One person living in each of 钢一 and 钢二 (with a phone number)."""
    ids = {}
    with app.app_context():
        for n, name in enumerate(("钢一", "钢二")):
            person = Person(name=f"{name}居民", id_number=make_id_number("310115", dt.date(1980, 5, 1 + n), 123),
                            category="shanghai_household", phone=f"1391234567{n}")
            db.session.add(person)
            db.session.flush()
            residence = Residence(person_id=person.id, house_id=places[name]["houses"][0],
                                  start_date=dt.date(2020, 1, 1))
            db.session.add(residence)
            db.session.flush()
            ids[name] = {**places[name], "person": person.id, "residence": residence.id,
                         "id_number": person.id_number, "phone": person.phone}
        db.session.commit()
    return ids


@pytest.fixture()
def sw(client, social_worker):
    return bearer(token(client, SW_NAME, SW_PASSWORD))


@pytest.fixture()
def admin(client):
    return bearer(token(client))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def person_payload(committee_id, **overrides) -> dict:
    return {"name": "李娜", "id_number": NEW_ID, "category": "migrant", "committee_id": committee_id,
            "phone": "13800001111", **overrides}


# -- sign-in ---------------------------------------------------------------------------------------------------
def test_login_gives_a_jwt_and_a_wrong_password_does_not(client, social_worker):
    assert token(client, SW_NAME, SW_PASSWORD)
    response = client.post("/api/v1/security/login",
                           json={"username": SW_NAME, "password": "wrong", "provider": "db", "refresh": False})
    assert response.status_code == 401
    with client.application.app_context():  # a failed attempt counts towards the lock: reset it
        from app.models import PortalUser

        db.session.query(PortalUser).filter_by(username=SW_NAME).update({"fail_login_count": 0})
        db.session.commit()


def test_no_token_expired_token_and_forged_token_are_refused(app, client, social_worker):
    from flask_jwt_extended import create_access_token

    with app.app_context():
        expired = create_access_token(identity=str(social_worker), expires_delta=dt.timedelta(seconds=-1))
    now = dt.datetime.now(dt.timezone.utc)
    forged = pyjwt.encode(
        {"sub": "1", "type": "access", "fresh": True, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
         "exp": now + dt.timedelta(minutes=10)},
        "not-the-secret-key-of-this-portal-at-all", algorithm="HS256",
    )
    # None, expired, forged or not a token at all: one answer, 401 "sign in again" in Chinese, and no data.
    for headers in ({}, bearer(expired), bearer(forged), bearer("not.a.jwt")):
        response = client.get("/api/v1/persons/", headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json() == {"message": "请重新登录：请求未带有效的令牌（缺失、无效或已过期）。"}, headers


# -- reading: scope and masking ------------------------------------------------------------------------------------
def test_a_social_worker_lists_only_his_committee_with_masked_numbers(client, people, sw):
    response = client.get("/api/v1/persons/", headers=sw)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["count"] == 1 and body["ids"] == [people["钢一"]["person"]]
    row = body["result"][0]
    number = people["钢一"]["id_number"]
    assert row["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert row["committee_id"] == people["钢一"]["committee"]
    assert "钢二" not in response.get_data(as_text=True)
    shown = client.get(f"/api/v1/persons/{people['钢一']['person']}", headers=sw).get_json()["result"]
    assert shown["id_number"] == row["id_number"]
    assert shown["phone"] == "139****5670"


def test_the_admin_sees_every_committee_and_full_numbers(client, people, admin):
    body = client.get("/api/v1/persons/", headers=admin).get_json()
    assert body["count"] == 2
    assert {r["id_number"] for r in body["result"]} == {people["钢一"]["id_number"], people["钢二"]["id_number"]}
    shown = client.get(f"/api/v1/persons/{people['钢二']['person']}", headers=admin).get_json()["result"]
    assert shown["phone"] == people["钢二"]["phone"]


def test_selected_columns_and_prefix_search_cannot_unmask_a_number(client, people, sw):
    number = people["钢一"]["id_number"]
    response = client.get("/api/v1/persons/?q=(columns:!(id_number))", headers=sw)
    assert response.status_code == 200
    assert response.get_json()["result"][0]["id_number"] != number
    # "starts with" would let a number be guessed digit by digit: identifiers are searched by exact value only.
    prefix = client.get(f"/api/v1/persons/?q=(filters:!((col:id_number,opr:sw,value:'{number[:6]}')))", headers=sw)
    assert prefix.status_code == 400
    exact = client.get(f"/api/v1/persons/?q=(filters:!((col:id_number,opr:eq,value:'{number}')))", headers=sw)
    assert exact.status_code == 200 and exact.get_json()["count"] == 1


@pytest.mark.parametrize("resource, key", [
    ("persons", "person"), ("residences", "residence"), ("buildings", "building"), ("committees", "committee"),
])
def test_another_committees_records_are_not_found(client, people, sw, resource, key):
    pk = people["钢二"][key]
    assert client.get(f"/api/v1/{resource}/{pk}", headers=sw).status_code == 404
    mine = people["钢一"][key]
    assert client.get(f"/api/v1/{resource}/{mine}", headers=sw).status_code == 200
    listed = client.get(f"/api/v1/{resource}/?q=(page_size:100)", headers=sw).get_json()
    assert pk not in listed["ids"] and mine in listed["ids"]


def test_houses_are_scoped_too(client, people, sw):
    body = client.get("/api/v1/houses/", headers=sw).get_json()
    assert set(body["ids"]) == set(people["钢一"]["houses"])


def test_put_and_delete_on_another_committees_record_change_nothing(app, client, people, sw):
    pk = people["钢二"]["person"]
    response = client.put(f"/api/v1/persons/{pk}", json={"name": "改名"}, headers=sw)
    assert response.status_code == 404
    # No DELETE route at all (history is kept): 405, as for the admin below.
    assert client.delete(f"/api/v1/persons/{pk}", headers=sw).status_code == 405
    assert client.delete(f"/api/v1/residences/{people['钢二']['residence']}", headers=sw).status_code == 405
    house = people["钢二"]["houses"][0]
    assert client.put(f"/api/v1/houses/{house}", json={"room": "999"}, headers=sw).status_code == 404
    with app.app_context():
        assert db.session.get(Person, pk).name == "钢二居民"
        assert db.session.get(Residence, people["钢二"]["residence"]) is not None


def test_persons_and_residences_cannot_be_deleted_even_by_the_admin(app, client, people, admin):
    assert client.delete(f"/api/v1/persons/{people['钢一']['person']}", headers=admin).status_code == 405
    assert client.delete(f"/api/v1/residences/{people['钢一']['residence']}", headers=admin).status_code == 405
    assert count(app, Person) == 2


def test_committees_are_read_only(client, people, admin):
    pk = people["钢一"]["committee"]
    assert client.put(f"/api/v1/committees/{pk}", json={"key_area": True}, headers=admin).status_code == 405
    assert client.post("/api/v1/committees/", json={"name": "x"}, headers=admin).status_code == 405
    assert client.delete(f"/api/v1/committees/{pk}", headers=admin).status_code == 405


@pytest.mark.parametrize("pk", ["abc", "1;drop", "1%20or%201=1", "-1", "99999999999999999999"])
def test_a_tampered_pk_is_not_found_never_a_500(client, people, sw, pk):
    # Not found for a read or a change; DELETE has no route on persons at all (history is kept).
    for method, status in (("get", 404), ("put", 404), ("delete", 405)):
        response = getattr(client, method)(f"/api/v1/persons/{pk}", json={"name": "x"}, headers=sw)
        assert response.status_code == status, (method, pk, response.status_code)
    # Without a token: sign in first. A number beyond 64 bits matches no route (app/inputs.py): not found.
    assert client.get(f"/api/v1/persons/{pk}").status_code == (404 if pk.isdigit() else 401)


def test_bad_list_arguments_are_a_400_not_a_500(client, people, sw):
    for query in ("(page:abc)", "(order_column:password)", "(filters:!((col:birth_date,"
                  "opr:gt,value:'not-a-date')))", "(filters:!((col:committee_id,opr:eq,value:'abc')))", "((("):
        response = client.get(f"/api/v1/persons/?q={query}", headers=sw)
        assert response.status_code == 400, (query, response.status_code)
        assert response.get_json()["message"], query


# -- writing ------------------------------------------------------------------------------------------------------
def test_a_valid_person_is_created_in_his_committee_and_audited(app, client, places, social_worker, sw):
    with app.app_context():
        last_event = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    response = client.post("/api/v1/persons/", json=person_payload(places["钢一"]["committee"]), headers=sw)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["result"]["id_number"] == NEW_ID[:4] + "*" * 10 + NEW_ID[-4:]  # masked in the answer too
    assert body["result"]["phone"] == "138****1111"
    with app.app_context():
        person = db.session.get(Person, body["id"])
        assert person.id_number == NEW_ID and person.sex == "M" and person.birth_date == dt.date(1990, 3, 4)
        assert person.committee_id == places["钢一"]["committee"]
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.id > last_event, AuditEvent.model == "Person",
                                     AuditEvent.action == "create", AuditEvent.record_id == person.id)
        ).scalar_one()
        assert event.source == "api" and event.actor_name == SW_NAME and event.actor_id == social_worker


def test_a_person_put_into_another_committee_is_refused_and_nothing_saved(app, client, places, sw):
    response = client.post("/api/v1/persons/", json=person_payload(places["钢二"]["committee"]), headers=sw)
    assert response.status_code == 422
    assert response.get_json()["message"] == translated(app, "%(field)s: no such record in your area.",
                                                         field="committee_id")
    assert count(app, Person) == 0
    # …nor without a committee (it would be outside every committee he sees)
    response = client.post("/api/v1/persons/", json=person_payload(None), headers=sw)
    assert response.status_code == 403
    assert response.get_json()["message"] == translated(app, "You can only register records in your own committees.")
    assert count(app, Person) == 0


def test_moving_ones_own_person_to_another_committee_is_refused(app, client, people, sw):
    pk = people["钢一"]["person"]
    response = client.put(f"/api/v1/persons/{pk}", json={"committee_id": people["钢二"]["committee"]}, headers=sw)
    assert 400 <= response.status_code < 500
    with app.app_context():
        assert db.session.get(Person, pk).committee_id == people["钢一"]["committee"]


def test_a_residence_in_another_committees_house_is_refused(app, client, places, sw, admin):
    created = client.post("/api/v1/persons/", json=person_payload(places["钢一"]["committee"]), headers=sw)
    person_id = created.get_json()["id"]
    response = client.post("/api/v1/residences/", headers=sw, json={
        "person_id": person_id, "house_id": places["钢二"]["houses"][0], "start_date": "2024-01-01"})
    assert response.status_code == 422
    assert response.get_json()["message"] == translated(app, "%(field)s: no such record in your area.",
                                                         field="house_id")
    assert count(app, Residence) == 0
    # a house that does not exist at all: the same answer, never a half-made record
    response = client.post("/api/v1/residences/", headers=sw, json={
        "person_id": person_id, "house_id": 987654, "start_date": "2024-01-01"})
    assert 400 <= response.status_code < 500
    assert count(app, Residence) == 0


def test_a_residence_for_another_committees_person_is_refused(app, client, people, sw):
    response = client.post("/api/v1/residences/", headers=sw, json={
        "person_id": people["钢二"]["person"], "house_id": people["钢一"]["houses"][1], "start_date": "2024-01-01"})
    assert 400 <= response.status_code < 500
    assert count(app, Residence) == 2


def test_a_residence_and_its_cancellation_through_the_api(app, client, places, sw):
    person_id = client.post("/api/v1/persons/", json=person_payload(places["钢一"]["committee"]),
                            headers=sw).get_json()["id"]
    payload = {"person_id": person_id, "house_id": places["钢一"]["houses"][0], "start_date": "2024-01-01"}
    first = client.post("/api/v1/residences/", json=payload, headers=sw)
    assert first.status_code == 201, first.get_data(as_text=True)
    second = client.post("/api/v1/residences/", headers=sw,
                         json={**payload, "house_id": places["钢一"]["houses"][1]})
    assert second.status_code == 422
    assert second.get_json() == {"message": "该人员已有有效居住登记，请先核销后再登记新的居住地。"}
    assert count(app, Residence) == 1
    rid = first.get_json()["id"]
    half = client.put(f"/api/v1/residences/{rid}", json={"end_date": "2024-06-01"}, headers=sw)
    assert half.status_code == 422 and has_chinese(half.get_json()["message"])
    done = client.put(f"/api/v1/residences/{rid}", json={"end_date": "2024-06-01", "end_reason": "搬离"}, headers=sw)
    assert done.status_code == 200, done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Residence, rid).end_reason == "搬离"


@pytest.mark.parametrize("number, message", [
    (NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1"), "身份证号码校验位不正确，请逐位核对。"),  # wrong check character
    ("31011519900230123X", "身份证号码中的出生日期不存在。"),  # 30 February
    ("12345", "身份证号码应为18位。"),
])
def test_an_invalid_id_number_is_refused_in_chinese(app, client, places, sw, number, message):
    response = client.post("/api/v1/persons/", json=person_payload(places["钢一"]["committee"], id_number=number),
                           headers=sw)
    assert response.status_code == 422 and response.get_json() == {"message": message}
    assert count(app, Person) == 0


def test_a_duplicate_id_number_is_refused_in_chinese(app, client, people, admin):
    response = client.post("/api/v1/persons/", headers=admin, json=person_payload(
        people["钢一"]["committee"], id_number=people["钢二"]["id_number"]))
    assert response.status_code == 422
    assert has_chinese(response.get_json()["message"])
    assert count(app, Person) == 2


def test_an_over_long_or_malformed_field_is_refused_and_nothing_saved(app, client, places, sw):
    committee = places["钢一"]["committee"]
    for payload in (person_payload(committee, name="张" * 10_000), person_payload(committee, phone="1" * 500),
                    person_payload("abc"), person_payload(committee, category="alien"),
                    person_payload(committee, birth_date="1990-02-30"), {"name": "x", "unknown_field": 1}):
        response = client.post("/api/v1/persons/", json=payload, headers=sw)
        assert 400 <= response.status_code < 500, (payload.get("name", "")[:5], response.status_code)
    assert client.post("/api/v1/persons/", data="not json", headers=sw).status_code == 400
    assert count(app, Person) == 0


def test_a_house_goes_to_the_committee_of_its_building_and_only_a_visible_one(app, client, places, sw):
    from app.models import House

    before = count(app, House)
    refused = client.post("/api/v1/houses/", headers=sw, json={
        "building_id": places["钢二"]["building"], "room": "301", "address": "钢二上南路100弄1号301室"})
    assert refused.status_code == 422
    assert count(app, House) == before
    response = client.post("/api/v1/houses/", headers=sw, json={
        "building_id": places["钢一"]["building"], "room": "301", "address": "钢一上南路100弄1号301室",
        "committee_id": places["钢二"]["committee"]})  # read only: an unknown field for a write
    assert response.status_code == 422
    response = client.post("/api/v1/houses/", headers=sw, json={
        "building_id": places["钢一"]["building"], "room": "301", "address": "钢一上南路100弄1号301室"})
    assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(House, response.get_json()["id"]).committee_id == places["钢一"]["committee"]


def test_the_admin_may_write_houses_and_buildings_anywhere(app, client, places, admin):
    response = client.post("/api/v1/houses/", headers=admin, json={
        "building_id": places["钢二"]["building"], "room": "301", "address": "钢二上南路100弄1号301室"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["result"].get("committee_id") in (None, places["钢二"]["committee"])
    with app.app_context():
        from app.models import House

        assert db.session.get(House, response.get_json()["id"]).committee_id == places["钢二"]["committee"]
    # a block of another committee than the building's: a data rule, refused in Chinese
    bad = client.post("/api/v1/buildings/", headers=admin, json={
        "committee_id": places["钢一"]["committee"], "block_id": places["钢二"]["block"], "name": "新楼"})
    assert bad.status_code == 422 and has_chinese(bad.get_json()["message"])


def test_a_social_worker_cannot_write_a_building_in_another_committee(app, client, places, sw):
    from app.models import Building

    before = count(app, Building)
    response = client.post("/api/v1/buildings/", headers=sw, json={
        "committee_id": places["钢二"]["committee"], "name": "越界楼"})
    assert 400 <= response.status_code < 500
    response = client.post("/api/v1/buildings/", headers=sw, json={
        "committee_id": places["钢一"]["committee"], "block_id": places["钢二"]["block"], "name": "越界楼"})
    assert 400 <= response.status_code < 500
    assert count(app, Building) == before
    ok = client.post("/api/v1/buildings/", headers=sw, json={
        "committee_id": places["钢一"]["committee"], "block_id": places["钢一"]["block"], "name": "新楼"})
    assert ok.status_code == 201, ok.get_data(as_text=True)


def test_info_lists_the_permissions_of_the_user(client, sw):
    body = client.get("/api/v1/persons/_info", headers=sw).get_json()
    assert set(body["permissions"]) == {"can_read", "can_write", "can_export"}


# -- OpenAPI and the login rate limit -----------------------------------------------------------------------------
def test_the_openapi_document_describes_the_resources(client, admin):
    response = client.get("/api/v1/_openapi", headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    paths = response.get_json()["paths"]
    assert "/api/v1/persons/" in paths and "/api/v1/residences/{pk}" in paths
    assert "post" in paths["/api/v1/persons/"] and "delete" not in paths["/api/v1/persons/{pk}"]
    assert "post" not in paths["/api/v1/committees/"]


def test_the_api_login_is_rate_limited(app_config, _session_app):
    from app import create_app

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    statuses = [
        client.post("/api/v1/security/login", json={"username": "admin", "password": ADMIN_PASSWORD,
                                                    "provider": "db", "refresh": False}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
