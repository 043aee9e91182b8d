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
    expired = _person("已过期", house_id=house_id, residence_permit_no="A0",
                      residence_permit_expiry=dt.date(2026, 5, 1))
    _person("未到期", house_id=house_id, residence_permit_no="A2", residence_permit_expiry=dt.date(2026, 7, 11))
    gone = _person("已迁出", house_id=house_id, residence_permit_no="A3", residence_permit_expiry=dt.date(2026, 1, 1))
    db.session.query(Residence).filter_by(person_id=gone.id).update({"end_date": dt.date(2025, 1, 1),
                                                                      "end_reason": "迁出"})
    db.session.commit()
    _run(app)
    # A moved-away person has a cancelled residence: history, not a gap.
    assert [f.subject_id for f in _open("person_unregistered")] == [nowhere.id]
    assert _open("person_unregistered")[0].committee_id is None  # belongs to no committee: the office's
    # Expired while still registered, or 29 days ahead; 31 days ahead is not raised, nor a moved-away person's.
    assert [f.subject_id for f in _open("permit_expiring")] == [soon.id, expired.id]


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
    # No such zone or committee: text, zero, beyond 64 bits, an id that does not exist — 404, never 500.
    for query in ("zone=abc", "zone=0", f"zone={2**64 + 1}", "zone=99999999", f"committee={2**63}",
                  "committee=-1", "committee=99999999"):
        assert client.get(f"/analysis/dashboard/?{query}").status_code == 404, query
        assert client.get(f"/analysis/dashboard/xlsx?{query}").status_code == 404, query
    for year in ("x", "1899", "20261", str(2**64)):
        response = client.get(f"/analysis/dashboard/?year={year}")
        assert response.status_code == 400 and "年份无效" in response.get_data(as_text=True), year
    assert client.get("/analysis/dashboard/?year=2025").status_code == 200


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

    from app.documents import jobs
    from app.documents import service as documents

    _house(ctx, room="990", rental=True)
    db.session.commit()
    service.run_rules()
    db.session.commit()
    document = jobs.request_document("quarterly_review", ctx["places"]["钢一"]["committee"],
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
        jobs.request_document("quarterly_review", ctx["places"]["钢二"]["committee"],
                              ctx["user"]("social_worker"))


# -- the findings feed the ranking (a weight, 0 by default) -----------------------------------------------------

def test_the_findings_weight_takes_points_off_as_computed_by_hand():
    from app.domain.ranking import CommitteeMonth, rank_committees
    from app.domain.rules import DEFAULT_RULES, Rules

    def months(overdue_a):
        # 甲: 40 checked of a quota of 50, 38 correct, 4 of 5 changes on time; 乙: 50 checked, 44 correct, no changes
        return [CommitteeMonth.from_counts(1, "甲", 40, 38, 5, 4, overdue_findings=overdue_a),
                CommitteeMonth.from_counts(2, "乙", 50, 44, 0, 0)]

    # 甲: 30×40/50 + 40×38/40 + 30×4/5 = 24 + 38 + 24 = 86; 乙: 30 + 40×44/50 + 30 = 30 + 35.2 + 30 = 95.2
    quota = Rules(monthly_quota_per_committee=50)
    plain = rank_committees(months(0), quota)
    assert [(s.committee, round(s.total, 2)) for s in plain] == [("乙", 95.2), ("甲", 86.0)]
    # Weight 0 (the default): three overdue findings change nothing.
    assert DEFAULT_RULES.weight_findings == 0
    assert [(s.committee, s.total, s.rank) for s in rank_committees(months(3), quota)] == \
        [(s.committee, s.total, s.rank) for s in plain]
    # Turned the other way round by hand: 甲 without findings beats 乙 with 2 overdue at 5 points each.
    weighted = Rules(monthly_quota_per_committee=50, weight_findings=5)
    swapped = [CommitteeMonth.from_counts(1, "甲", 50, 45, 0, 0),  # 30 + 36 + 30 = 96
               CommitteeMonth.from_counts(2, "乙", 50, 50, 0, 0, overdue_findings=2)]  # 30 + 40 + 30 − 10 = 90
    assert [(s.committee, round(s.total, 2), s.rank) for s in rank_committees(swapped, weighted)] == [
        ("甲", 96.0, 1), ("乙", 90.0, 2)]
    assert [s.committee for s in rank_committees(swapped, quota)] == ["乙", "甲"]  # 100 vs 96 without the weight
    # Out of range: refused with the setting's name.
    from app.domain.rules import rules_from_config

    for bad in ("-1", "101", "x"):
        with pytest.raises(ValueError, match="WEIGHT_FINDINGS|weight_findings"):
            rules_from_config({"RULE_WEIGHT_FINDINGS": bad})
    assert rules_from_config({"RULE_WEIGHT_FINDINGS": "5"}).weight_findings == 5


def test_rule_weight_findings_moves_a_committee_with_overdue_findings_down_the_month(app, ctx, frozen_clock):
    from app.monthly import service as monthly

    frozen_clock.set(dt.datetime(2026, 6, 1, 2, 0))
    _house(ctx, "钢一", room="951", rental=True)
    _house(ctx, "钢一", room="952", rental=True)
    db.session.commit()
    _run(app)  # two empty rentals of 钢一, due 14 days later: 2026-06-15
    frozen_clock.set(dt.datetime(2026, 6, 20, 2, 0))
    gang1 = ctx["places"]["钢一"]["committee"]

    def ranking(**config):
        old = {k: app.config.get(k) for k in config}
        app.config.update(config)
        try:
            return {r["committee_id"]: r for r in monthly.compute_month(2026, 6)["ranking"]}
        finally:
            for k, v in old.items():
                app.config.pop(k, None) if v is None else app.config.__setitem__(k, v)

    # Nothing checked, nothing changed anywhere: every committee 30 points (timeliness in full), all first.
    plain = ranking()
    assert {r["rank"] for r in plain.values()} == {1} and plain[gang1]["points"]["total"] == 30
    assert ranking(RULE_WEIGHT_FINDINGS="0") == plain
    weighted = ranking(RULE_WEIGHT_FINDINGS="4")
    # 钢一: 30 − 2 overdue × 4 = 22, alone in last place; the other 22 committees still share the first.
    assert weighted[gang1]["points"]["total"] == 22 and weighted[gang1]["overdue_findings"] == 2
    assert weighted[gang1]["rank"] == len(weighted) and {r["rank"] for c, r in weighted.items() if c != gang1} == {1}
    # A finding fixed since still counts for the month it was overdue in (the count of a past month stays put).
    first = _open("empty_rental")[0]
    frozen_clock.set(dt.datetime(2026, 7, 2, 2, 0))
    service.close(first, "fixed", ctx["user"]("social_worker"), reason="已登记租客")
    db.session.commit()
    assert service.monthly_counts(2026, 6)[gang1]["overdue"] == 2
    assert service.monthly_counts(2026, 7)[gang1]["overdue"] == 1


# -- the dashboard's derived table ----------------------------------------------------------------------------

def test_the_dashboard_reads_its_derived_table_refreshed_by_night_button_and_command(app, ctx):
    from app.analysis.dashboard import dashboard
    from app.analysis.models import DashboardMonth
    from app.analysis.tasks import run_nightly
    from app.models import Committee
    from tests.conftest import client_as

    house_id = ctx["places"]["钢一"]["houses"][0]
    gang1 = ctx["places"]["钢一"]["committee"]
    for i in range(3):
        _person(f"派生{i}", house_id=house_id)
    _house(ctx, "钢一", room="961", rental=True)
    db.session.commit()
    office = ctx["user"]("street_office")
    run_nightly()  # the nightly run finds the gaps, then counts the dashboard
    committees = db.session.query(Committee).count()
    assert db.session.query(DashboardMonth).filter_by(year=2026).count() == committees * 6  # January to June
    june = db.session.get(DashboardMonth, (gang1, 2026, 6))
    assert (june.persons_migrant, june.findings, june.findings_opened, june.snapshot_on) == (
        3, 1, 1, dt.date(2026, 6, 10))
    assert db.session.get(DashboardMonth, (gang1, 2026, 5)).snapshot_on is None  # only the running month's
    data = dashboard(office, committee_id=gang1)
    assert data["rows"][0]["persons"]["migrant"] == 3 and data["refreshed_at"] is not None
    assert data["findings_by_rule"] == {"empty_rental": 1}

    # A person added after the night is not counted until the figures are counted again…
    _person("派生新", house_id=house_id)
    db.session.commit()
    client = client_as(app, "office")
    assert dashboard(office, committee_id=gang1)["rows"][0]["persons"]["migrant"] == 3
    html = client.get(f"/analysis/dashboard/?committee={gang1}").get_data(as_text=True)
    assert "数据统计于" in html and "立即重新统计" in html
    # … by the office's button (a committee's social worker has no such button and may not press it) …
    response = client.post("/analysis/dashboard/refresh", follow_redirects=True)
    assert response.status_code == 200 and "已重新统计" in response.get_data(as_text=True)
    db.session.expire_all()
    assert dashboard(office, committee_id=gang1)["rows"][0]["persons"]["migrant"] == 4
    with app.app_context():  # requests share the test's app context (and Flask-Login's user in g): a fresh one
        worker = client_as(app, "sw_gang1")
        assert "立即重新统计" not in worker.get("/analysis/dashboard/").get_data(as_text=True)
        assert worker.post("/analysis/dashboard/refresh").status_code == 403
    # … or by the command.
    _person("派生末", house_id=house_id)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["analysis", "refresh-dashboard"])
    assert result.exit_code == 0 and f"{committees * 6} committee months" in result.output
    db.session.expire_all()
    assert dashboard(office, committee_id=gang1)["rows"][0]["persons"]["migrant"] == 5
    assert app.test_cli_runner().invoke(args=["analysis", "refresh-dashboard", "--year", "1999"]).exit_code != 0


def test_a_committee_role_sees_its_own_committee_only_on_the_dashboard(app, ctx):
    from openpyxl import load_workbook

    from tests.conftest import client_as

    house_id = ctx["places"]["钢一"]["houses"][0]
    _person("本会居民", house_id=house_id)
    _person("他会居民", house_id=ctx["places"]["钢二"]["houses"][0])
    db.session.commit()
    gang2 = ctx["places"]["钢二"]["committee"]
    zone_id = db.session.get(House, house_id).committee.zone_id
    for username in ("sw_gang1", "police_gang1", "bl_gang1"):
        with app.app_context():  # a fresh g (Flask-Login keeps its user there) for each signed-in client
            client = client_as(app, username)
            response = client.get("/analysis/dashboard/")
            if username == "bl_gang1":  # a building leader is not given the dashboard
                assert response.status_code == 403
                continue
            html = response.get_data(as_text=True)
            # His committee is his street: its row, not the zone's nor another committee's.
            assert response.status_code == 200 and "钢一" in html and "钢二" not in html, username
            assert client.get(f"/analysis/dashboard/?committee={gang2}").status_code == 404
            assert client.get(f"/analysis/dashboard/xlsx?committee={gang2}").status_code == 404
            html = client.get(f"/analysis/dashboard/?zone={zone_id}").get_data(as_text=True)
            assert "钢一" in html and "钢二" not in html
            sheet = load_workbook(__import__("io").BytesIO(client.get("/analysis/dashboard/xlsx").data)).active
            rows = list(sheet.iter_rows(values_only=True))
            assert [r[0] for r in rows[1:]] == ["钢一", "合计"] and rows[1][4] == 1


def test_the_wilson_interval_of_thirty_right_out_of_thirty_by_hand():
    from app.domain.analysis import wilson_interval

    # At p = 1 the half width is z²/2n / (1 + z²/n), the same as the centre's excess over 1/(1 + z²/n): the lower
    # bound is n / (n + z²) = 30 / (30 + 1.959964²) = 30 / 33.841459 = 0.886487; the upper one exactly 1.
    low, high = wilson_interval(30, 30)
    assert low == pytest.approx(30 / 33.841459, abs=1e-6) and low == pytest.approx(0.886487, abs=1e-6)
    assert high == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_the_committee_level_shows_the_years_places_from_the_approved_months(app, ctx):
    from app.analysis.tasks import refresh_dashboard
    from app.monthly.models import MonthClose
    from tests.conftest import client_as

    gang1, gang2 = ctx["places"]["钢一"]["committee"], ctx["places"]["钢二"]["committee"]
    for month, (first, second) in ((3, (gang1, gang2)), (4, (gang2, gang1))):
        close = MonthClose(year=2026, month=month, state="approved")
        close.snapshot = {"ranking": [{"committee_id": first, "rank": 1}, {"committee_id": second, "rank": 23}]}
        db.session.add(close)
    db.session.commit()
    refresh_dashboard()
    html = client_as(app, "office").get(f"/analysis/dashboard/?committee={gang1}").get_data(as_text=True)
    places = html[html.index("每月名次"):html.index("各规则待处置问题")]
    assert "<dt>3月</dt><dd>1</dd>" in places and "<dt>4月</dt><dd>23</dd>" in places
    assert "<dt>5月</dt><dd>—</dd>" in places
    assert ">12.0<" in html.replace(" ", "")  # the mean place over the year: (1 + 23) / 2
