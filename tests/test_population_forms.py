"""Registering persons and residences through the screens: valid data saves, bad data gets a Chinese message and
saves nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from app.domain import clock
from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import Person, Residence
from tests.conftest import flashed_or_errors

VALID_ID = make_id_number("310115", dt.date(1985, 6, 1), 123)  # odd sequence: male
FEMALE_ID = make_id_number("340104", dt.date(1992, 2, 29), 246)


def person_form(**overrides):
    data = {
        "name": "张伟",
        "id_type": "resident_id",
        "id_number": VALID_ID,
        "sex": "",
        "birth_date": "",
        "category": "shanghai_household",
        "phone": "13800138000",
    }
    data.update(overrides)
    return data


def count_persons(app) -> int:
    with app.app_context():
        return db.session.query(Person).count()


def test_a_valid_person_is_saved_with_sex_and_birth_date_from_the_id(app, admin_client):
    response = admin_client.post("/persons/add", data=person_form(), follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        person = db.session.query(Person).one()
        assert person.id_number == VALID_ID
        assert person.sex == "M"
        assert person.birth_date == dt.date(1985, 6, 1)


def test_a_lower_case_x_is_stored_upper_case(app, admin_client):
    number = make_id_number("310104", dt.date(1990, 1, 1), 11)
    while not number.endswith("X"):
        number = make_id_number("310104", dt.date(1990, 1, 1), int(number[14:17]) + 2)
    admin_client.post("/persons/add", data=person_form(id_number=number.lower()), follow_redirects=True)
    with app.app_context():
        assert db.session.query(Person).one().id_number == number


@pytest.mark.parametrize(
    "number, message",
    [
        (VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"), "校验位不正确"),
        ("31011519850231123X", "出生日期不存在"),
        (make_id_number("310115", dt.date(2099, 1, 1), 1)[:-1] + "0", "晚于今天"),
        ("3101151985", "应为18位"),
        ("31011519850601A23X", "17位数字"),
    ],
)
def test_a_wrong_id_number_is_refused_in_chinese(app, admin_client, number, message):
    if message == "晚于今天":
        number = make_id_number("310115", dt.date(2099, 1, 1), 1)
    response = admin_client.post("/persons/add", data=person_form(id_number=number))
    assert response.status_code == 200
    assert message in flashed_or_errors(response.get_data(as_text=True))
    assert count_persons(app) == 0


def test_a_sex_that_contradicts_the_id_is_refused(app, admin_client):
    response = admin_client.post("/persons/add", data=person_form(id_number=FEMALE_ID, sex="M"))
    assert "性别与身份证号码不一致" in flashed_or_errors(response.get_data(as_text=True))
    assert count_persons(app) == 0


def test_an_impossible_typed_date_is_refused(app, admin_client):
    response = admin_client.post(
        "/persons/add", data=person_form(id_type="passport", id_number="E12345678", sex="F", birth_date="1990-02-30")
    )
    assert response.status_code == 200
    assert count_persons(app) == 0


def test_a_duplicate_id_number_is_refused(app, admin_client):
    admin_client.post("/persons/add", data=person_form(), follow_redirects=True)
    response = admin_client.post("/persons/add", data=person_form(name="李娜"), follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "该证件号码的人员已登记，不能重复登记。" in flashed_or_errors(text)
    assert count_persons(app) == 1


def test_the_model_refuses_a_bad_id_whatever_the_path(app):
    from app.domain.idnumber import InvalidIdNumber

    with app.app_context():
        db.session.add(Person(name="王芳", id_number=VALID_ID[:-1] + "Z", category="migrant", sex="F",
                              birth_date=dt.date(1985, 6, 1)))
        with pytest.raises(InvalidIdNumber):
            db.session.commit()
        db.session.rollback()
        assert db.session.query(Person).count() == 0


def test_the_model_corrects_a_contradicting_sex(app):
    with app.app_context():
        person = Person(name="王芳", id_number=VALID_ID, category="migrant", sex="F", birth_date=dt.date(2000, 1, 1))
        db.session.add(person)
        db.session.commit()
        assert (person.sex, person.birth_date) == ("M", dt.date(1985, 6, 1))


def _make_person(app, number=VALID_ID) -> int:
    with app.app_context():
        person = Person(name="张伟", id_number=number, category="migrant", sex="M", birth_date=dt.date(1985, 6, 1))
        db.session.add(person)
        db.session.commit()
        return person.id


def test_a_residence_moves_the_person_to_the_house_committee(app, admin_client, places):
    person_id = _make_person(app)
    house = places["钢二"]["houses"][0]
    response = admin_client.post(
        "/residences/add", data={"person": person_id, "house": house, "start_date": "2024-03-01"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    with app.app_context():
        residence = db.session.query(Residence).one()
        assert residence.committee_id == places["钢二"]["committee"]
        assert db.session.get(Person, person_id).committee_id == places["钢二"]["committee"]


def test_a_second_active_residence_is_refused_by_the_form(app, admin_client, places):
    person_id = _make_person(app)
    first, second = places["钢一"]["houses"]
    admin_client.post("/residences/add", data={"person": person_id, "house": first, "start_date": "2024-03-01"})
    response = admin_client.post(
        "/residences/add", data={"person": person_id, "house": second, "start_date": "2024-05-01"}
    )
    assert "已有有效居住登记" in flashed_or_errors(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Residence).count() == 1


def test_a_second_active_residence_is_refused_by_the_database(app, places):
    person_id = _make_person(app)
    first, second = places["钢一"]["houses"]
    with app.app_context():
        db.session.add(Residence(person_id=person_id, house_id=first, start_date=dt.date(2024, 1, 1)))
        db.session.commit()
        db.session.add(Residence(person_id=person_id, house_id=second, start_date=dt.date(2024, 2, 1)))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.query(Residence).count() == 1


def test_a_residence_in_the_future_is_refused(app, admin_client, places):
    person_id = _make_person(app)
    future = (clock.local_today() + dt.timedelta(days=3)).isoformat()
    response = admin_client.post(
        "/residences/add", data={"person": person_id, "house": places["钢一"]["houses"][0], "start_date": future}
    )
    assert "日期不能晚于今天" in flashed_or_errors(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Residence).count() == 0


def test_cancellation_keeps_history_and_frees_the_person(app, admin_client, places):
    person_id = _make_person(app)
    first, second = places["钢一"]["houses"]
    admin_client.post("/residences/add", data={"person": person_id, "house": first, "start_date": "2024-03-01"})
    with app.app_context():
        residence_id = db.session.query(Residence.id).scalar()

    response = admin_client.post(f"/residences/edit/{residence_id}", data={"end_date": "2024-06-01", "end_reason": ""})
    assert "核销需要同时填写" in flashed_or_errors(response.get_data(as_text=True))
    response = admin_client.post(
        f"/residences/edit/{residence_id}", data={"end_date": "2024-02-01", "end_reason": "搬离"}
    )
    assert "早于居住起始日期" in flashed_or_errors(response.get_data(as_text=True))

    admin_client.post(f"/residences/edit/{residence_id}", data={"end_date": "2024-06-01", "end_reason": "搬离本区"})
    admin_client.post("/residences/add", data={"person": person_id, "house": second, "start_date": "2024-06-02"})
    with app.app_context():
        rows = db.session.query(Residence).order_by(Residence.start_date).all()
        assert [(r.house_id, r.end_date, r.end_reason) for r in rows] == [
            (first, dt.date(2024, 6, 1), "搬离本区"),
            (second, None, None),
        ]
    # History is never deleted: there is no delete route for residences or persons.
    assert admin_client.post(f"/residences/delete/{residence_id}").status_code == 403
    with app.app_context():
        assert db.session.query(Residence).count() == 2


def test_a_house_takes_the_committee_of_its_building(app, places):
    from app.models import House

    with app.app_context():
        house = db.session.get(House, places["钢二"]["houses"][1])
        assert house.committee_id == places["钢二"]["committee"]
