"""A write the database refuses is named from the driver's error codes, on SQLite and PostgreSQL alike.

Each case provokes the real constraint (no mocked driver) and checks the sentence a person at the screen reads."""
import datetime as dt

import pytest
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from app.errors import constraint_violation, user_message
from app.extensions import db
from app.models import Committee, Person, Residence


def _person(committee_id: int, id_number: str) -> dict:
    return {"name": "张三", "id_type": "resident_id", "id_number": id_number, "sex": "M",
            "birth_date": dt.date(1980, 1, 1), "category": "household", "committee_id": committee_id,
            "created_at": dt.datetime(2026, 6, 1), "updated_at": dt.datetime(2026, 6, 1)}


def _refused(statement) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught:
        with db.session.begin_nested():
            db.session.execute(statement)
    return caught.value


def test_each_constraint_gets_its_own_sentence(app, places):
    with app.app_context():
        committee = places["钢一"]["committee"]
        person_id = db.session.execute(insert(Person.__table__).values(_person(committee, "110101198001010011"))
                                       .returning(Person.__table__.c.id)).scalar_one()
        residence = {"person_id": person_id, "house_id": places["钢一"]["houses"][0], "committee_id": committee,
                     "start_date": dt.date(2026, 1, 1), "created_at": dt.datetime(2026, 6, 1)}
        db.session.execute(insert(Residence.__table__).values(residence))

        twice = _refused(insert(Person.__table__).values(_person(committee, "110101198001010011")))
        assert constraint_violation(twice).kind == "unique"
        assert user_message(twice) == "该证件号码的人员已登记，不能重复登记。"

        second_home = _refused(insert(Residence.__table__).values(
            {**residence, "house_id": places["钢一"]["houses"][1]}))
        assert constraint_violation(second_home).kind == "unique"
        assert user_message(second_home) == "该人员已有有效居住登记，请先核销后再登记新的居住地。"

        still_used = _refused(delete(Committee.__table__).where(Committee.__table__.c.id == committee))
        assert constraint_violation(still_used).kind == "foreign_key"
        assert user_message(still_used) == "该记录仍被其他记录引用，不能删除。"

        bad_sex = _refused(insert(Person.__table__).values({**_person(committee, "110101198001010038"), "sex": "X"}))
        assert constraint_violation(bad_sex).kind == "check"
        assert user_message(bad_sex) not in (user_message(twice), user_message(second_home))
        db.session.rollback()
