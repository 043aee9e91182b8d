"""Buildings, rooms and addresses in natural order (issue 14 item 7): the building and house lists, the house
picker and the sweep read stored keys that follow every write (ORM and Core inserts)."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import insert, select

from app.domain.natural import natural_key
from app.extensions import db
from app.models import Building, Committee, House
from app.access.scoping import houses_matching
from app.verification.service.queries import building_rooms, buildings_of

NUMBERS = (10, 11, 2, 15, 1, 9, 12)


def _buildings(app):
    with app.app_context():
        committee = db.session.query(Committee).filter_by(name="钢三").one()
        for n in NUMBERS:
            building = Building(committee_id=committee.id, name=f"钢三测试路{n}号楼")
            db.session.add(building)
            for room in ("1201", "201", "1101", "301"):
                db.session.add(House(building=building, room=room, address=f"钢三测试路{n}号楼{room}室"))
        db.session.commit()
        return committee.id


def test_the_building_and_house_lists_count_1_2_9_10(app, admin_client):
    _buildings(app)
    html = admin_client.get("/buildings/list/").get_data(as_text=True)
    shown = [int(n) for n in re.findall(r">\s*钢三测试路(\d+)号楼\s*<", html)]
    assert shown == sorted(NUMBERS)  # 1, 2, 9, 10, 11, 12, 15: not 1, 10, 11, 12, 15, 2, 9
    html = admin_client.get("/houses/list/").get_data(as_text=True)
    shown = [(int(b), int(r)) for b, r in re.findall(r"钢三测试路(\d+)号楼(\d+)室", html)]
    assert len(shown) >= 20 and shown == sorted(shown)
    assert shown[:4] == [(1, 201), (1, 301), (1, 1101), (1, 1201)]


def test_the_house_picker_and_the_sweep_follow_the_same_order(app):
    committee_id = _buildings(app)
    with app.app_context():
        found = [row["text"] for row in houses_matching("钢三测试路", committee_id=committee_id, limit=8)]
        assert found == [f"钢三测试路{n}号楼{room}室" for n in (1, 2) for room in ("201", "301", "1101", "1201")]
        assert [b["name"] for b in buildings_of(committee_id)] == [f"钢三测试路{n}号楼" for n in sorted(NUMBERS)]
        building_id = db.session.scalar(select(Building.id).where(Building.name == "钢三测试路1号楼"))
        rooms = [r["room"] for r in building_rooms(building_id, dt.date(2026, 6, 10), ("monthly",))]
        assert rooms == ["201", "301", "1101", "1201"]


def test_keys_follow_renames_and_core_inserts(app):
    committee_id = _buildings(app)
    with app.app_context():
        building = db.session.query(Building).filter_by(name="钢三测试路9号楼").one()
        building.name = "钢三测试路19号楼"
        house = db.session.query(House).filter_by(address="钢三测试路1号楼201室").one()
        house.room, house.address = "2201", "钢三测试路1号楼2201室"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Building, building.id).name_key == natural_key("钢三测试路19号楼")
        house = db.session.get(House, house.id)
        assert (house.room_key, house.address_key) == (natural_key("2201"), natural_key("钢三测试路1号楼2201室"))
        # the demo data and the importer insert through Core: the column defaults compute the keys
        db.session.execute(insert(House.__table__), [
            {"committee_id": committee_id, "building_id": building.id, "room": f"{n}", "address": f"核心插入{n}室",
             "is_rental": False, "key_area": False} for n in (10, 9)])
        db.session.commit()
        keys = dict(db.session.execute(select(House.room, House.room_key).where(House.address.like("核心插入%"))).all())
        assert keys == {"10": natural_key("10"), "9": natural_key("9")}


def test_the_audit_trail_records_the_text_not_its_key(app):
    from app.audit.models import AuditEvent

    _buildings(app)
    with app.app_context():
        house = db.session.query(House).filter_by(address="钢三测试路2号楼301室").one()
        house.room = "302"
        db.session.commit()
        event = db.session.query(AuditEvent).filter_by(model="House", record_id=house.id, action="update").one()
        assert "302" in str(event.after) and "room_key" not in str(event.after) and "key" not in str(event.before)
