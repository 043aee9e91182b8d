"""The analysis loop (issue 17) on a hand-made street: each rule fires where it must and not where it must not; a
finding closes itself when the data no longer show it; outcomes; sampled verification."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.analysis import service
from app.analysis.models import Finding, SampleItem
from app.analysis.service import AnalysisRefused
from app.changes.models import ChangeCase
from app.notifications.models import Notification
from app.domain.idnumber import make_id_number
from app.extensions import db
from app.models import Building, House, Person, PortalUser, Residence, Vehicle
from app.verification.models import VerificationHouseYear, VerificationRecord

_seq = iter(range(1, 999))


@pytest.fixture()
def ctx(app, places, users):
    with app.app_context():
        yield {"places": places, "users": users, "user": lambda key: db.session.get(PortalUser, users[key])}


def _person(name, born=dt.date(1980, 1, 1), house_id=None, start=dt.date(2020, 1, 1), **kw):
    person = Person(name=name, id_number=make_id_number("310115", born, next(_seq)), category="migrant", **kw)
    db.session.add(person)
    db.session.flush()
    if house_id is not None:
        db.session.add(Residence(person_id=person.id, house_id=house_id, start_date=start))
        db.session.flush()
    return person


def _house(ctx, name="钢一", room="201", rental=False):
    building = db.session.get(Building, ctx["places"][name]["building"])
    house = House(building=building, room=room, address=f"{building.name}{room}室", is_rental=rental)
    db.session.add(house)
    db.session.flush()
    return house


def _open(rule=None):
    q = select(Finding).where(Finding.status.in_(("open", "escalated")))
    if rule:
        q = q.where(Finding.rule == rule)
    return db.session.scalars(q.order_by(Finding.id)).all()


def _run(app, **config):
    old = {k: app.config.get(k) for k in config}
    app.config.update(config)
    try:
        counts = service.run_rules()
        db.session.commit()
        return counts
    finally:
        for k, v in old.items():
            if v is None:
                app.config.pop(k, None)
            else:
                app.config[k] = v


def test_crowded_house_fires_over_the_threshold_and_not_at_it(app, ctx):
    crowded, full = _house(ctx, room="301"), _house(ctx, room="302")
    for i in range(4):
        _person(f"王{i}", house_id=crowded.id)
    for i in range(3):
        _person(f"李{i}", house_id=full.id)
    db.session.commit()
    _run(app, RULE_ANALYSIS_HOUSE_MAX_PERSONS=3)
    found = _open("crowded_house")
    assert [(f.subject_id, f.detail, f.committee_id) for f in found] == [
        (crowded.id, "4", ctx["places"]["钢一"]["committee"])]
    assert found[0].handler_role == "community_police"
    assert found[0].due_on == dt.date(2026, 6, 17)  # 7 days after the frozen 2026-06-10


def test_unrelated_adults_counts_family_names_of_adults_only(app, ctx):
    shared, family = _house(ctx, room="401"), _house(ctx, room="402")
    for surname in "赵钱孙":
        _person(f"{surname}一", house_id=shared.id)
    for i in range(3):
        _person(f"周{i}", house_id=family.id)
    _person("吴小", born=dt.date(2015, 1, 1), house_id=family.id)  # a child: not counted
    _person("郑小", born=dt.date(2016, 1, 1), house_id=family.id)
    db.session.commit()
    _run(app, RULE_ANALYSIS_HOUSE_MAX_UNRELATED_ADULTS=2)
    assert [f.subject_id for f in _open("unrelated_adults")] == [shared.id]


def test_empty_rental_and_house_unverified(app, ctx):
    empty = _house(ctx, room="501", rental=True)
    let = _house(ctx, room="502", rental=True)
    _person("租客", house_id=let.id)
    seen = _house(ctx, room="503")
    _person("住户", house_id=seen.id)
    db.session.add(VerificationHouseYear(year=2026, committee_id=seen.committee_id, house_id=seen.id))
    db.session.commit()
    _run(app)  # June: before RULE_ANALYSIS_HOUSE_UNVERIFIED_FROM_MONTH (10)
    assert [f.subject_id for f in _open("empty_rental")] == [empty.id]
    assert _open("house_unverified") == []
    _run(app, RULE_ANALYSIS_HOUSE_UNVERIFIED_FROM_MONTH=6)
    # Occupied and unseen this year: the rental; the verified house and the empty one are not raised.
    assert [f.subject_id for f in _open("house_unverified")] == [let.id]


def test_person_unregistered_and_permit_expiring(app, ctx):
    house_id = ctx["places"]["钢一"]["houses"][0]
    nowhere = _person("无处")
    moved = _person("搬走", house_id=house_id)
    db.session.query(Residence).filter_by(person_id=moved.id).update({"end_date": dt.date(2025, 1, 1),
                                                                       "end_reason": "迁出"})
    soon = _person("将到期", house_id=house_id, residence_permit_no="A1", residence_permit_expiry=dt.date(2026, 7, 9))
    _person("未到期", house_id=house_id, residence_permit_no="A2", residence_permit_expiry=dt.date(2026, 7, 11))
    gone = _person("已迁出", house_id=house_id, residence_permit_no="A3", residence_permit_expiry=dt.date(2026, 1, 1))
    db.session.query(Residence).filter_by(person_id=gone.id).update({"end_date": dt.date(2025, 1, 1),
                                                                      "end_reason": "迁出"})
    db.session.commit()
    _run(app)
    # A moved-away person has a cancelled residence: history, not a gap.
    assert [f.subject_id for f in _open("person_unregistered")] == [nowhere.id]
    assert _open("person_unregistered")[0].committee_id is None  # belongs to no committee: the office's
    assert [f.subject_id for f in _open("permit_expiring")] == [soon.id]  # 29 days ahead; 31 is not raised


def test_vehicle_owner_moved_and_possible_duplicates(app, ctx):
    house_id = ctx["places"]["钢一"]["houses"][0]
    stays, moves = _person("车主甲", house_id=house_id), _person("车主乙", house_id=house_id)
    db.session.query(Residence).filter_by(person_id=moves.id).update({"end_date": dt.date(2026, 5, 1),
                                                                       "end_reason": "迁出"})
    db.session.add_all([Vehicle(plate="沪A00001", owner_id=stays.id, house_id=house_id),
                        Vehicle(plate="沪A00002", owner_id=moves.id, house_id=house_id)])
    twin_a = _person("张同名", born=dt.date(1990, 2, 2), house_id=house_id)
    twin_b = _person("张同名", born=dt.date(1990, 2, 2), house_id=ctx["places"]["钢二"]["houses"][0])
    _person("张同名", born=dt.date(1990, 2, 3), house_id=house_id)  # another birth date: not a duplicate
    db.session.commit()
    _run(app)
    plates = [f.detail for f in _open("vehicle_owner_moved")]
    assert plates == ["沪A00002"]
    dups = _open("possible_duplicate")
    # Each committee is told about its own record.
    assert sorted((f.subject_id, f.committee_id) for f in dups) == sorted(
        [(twin_a.id, ctx["places"]["钢一"]["committee"]), (twin_b.id, ctx["places"]["钢二"]["committee"])])


def test_should_cancel_with_an_overdue_open_case(app, ctx, frozen_clock):
    from app.changes import service as changes

    house_id = ctx["places"]["钢一"]["houses"][0]
    late, fresh = _person("应消甲", house_id=house_id), _person("应消乙", house_id=house_id)
    committee_id = ctx["places"]["钢一"]["committee"]
    now = dt.datetime(2026, 6, 10, 2, 0)
    cases = {}
    for person, reported in ((late, now - dt.timedelta(days=5)), (fresh, now - dt.timedelta(hours=1))):
        case = changes.open_case(committee_id, house_id, "move_out", actor=ctx["user"]("social_worker"),
                                 source="verification", person_id=person.id, reported_at=reported)
        db.session.flush()
        db.session.add(VerificationRecord(checked_on=reported.date(), checked_at=reported, committee_id=committee_id,
                                          house_id=house_id, person_id=person.id, result="should_cancel",
                                          kind="monthly", recorded_by_fk=ctx["users"]["police"],
                                          change_case_id=case.id))
        cases[person.id] = case
    db.session.commit()
    _run(app)
    assert [f.subject_id for f in _open("cancellation_overdue")] == [late.id]
    # The case is done: the next run closes the finding by itself.
    db.session.get(ChangeCase, cases[late.id].id).stage = "cancelled"
    db.session.commit()
    counts = _run(app)
    assert counts["gone"] == 1 and _open("cancellation_overdue") == []
    gone = db.session.scalars(select(Finding).where(Finding.rule == "cancellation_overdue")).one()
    assert gone.status == "gone" and gone.closed_at is not None


def test_a_finding_closes_itself_when_the_data_no_longer_show_it(app, ctx):
    empty = _house(ctx, room="601", rental=True)
    db.session.commit()
    assert _run(app)["opened"] == 1
    assert _run(app)["opened"] == 0  # idempotent: the same gap is not raised twice
    _person("新租客", house_id=empty.id)
    db.session.commit()
    assert _run(app)["gone"] == 1
    assert _open("empty_rental") == []


def test_not_a_problem_stays_quiet_until_the_data_change(app, ctx):
    crowded = _house(ctx, room="701")
    for i in range(3):
        _person(f"陈{i}", house_id=crowded.id)
    db.session.commit()
    _run(app, RULE_ANALYSIS_HOUSE_MAX_PERSONS=2)
    finding = _open("crowded_house")[0]
    with pytest.raises(AnalysisRefused) as refused:
        service.close(finding, "dismissed", ctx["user"]("social_worker"), reason="  ")
    assert refused.value.code == "reason_required"
    service.close(finding, "dismissed", ctx["user"]("social_worker"), reason="一家三代，非群租")
    db.session.commit()
    _run(app, RULE_ANALYSIS_HOUSE_MAX_PERSONS=2)
    assert _open("crowded_house") == []
    _person("陈新", house_id=crowded.id)  # one more person: the data changed, the finding comes back
    db.session.commit()
    _run(app, RULE_ANALYSIS_HOUSE_MAX_PERSONS=2)
    assert [f.detail for f in _open("crowded_house")] == ["4"]


def test_outcomes_fixed_and_escalated_and_notifications(app, ctx):
    from app.changes.models import CommitteeWorkers

    committee_id = ctx["places"]["钢一"]["committee"]
    db.session.add(CommitteeWorkers(committee_id=committee_id, worker_a_fk=ctx["users"]["social_worker"]))
    _house(ctx, room="801", rental=True)
    _house(ctx, room="802", rental=True)
    db.session.commit()
    before = db.session.query(Notification).filter_by(user_id=ctx["users"]["social_worker"]).count()
    _run(app)
    notes = db.session.query(Notification).filter_by(user_id=ctx["users"]["social_worker"]).all()
    assert len(notes) == before + 1 and "2 条" in notes[-1].text  # one notice per run, with the count
    first, second = _open("empty_rental")
    with pytest.raises(AnalysisRefused) as refused:
        service.close(first, "fixed", ctx["user"]("social_worker"))
    assert refused.value.code == "fix_needs_case_or_note"
    service.close(first, "fixed", ctx["user"]("social_worker"), reason="已改为非出租房")
    service.close(second, "escalated", ctx["user"]("social_worker"), reason="房东拒绝配合")
    db.session.commit()
    assert first.status == "fixed" and first.closed_by_fk == ctx["users"]["social_worker"]
    assert second.status == "escalated"
    office_notes = db.session.query(Notification).filter_by(user_id=ctx["users"]["street_office"]).all()
    assert any("已上报" in n.text for n in office_notes)
    counts = service.monthly_counts(2026, 6)
    assert counts[committee_id]["opened"] == 2 and counts[committee_id]["fixed"] == 1
    assert counts[committee_id]["escalated"] == 1


def test_sampled_verification_reports_accuracy_with_its_interval(app, ctx):
    house_id = ctx["places"]["钢一"]["houses"][0]
    people = [_person(f"样本{i}", house_id=house_id) for i in range(12)]
    db.session.commit()
    committee_id = ctx["places"]["钢一"]["committee"]
    with pytest.raises(AnalysisRefused) as refused:
        service.draw_sample(committee_id, ctx["user"]("street_office"), size=13)
    assert refused.value.code == "sample_too_large"
    draw = service.draw_sample(committee_id, ctx["user"]("street_office"), size=10, seed=1)
    db.session.commit()
    sampled = db.session.scalars(select(SampleItem.person_id).where(SampleItem.draw_id == draw.id)).all()
    assert len(set(sampled)) == 10 and set(sampled) <= {p.id for p in people}
    for i, pid in enumerate(sampled[:5]):
        db.session.add(VerificationRecord(
            checked_on=dt.date(2026, 6, 10), checked_at=dt.datetime(2026, 6, 10, 2), committee_id=committee_id,
            house_id=house_id, person_id=pid, result="correct" if i < 4 else "should_cancel", kind="monthly",
            recorded_by_fk=ctx["users"]["police"]))
    db.session.commit()
    result = service.sample_accuracy(draw)
    assert (result["verified"], result["correct"]) == (5, 4)
    # Wilson 4/5: centre (0.8 + 0.38415) / 1.76829 = 0.66968, half 1.96 × √(0.032 + 0.038415) / 1.76829 = 0.29414
    assert result["low"] == pytest.approx(0.3755, abs=5e-4) and result["high"] == pytest.approx(0.9638, abs=5e-4)


# -- screens ------------------------------------------------------------------------------------------------------

def _two_committee_findings(ctx):
    _house(ctx, "钢一", room="901", rental=True)
    _house(ctx, "钢二", room="901", rental=True)
    db.session.commit()
    service.run_rules()
    db.session.commit()
    return {f.committee_id: f.id for f in _open("empty_rental")}


def test_a_social_worker_sees_and_handles_only_his_committees_findings(app, ctx):
    from tests.conftest import client_as

    ids = _two_committee_findings(ctx)
    gang1, gang2 = ctx["places"]["钢一"]["committee"], ctx["places"]["钢二"]["committee"]
    client = client_as(app, "sw_gang1")
    page = client.get("/analysis/findings/").get_data(as_text=True)
    assert "出租" in page and page.count("/houses/show/") == 1
    # Another committee's finding: no such finding for him, and nothing changes.
    assert client.post(f"/analysis/findings/{ids[gang2]}/close",
                       data={"outcome": "dismissed", "reason": "x"}).status_code == 404
    response = client.post(f"/analysis/findings/{ids[gang1]}/close", data={"outcome": "dismissed", "reason": ""},
                           follow_redirects=True)
    assert response.status_code == 200 and "请填写原因" in response.get_data(as_text=True)
    client.post(f"/analysis/findings/{ids[gang1]}/close", data={"outcome": "dismissed", "reason": "已核实"})
    db.session.expire_all()
    assert db.session.get(Finding, ids[gang1]).status == "dismissed"
    assert db.session.get(Finding, ids[gang2]).status == "open"
    # He may not run the rules for the street.
    assert client.post("/analysis/findings/run").status_code == 403
    assert db.session.get(Finding, ids[gang2]).status == "open"


def test_dashboard_drills_down_and_downloads_the_same_numbers(app, ctx):
    from openpyxl import load_workbook

    from tests.conftest import client_as

    house_id = ctx["places"]["钢一"]["houses"][0]
    for i in range(3):
        _person(f"看板{i}", house_id=house_id)
    db.session.commit()
    client = client_as(app, "office")
    page = client.get("/analysis/dashboard/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "vendor/echarts/echarts.min.js" in html and "上钢" in html
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200
    zone_id = db.session.get(House, house_id).committee.zone_id
    html = client.get(f"/analysis/dashboard/?zone={zone_id}").get_data(as_text=True)
    assert "钢一" in html and "钢二" in html
    gang1 = ctx["places"]["钢一"]["committee"]
    sheet = load_workbook(__import__("io").BytesIO(
        client.get(f"/analysis/dashboard/xlsx?committee={gang1}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "钢一" and rows[1][4] == 3  # registered persons: the three above


def test_dashboard_is_scoped_for_a_zone_leader(app, ctx):
    from app.models import Committee
    from tests.conftest import client_as

    client = client_as(app, "zl_shanggang")
    html = client.get("/analysis/dashboard/").get_data(as_text=True)
    assert "济阳" not in html and "德州" not in html
    other = db.session.query(Committee).filter_by(name="济一").one()
    assert client.get(f"/analysis/dashboard/?committee={other.id}").status_code == 404
    assert client.get("/analysis/dashboard/?zone=abc&year=x").status_code == 200  # bad input: ignored, not 500


def test_a_sample_larger_than_the_committee_is_refused_with_a_message(app, ctx):
    from tests.conftest import client_as

    _person("唯一", house_id=ctx["places"]["钢一"]["houses"][0])
    db.session.commit()
    client = client_as(app, "office")
    gang1 = ctx["places"]["钢一"]["committee"]
    html = client.post("/analysis/samples/draw", data={"committee": gang1, "size": "5"},
                       follow_redirects=True).get_data(as_text=True)
    assert "大于" in html
    html = client.post("/analysis/samples/draw", data={"committee": gang1, "size": "-3"},
                       follow_redirects=True).get_data(as_text=True)
    assert "整数" in html
    html = client.post("/analysis/samples/draw", data={"committee": gang1}, follow_redirects=True).get_data(as_text=True)
    assert "唯一" in html


def test_the_quarterly_review_pack_renders_the_committees_quarter(app, ctx, tmp_path):
    import shutil
    import subprocess

    from app.documents import service as documents

    _house(ctx, room="990", rental=True)
    db.session.commit()
    service.run_rules()
    db.session.commit()
    document = documents.request_document("quarterly_review", ctx["places"]["钢一"]["committee"],
                                          ctx["user"]("street_office"))
    assert document.state == "done", (document.error_code, document.error_detail)
    data = (documents.documents_dir() / document.file_path).read_bytes() \
        if not document.file_path.startswith("/") else open(document.file_path, "rb").read()
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "review.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        assert "钢一2026年第2季度实有人口工作分析" in text
        assert "出租房屋无人登记" in text and "回顾会记录" in text
    # A social worker of another committee may not have it made.
    with pytest.raises(documents.DocumentRefused):
        documents.request_document("quarterly_review", ctx["places"]["钢二"]["committee"],
                                   ctx["user"]("social_worker"))
