"""Typing an ID number never reads or writes a resident outside one's scope (issue 10 §2 items 1–3): the change
case's entry step, transfers between committees (迁入/迁出) and the processing of self-declarations."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.changes import service, transfers
from app.changes.models import ChangeCase, Notification, TransferRequest
from app.changes.service import CaseRefused
from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import Person, PortalUser, Residence
from app.verification.models import SelfDeclaration, VerificationRecord
from tests.conftest import client_as, flashed_or_errors, make_user

NAME_ELSEWHERE = "钢二王秘密"
PHONE_ELSEWHERE = "13912345678"


@pytest.fixture()
def gang2(app, places, users):
    """A resident of 钢二 (with phone and household address), 钢二's social worker and director."""
    with app.app_context():
        person = Person(name=NAME_ELSEWHERE, id_number=make_id_number("310115", dt.date(1980, 5, 6), 21),
                        category="separated", phone=PHONE_ELSEWHERE, registered_address="黄浦区某路1号")
        db.session.add(person)
        db.session.flush()
        db.session.add(Residence(person_id=person.id, house_id=places["钢二"]["houses"][0],
                                 start_date=dt.date(2020, 1, 1)))
        db.session.commit()
        out = {"person": person.id, "number": person.id_number}
    out["sw"] = make_user(app, "sw_gang2", "social_worker", committees=["钢二"])
    out["director"] = make_user(app, "dir_gang2", "committee_director", committees=["钢二"])
    return out


def _collected_case(app, places, kind="move_in"):
    with app.app_context():
        sw = db.session.query(PortalUser).filter_by(username="sw_gang1").one()
        case = service.open_case(places["钢一"]["committee"], places["钢一"]["houses"][0], kind, actor=sw,
                                 source="report")
        db.session.flush()
        service.advance(case, "collect", sw)
        db.session.commit()
        return case.id


def _enter(web, case_id, number, action="enter", **extra):
    data = {"action": action, "city_system": "separated", "entry_date": "2026-06-01", "id_number": number,
            "phone": "13000000000", "registered_address": "改写的地址", "category": "migrant", **extra}
    return web.post(f"/changes/act/{case_id}", data=data, follow_redirects=True).get_data(as_text=True)


def _last_audit_id(app) -> int:
    """audit_event is append-only and never emptied between tests: a test reads the events after this id."""
    with app.app_context():
        return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def _person(app, person_id):
    with app.app_context():
        p = db.session.get(Person, person_id)
        return {"phone": p.phone, "address": p.registered_address, "category": p.category,
                "committee": p.committee_id,
                "residences": [(r.house_id, r.end_date, r.end_reason) for r in p.residences]}


# -- item 1: the entry step reveals nothing and is no oracle ----------------------------------------------------

def test_a_details_entry_with_another_committees_number_reveals_and_changes_nothing(app, places, users, gang2):
    before = _person(app, gang2["person"])
    case_id = _collected_case(app, places, kind="details")
    since = _last_audit_id(app)
    web = client_as(app, "sw_gang1")
    page = _enter(web, case_id, gang2["number"])
    assert "该身份证号码已在其他居民区登记：只有该居民区可以变更或核销其登记。" in flashed_or_errors(page)
    assert NAME_ELSEWHERE not in page and PHONE_ELSEWHERE not in page
    assert _person(app, gang2["person"]) == before
    with app.app_context():
        case = db.session.get(ChangeCase, case_id)
        assert case.person_id is None and case.stage == "form_collected"
        events = db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "entry_id_lookup", AuditEvent.record_id == case_id, AuditEvent.id > since)).all()
        assert len(events) == 1 and events[0].startswith("elsewhere ") and gang2["number"] not in events[0]
    show = web.get(f"/changes/show/{case_id}").get_data(as_text=True)
    assert NAME_ELSEWHERE not in show


def test_a_move_out_answers_the_same_for_an_unknown_number_and_one_registered_elsewhere(app, places, users, gang2):
    case_id = _collected_case(app, places, kind="move_out")
    web = client_as(app, "sw_gang1")
    unknown = make_id_number("310115", dt.date(1991, 1, 1), 33)
    first = _enter(web, case_id, gang2["number"], action="cancel")
    second = _enter(web, case_id, unknown, action="cancel")
    message = "未在本居民区登记"
    assert message in first and message in second
    assert _person(app, gang2["person"])["residences"][0][1] is None


def test_a_case_cannot_be_used_to_test_numbers_one_after_the_other(app, places, users, gang2):
    app.config["CHANGE_ENTRY_ID_ATTEMPTS_PER_CASE"] = 3
    try:
        case_id = _collected_case(app, places, kind="details")
        since = _last_audit_id(app)
        web = client_as(app, "sw_gang1")
        for n in range(3):
            good = make_id_number("310115", dt.date(1990, 1, 1), n)
            wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
            page = _enter(web, case_id, gang2["number"] if n == 1 else wrong_check)
            assert "次数过多" not in page
        # the fourth number is not even looked up: the same answer for a valid unknown number and a registered one
        for number in (gang2["number"], make_id_number("310115", dt.date(1992, 2, 2), 41)):
            page = _enter(web, case_id, number)
            assert "次数过多" in page
        with app.app_context():
            assert db.session.get(ChangeCase, case_id).stage == "form_collected"
            assert db.session.scalar(select(func.count()).select_from(Person)) == 1  # nobody created
            assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "entry_id_lookup", AuditEvent.record_id == case_id,
                AuditEvent.id > since)) == 3
    finally:
        del app.config["CHANGE_ENTRY_ID_ATTEMPTS_PER_CASE"]


def test_a_case_of_a_known_person_refuses_any_other_number_alike(app, places, users, gang2):
    with app.app_context():
        mine = Person(name="钢一住户", id_number=make_id_number("310115", dt.date(1975, 3, 3), 5), category="migrant")
        db.session.add(mine)
        db.session.flush()
        db.session.add(Residence(person_id=mine.id, house_id=places["钢一"]["houses"][1],
                                 start_date=dt.date(2020, 1, 1)))
        sw = db.session.query(PortalUser).filter_by(username="sw_gang1").one()
        case = service.open_case(places["钢一"]["committee"], places["钢一"]["houses"][1], "details", actor=sw,
                                 source="report", person_id=mine.id)
        db.session.flush()
        service.advance(case, "collect", sw)
        db.session.commit()
        case_id = case.id
    web = client_as(app, "sw_gang1")
    elsewhere = _enter(web, case_id, gang2["number"])
    unknown = _enter(web, case_id, make_id_number("310115", dt.date(1993, 3, 3), 45))
    assert "不是本变动事项" in elsewhere and "不是本变动事项" in unknown
    assert NAME_ELSEWHERE not in elsewhere


# -- item 2: a transfer ------------------------------------------------------------------------------------------

def test_a_move_in_of_a_resident_of_another_committee_waits_for_its_confirmation(app, places, users, gang2):
    before = _person(app, gang2["person"])
    case_id = _collected_case(app, places)
    web = client_as(app, "sw_gang1")
    page = _enter(web, case_id, gang2["number"])
    assert "待迁出居民区确认" in page
    assert NAME_ELSEWHERE not in page and PHONE_ELSEWHERE not in page and "黄浦区" not in page
    assert _person(app, gang2["person"]) == before  # nothing of him written
    with app.app_context():
        case = db.session.get(ChangeCase, case_id)
        assert case.stage == "awaiting_transfer" and case.person_id is None
        request = db.session.query(TransferRequest).one()
        assert request.status == "pending" and request.from_committee_id == places["钢二"]["committee"]
        # the releasing committee is told of the transfer (other hand-offs notify others: issue 13)
        told = db.session.scalars(select(Notification.user_id).where(
            Notification.link.like("/changes/transfers/%"))).all()
        assert {gang2["sw"], gang2["director"]} <= set(told)
        # everyone told works for the releasing committee (other tests may have made more of its staff)
        assert all(places["钢二"]["committee"] in {c.id for c in db.session.get(PortalUser, uid).committees}
                   for uid in told)
        sw1 = db.session.query(PortalUser).filter_by(username="sw_gang1").one()
        sw2 = db.session.get(PortalUser, gang2["sw"])
        assert transfers.pending_transfers_for(sw1).count() == 0
        assert [t.id for t in transfers.pending_transfers_for(sw2)] == [request.id]
        request_id = request.id
    # the requesting side cannot open the request, nor does its queue show it
    assert web.get(f"/changes/transfers/{request_id}").status_code == 404
    assert NAME_ELSEWHERE not in web.get("/changes/transfers/").get_data(as_text=True)
    assert web.post(f"/changes/transfers/{request_id}/confirm", data={"checked": "1"}).status_code == 404
    # the releasing side's queue: its own resident, masked, and only the receiving committee's name
    releasing = client_as(app, "sw_gang2")
    queue = releasing.get("/changes/transfers/").get_data(as_text=True)
    assert NAME_ELSEWHERE in queue and "钢一" in queue and gang2["number"] not in queue
    assert "钢一上南路100弄1号101室" not in queue


def test_confirming_a_transfer_ends_the_old_residence_and_opens_the_new_one(app, places, users, gang2):
    case_id = _collected_case(app, places)
    since = _last_audit_id(app)
    _enter(client_as(app, "sw_gang1"), case_id, gang2["number"])
    with app.app_context():
        request_id = db.session.scalar(select(TransferRequest.id))
    releasing = client_as(app, "dir_gang2")
    detail = releasing.get(f"/changes/transfers/{request_id}").get_data(as_text=True)
    assert "确认迁出" in detail and "退回" in detail
    # without ticking the confirmation box nothing happens
    releasing.post(f"/changes/transfers/{request_id}/confirm", data={})
    assert _person(app, gang2["person"])["residences"][0][1] is None
    response = releasing.post(f"/changes/transfers/{request_id}/confirm", data={"checked": "1"})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(Person, gang2["person"])
        old, new = sorted(person.residences, key=lambda r: r.id)
        assert old.end_date == dt.date(2026, 6, 1) and "钢一" in old.end_reason and f"#{request_id}" in old.end_reason
        assert new.end_date is None and new.house_id == places["钢一"]["houses"][0]
        assert new.start_date == dt.date(2026, 6, 1)
        assert person.committee_id == places["钢一"]["committee"] and person.category == "migrant"
        case = db.session.get(ChangeCase, case_id)
        assert case.stage == "entered" and case.person_id == person.id and case.residence_id == new.id
        assert case.entered_by_name.endswith("(sw_gang1)")
        request = db.session.get(TransferRequest, request_id)
        assert request.status == "confirmed" and request.decided_by_fk == gang2["director"]
        sw1 = db.session.query(PortalUser).filter_by(username="sw_gang1").one()
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == sw1.id, Notification.text.contains("确认"))) == 1
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > since)))
        assert {"transfer_request", "transfer_confirm"} <= actions
        # the residence writes themselves are audited by the flush hook
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.model == "Residence", AuditEvent.id > since)) >= 2
    # a second decision is refused
    again = releasing.post(f"/changes/transfers/{request_id}/refuse", data={"reason": "x"}, follow_redirects=True)
    assert "已经处理" in again.get_data(as_text=True)


def test_refusing_a_transfer_sends_the_case_back_with_the_reason(app, places, users, gang2):
    before = _person(app, gang2["person"])
    case_id = _collected_case(app, places)
    web = client_as(app, "sw_gang1")
    _enter(web, case_id, gang2["number"])
    with app.app_context():
        request_id = db.session.scalar(select(TransferRequest.id))
    releasing = client_as(app, "sw_gang2")
    empty = releasing.post(f"/changes/transfers/{request_id}/refuse", data={"reason": " "}, follow_redirects=True)
    assert "退回原因" in empty.get_data(as_text=True)
    releasing.post(f"/changes/transfers/{request_id}/refuse", data={"reason": "该居民仍在本居民区居住"})
    assert _person(app, gang2["person"]) == before
    with app.app_context():
        assert db.session.get(ChangeCase, case_id).stage == "form_collected"
        assert db.session.get(TransferRequest, request_id).status == "refused"
        sw1 = db.session.query(PortalUser).filter_by(username="sw_gang1").one()
        texts = db.session.scalars(select(Notification.text).where(Notification.user_id == sw1.id)).all()
        assert any("该居民仍在本居民区居住" in t for t in texts)
    show = web.get(f"/changes/show/{case_id}").get_data(as_text=True)
    assert "该居民仍在本居民区居住" in show and NAME_ELSEWHERE not in show


def test_request_transfer_is_only_for_numbers_registered_elsewhere(app, places, users, gang2):
    with app.app_context():
        sw = db.session.query(PortalUser).filter_by(username="sw_gang1").one()
        unknown = make_id_number("310115", dt.date(1994, 4, 4), 47)
        with pytest.raises(CaseRefused) as refused:
            transfers.request_transfer(unknown, places["钢一"]["houses"][0], actor=sw, entry_date=dt.date(2026, 6, 1))
        assert refused.value.code == "not_registered_elsewhere"
        with pytest.raises(CaseRefused) as refused:
            transfers.request_transfer(gang2["number"], places["钢二"]["houses"][1], actor=sw,
                                       entry_date=dt.date(2026, 6, 1))
        assert refused.value.code == "house_out_of_scope"
        request = transfers.request_transfer(gang2["number"], places["钢一"]["houses"][1], actor=sw,
                                             entry_date=dt.date(2026, 6, 1))
        assert request.case_id is None and request.to_committee_id == places["钢一"]["committee"]
        with pytest.raises(CaseRefused) as refused:
            transfers.request_transfer(gang2["number"], places["钢一"]["houses"][0], actor=sw,
                                       entry_date=dt.date(2026, 6, 1))
        assert refused.value.code == "transfer_pending"
        db.session.rollback()


def test_the_transfer_pages_fit_a_phone_and_are_in_chinese(app, places, users, gang2):
    case_id = _collected_case(app, places)
    _enter(client_as(app, "sw_gang1"), case_id, gang2["number"])
    releasing = client_as(app, "sw_gang2")
    queue = releasing.get("/changes/transfers/").get_data(as_text=True)
    assert "迁移申请" in queue and "Transfer requests" not in queue
    assert "<table" not in queue  # a list of cards, no wide table
    with app.app_context():
        request_id = db.session.scalar(select(TransferRequest.id))
    detail = releasing.get(f"/changes/transfers/{request_id}").get_data(as_text=True)
    assert "btn-block" in detail and "required" in detail


# -- item 3: self-declarations ---------------------------------------------------------------------------------

def test_a_declaration_of_a_number_registered_elsewhere_goes_to_that_committees_workstation(app, places, users,
                                                                                           gang2):
    from app.verification.public import committee_token

    with app.app_context():
        token = committee_token(places["钢一"]["committee"])
    public = app.test_client()
    res = public.post(f"/declare/{token}", data={"name": "自称某人", "id_number": gang2["number"],
                                                 "house": places["钢一"]["houses"][0]})
    assert res.status_code == 200, res.get_data(as_text=True)
    worker = client_as(app, "sw_gang1")
    with app.app_context():
        declaration_id = db.session.scalar(select(SelfDeclaration.id))
    page = worker.post(f"/verification/workstation/declarations/{declaration_id}/process", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert NAME_ELSEWHERE not in text and "其他居民区" in text
    for status in ("forwarded", "pending", "cancel_case"):
        assert NAME_ELSEWHERE not in worker.get(
            f"/verification/workstation/declarations?status={status}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChangeCase)) == 0
        assert db.session.scalar(select(func.count()).select_from(VerificationRecord)) == 0
        rows = db.session.scalars(select(SelfDeclaration).order_by(SelfDeclaration.id)).all()
        assert [r.status for r in rows] == ["forwarded", "pending"]
        assert rows[1].committee_id == places["钢二"]["committee"] and rows[1].forwarded_from_id == rows[0].id
        forwarded_id = rows[1].id
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == gang2["sw"])) == 1
    # 钢二's workstation checks it: he declared living elsewhere, so 钢二 gets a cancellation case of its own
    releasing = client_as(app, "sw_gang2")
    assert "自称某人" in releasing.get("/verification/workstation/declarations").get_data(as_text=True)
    releasing.post(f"/verification/workstation/declarations/{forwarded_id}/process")
    with app.app_context():
        forwarded = db.session.get(SelfDeclaration, forwarded_id)
        assert forwarded.status == "cancel_case"
        case = db.session.get(ChangeCase, forwarded.change_case_id)
        assert case.committee_id == places["钢二"]["committee"] and case.kind == "move_out"
        assert case.reported_by_name.endswith("(sw_gang2)")
