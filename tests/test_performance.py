"""Issue 16 item 4: the team's performance (month, quarter, year) from the records, scoped (a zone leader sees his
zone's members, a member himself), with Excel and the quarter's/year's PDF; the community police's year with the
office's 酌情加分 (audited, bad input refused); the PDFs of a spot inspection and of a joint action; their cards on the
home page of those who must act. The clock is the frozen test clock (10 June 2026)."""
from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from openpyxl import load_workbook

from app.domain import performance as perf
from app.domain.idnumber import make_id_number
from app.domain.rules import DEFAULT_RULES
from app.extensions import db
from tests.conftest import client_as, make_user


# -- the pure score ------------------------------------------------------------------------------------------------

def test_a_members_month_is_scored_part_by_part_as_by_hand():
    june = perf.parse_period("2026-06")
    counts = perf.MemberCounts("a", "甲", checked=45, overturned=3, entered_into_pda=40, case_steps=5,
                               case_steps_on_time=4, spot_average=85.0, talks=1)
    s = perf.score_member(counts, june, DEFAULT_RULES)
    # 30×45/60 = 22.5; 30×42/45 = 28; 20×(40+4)/(45+5) = 17.6; 20×85/100 = 17; − 5 for the talk
    assert (s.checks, s.accuracy, s.timeliness, s.spot, s.penalty) == (22.5, 28.0, 17.6, 17.0, 5.0)
    assert s.total == 80.1


def test_without_a_spot_inspection_the_other_parts_make_the_full_score_and_a_quarter_has_three_months_quota():
    full = perf.MemberCounts("b", "乙", checked=180, entered_into_pda=180)
    quarter = perf.parse_period("2026-Q2")
    s = perf.score_member(full, quarter, DEFAULT_RULES)
    assert s.spot is None and s.total == 100.0
    half = perf.score_member(perf.MemberCounts("c", "丙", checked=90, entered_into_pda=90), quarter, DEFAULT_RULES)
    assert half.checks == 18.75  # 30 × 90/180, scaled by 100/80


def test_ranks_share_a_place_only_when_equal_on_total_accuracy_and_checks():
    june = perf.parse_period("2026-06")
    ranked = perf.rank_members([perf.MemberCounts(i, n, checked=c, entered_into_pda=c)
                                for i, n, c in ((1, "甲", 30), (2, "乙", 60), (3, "丙", 30))], june, DEFAULT_RULES)
    assert {r.counts.name: r.rank for r in ranked} == {"乙": 1, "甲": 2, "丙": 2}
    assert ranked[0].counts.name == "乙"


@pytest.mark.parametrize("text, code", [("2026-13", "range"), ("2026-Q5", "range"), ("2026-00", "range"),
                                        ("1999", "range"), ("June", "format"), ("", "format"),
                                        ("2026-07", "future"), ("2027", "future")])
def test_a_period_that_does_not_exist_or_has_not_begun_is_refused(text, code):
    with pytest.raises(perf.PeriodError) as caught:
        perf.parse_period(text, dt.date(2026, 6, 10))
    assert caught.value.code == code


def test_periods_read_as_the_plan_writes_them():
    assert perf.parse_period("2026-Q2").label == "2026年第二季度"
    assert (perf.parse_period("2026-q2").first, perf.parse_period("2026-Q2").last) == (dt.date(2026, 4, 1),
                                                                                     dt.date(2026, 6, 30))
    assert perf.parse_period("2026").label == "2026年度" and perf.parse_period("2026-6").label == "2026年6月"


# -- a hand-made month in the database -----------------------------------------------------------------------------

@pytest.fixture()
def month(app, places, users):
    """June 2026. tm_a (上钢): 4 checks of registered persons (3 entered into the PDA), one overturned by tm_b's cross
    check; one form collected on time, one entry late; a spot inspection of 钢一 scoring 80; one talk.
    tm_b (济阳): that one cross check, not in the PDA; no inspection in his zone, no talk."""
    from app.changes.models import ChangeCase
    from app.models import Person
    from app.monthly.models import SpotInspection, Talk
    from app.verification.models import VerificationRecord

    a = make_user(app, "tm_a", "team_member", zone_code="shanggang")
    b = make_user(app, "tm_b", "team_member", zone_code="jiyang")
    with app.app_context():
        committee, house = places["钢一"]["committee"], places["钢一"]["houses"][0]
        persons = [Person(name=f"钢一核查{n}", id_number=make_id_number("310115", dt.date(1970, 3, 1 + n), 31),
                          category="shanghai_household") for n in range(4)]
        db.session.add_all(persons)
        db.session.flush()
        for n, person in enumerate(persons):
            db.session.add(VerificationRecord(
                checked_on=dt.date(2026, 6, 3), checked_at=dt.datetime(2026, 6, 3, 2, n), committee_id=committee,
                house_id=house, person_id=person.id, result="correct", kind="monthly", recorded_by_fk=a,
                entered_into_pda=n < 3, police_user_id=users["police"]))
        db.session.add(VerificationRecord(
            checked_on=dt.date(2026, 6, 5), checked_at=dt.datetime(2026, 6, 5, 2, 0), committee_id=committee,
            house_id=house, person_id=persons[0].id, result="should_cancel", kind="cross", recorded_by_fk=b,
            entered_into_pda=False))
        db.session.add_all([
            ChangeCase(committee_id=committee, house_id=house, kind="move_in", source="report", people_note="新住户",
                       reported_by_name="office", reported_at=dt.datetime(2026, 6, 1, 1, 0), stage="form_collected",
                       collection_due=dt.datetime(2026, 6, 3, 16, 0), collected_by_fk=a,
                       collected_at=dt.datetime(2026, 6, 2, 1, 0)),
            ChangeCase(committee_id=committee, house_id=house, kind="move_in", source="report", people_note="新住户",
                       reported_by_name="office", reported_at=dt.datetime(2026, 6, 1, 1, 0), stage="entered",
                       collection_due=dt.datetime(2026, 6, 3, 16, 0), entry_due=dt.datetime(2026, 6, 6, 16, 0),
                       entered_by_fk=a, entered_at=dt.datetime(2026, 6, 8, 1, 0)),
            SpotInspection(year=2026, month=6, committee_id=committee, inspected_on=dt.date(2026, 6, 4), score=80),
            Talk(year=2026, month=6, target="member", member_user_id=a, member_name="测试tm_a", times_last=1,
                 rung=1, rung_code="spot_inspection", kind="约谈", who_talks="综合协管队主管", to_whom="综合协管队员",
                 reason="飞行检查发现工作不力"),
        ])
        db.session.commit()
    return {"a": a, "b": b}


def _rows(html: str) -> dict[str, str]:
    import re

    return {m.group(1): m.group(2) for m in re.finditer(r'<tr data-member="([^"]+)">(.*?)</tr>', html, re.S)}


def test_the_month_is_scored_from_the_records_and_each_sees_only_whom_he_may(app, month):
    # tm_a: 30×4/60 = 2; 30×3/4 = 22.5; 20×(3+1)/(4+2) = 13.33; 20×80/100 = 16; − 5 → 48.83
    office = client_as(app, "office").get("/performance/?period=2026-06").get_data(as_text=True)
    rows = _rows(office)
    # Users outlive each test (other tests' team members are listed too), so assert on this test's two.
    assert {"测试tm_a", "测试tm_b"} <= set(rows)
    assert "<td>2.0</td><td>22.5</td><td>13.33</td><td>16.0</td><td>5.0</td><td><strong>48.83</strong>" in rows["测试tm_a"]
    # tm_b: 1 check, none wrong, not in the PDA, no inspection in 济阳: (0.5 + 30 + 0) × 100/80 = 38.125
    assert "<strong>38.13</strong>" in rows["测试tm_b"]  # half up, as the monthly table rounds
    # The zone leader of 上钢 sees his zone's member only; a member sees himself.
    zone_rows = set(_rows(client_as(app, "zl_shanggang").get("/performance/?period=2026-06").get_data(as_text=True)))
    assert "测试tm_a" in zone_rows and "测试tm_b" not in zone_rows and "测试tm_jiyang" not in zone_rows
    assert set(_rows(client_as(app, "tm_b").get("/performance/?period=2026-06").get_data(as_text=True))) \
        == {"测试tm_b"}
    # Neither his Excel: the zone leader's export holds his zone only.
    book = load_workbook(io.BytesIO(client_as(app, "zl_shanggang").get("/performance/xlsx?period=2026-Q2").data))
    names = [r[1] for r in book.active.iter_rows(min_row=2, values_only=True)]
    assert "测试tm_a" in names and "测试tm_b" not in names and set(names) == zone_rows
    # A committee's social worker has no business here.
    assert client_as(app, "sw_gang1").get("/performance/").status_code == 403


@pytest.mark.parametrize("period, words", [("2026-13", "没有这个考核期"), ("2026-Q5", "没有这个考核期"),
                                           ("2026-07", "尚未开始")])
def test_a_bad_period_gives_a_message_not_a_500(app, users, period, words):
    response = client_as(app, "office").get(f"/performance/?period={period}")
    assert response.status_code == 400 and words in response.get_data(as_text=True)


def _pdf_text(client, response) -> str:
    from app.documents.models import Document

    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with client.application.app_context():
        document = db.session.query(Document).order_by(Document.id.desc()).first()
        assert document.state == "done", (document.error_code, document.error_detail)
        document_id = document.id
    pdf = client.get(f"/documents/file/{document_id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()


def test_the_quarters_pdf_lists_the_scores_and_a_month_is_not_printed(app, month):
    office = client_as(app, "office")
    text = _pdf_text(office, office.post("/performance/document?period=2026-Q2"))
    assert "2026年第二季度综合协管队员绩效考核表" in text and "测试tm_a" in text and "测试tm_b" in text
    # The quarter's quota is 180: tm_a's checks give 30×4/180 = 0.67.
    assert "0.67" in text
    page = office.post("/performance/document?period=2026-06", follow_redirects=True).get_data(as_text=True)
    assert "绩效考核表按季度或年度打印" in page
    # Only the office prints the whole team.
    assert client_as(app, "zl_shanggang").post("/performance/document?period=2026-Q2").status_code == 403


# -- the community police's year -------------------------------------------------------------------------------------

def test_the_police_year_counts_leads_and_checks_led_and_the_office_adds_points_with_a_reason(app, month, users):
    from app.audit.models import AuditEvent
    from app.crime.models import CrimeLead
    from app.performance.models import PoliceBonus

    with app.app_context():
        db.session.add(CrimeLead(committee_id=1, summary="疑似群租", reporter_name="测试police_gang1",
                                 recorded_by="测试police_gang1", reported_at=dt.datetime(2026, 5, 2, 1, 0),
                                 due_at=dt.datetime(2026, 5, 9, 1, 0), state="confirmed"))
        db.session.commit()
    office = client_as(app, "office")
    police = str(users["police"])
    for form, words in (({"officer_id": police, "points": "11", "reason": "扎实"}, "大于0且不超过10"),
                        ({"officer_id": police, "points": "0", "reason": "扎实"}, "大于0且不超过10"),
                        ({"officer_id": police, "points": "abc", "reason": "扎实"}, "大于0且不超过10"),
                        ({"officer_id": police, "points": "2", "reason": "  "}, "说明加分理由"),
                        ({"officer_id": str(users["social_worker"]), "points": "2", "reason": "扎实"}, "社区民警"),
                        ({"officer_id": "x", "points": "2", "reason": "扎实"}, "社区民警")):
        page = office.post("/police-year/2026/bonus", data=form, follow_redirects=True).get_data(as_text=True)
        assert words in page, form
    with app.app_context():
        assert db.session.query(PoliceBonus).count() == 0
    office.post("/police-year/2026/bonus", data={"officer_id": police, "points": "2.5", "reason": "基础台账扎实"})
    with app.app_context():
        assert [(b.points, b.reason) for b in db.session.query(PoliceBonus)] == [(2.5, "基础台账扎实")]
        assert db.session.query(AuditEvent).filter_by(action="police_bonus").count() == 1
        from app.notifications.models import Notification

        told = [n.text for n in db.session.query(Notification).filter_by(user_id=users["police"])]
        assert any("酌情加分2.5分" in t and "基础台账扎实" in t for t in told), told
    page = office.get("/police-year/2026").get_data(as_text=True)
    assert 'data-officer="测试police_gang1"' in page
    # The PDF: one lead found (confirmed), four persons checked under his lead, the points and their reason.
    text = _pdf_text(office, office.post("/police-year/2026/document"))
    assert "2026年度社区民警人口管理工作实绩表" in text and "测试police_gang1" in text and "基础台账扎实" in text
    line = next(l for l in text.splitlines() if "测试police_gang1" in l)
    assert line.split()[3:6] == ["1", "1", "4"], line
    # Nobody but the office and the police station reads it; only the office adds points.
    assert client_as(app, "zl_shanggang").get("/police-year/2026").status_code == 403
    assert client_as(app, "police_gang1").get("/police-year/2026").status_code == 403
    station = make_user(app, "station", "police_station")
    assert station and client_as(app, "station").get("/police-year/2026").status_code == 200
    assert client_as(app, "station").post("/police-year/2026/bonus", data={"officer_id": police, "points": "1",
                                                                            "reason": "好"}).status_code == 403


def test_a_year_that_has_not_begun_is_refused(app, users):
    assert client_as(app, "office").get("/police-year/2027").status_code == 400
    assert client_as(app, "office").get("/police-year/abc").status_code == 400


# -- spot inspection and joint action PDFs, and the home page ------------------------------------------------------

FULL = {"item_register_accuracy": "28", "item_changes_on_time": "20", "item_monthly_verification": "18",
        "item_ledgers": "12", "item_service_point": "9.5"}  # 87.5


def test_a_spot_inspection_prints_its_checklist_score_and_findings(app, places, users):
    from app.monthly.models import SpotInspection

    office = client_as(app, "office")
    office.post("/inspections/record", data={"body": "police", "unit": "committee",
                                             "committee_id": str(places["钢一"]["committee"]),
                                             "inspected_on": "2026-06-08", "findings": "楼组长名单未更新",
                                             "note": "", **FULL})
    with app.app_context():
        inspection_id = db.session.query(SpotInspection.id).scalar()
    text = _pdf_text(office, office.post(f"/inspections/{inspection_id}/document"))
    for words in ("人口信息飞行检查记录", "钢一", "派出所", "人口信息准确", "87.5", "楼组长名单未更新", "2026年6月22日",
                  "待整改"):
        assert words in text, words
    # 钢二's social worker cannot have it printed.
    sw2 = make_user(app, "sw_gang2", "social_worker", committees=["钢二"])
    assert sw2 and client_as(app, "sw_gang2").post(f"/inspections/{inspection_id}/document").status_code == 404


def _joint(app, places, escalated_on, stage="escalated", applied_on=None, name="钢一"):
    from app.jointaction.models import JointAction

    with app.app_context():
        action = JointAction(committee_id=places[name]["committee"], house_id=places[name]["houses"][0],
                             reason="拒绝填写居住登记表", stage=stage, escalated_on=escalated_on,
                             escalated_by="sw_gang1", applied_on=applied_on)
        db.session.add(action)
        db.session.commit()
        return action.id


def test_a_joint_action_prints_its_record(app, places, users):
    action_id = _joint(app, places, dt.date(2026, 6, 1), "applied", dt.date(2026, 6, 2))
    text = _pdf_text(client_as(app, "police_gang1"), client_as(app, "police_gang1").post(f"/joint/document/{action_id}"))
    for words in ("专项联勤联动处置记录", "拒绝填写居住登记表", "已向城运平台申请", "2026年6月2日", "钢一上南路100弄1号101室",
                  "已超期"):
        assert words in text, words


def test_the_home_page_shows_open_findings_and_waiting_joint_actions_overdue_first(app, places, users):
    from app.inspections.models import InspectionFinding
    from app.monthly.models import SpotInspection

    with app.app_context():
        for name in ("钢一", "钢二"):
            row = SpotInspection(year=2026, month=5, committee_id=places[name]["committee"], score=70)
            db.session.add(row)
            db.session.flush()
            db.session.add_all([
                InspectionFinding(inspection_id=row.id, committee_id=row.committee_id, text=f"{name}台账缺页",
                                  due_on=dt.date(2026, 6, 20), state="open"),
                InspectionFinding(inspection_id=row.id, committee_id=row.committee_id, text=f"{name}名单未更新",
                                  due_on=dt.date(2026, 6, 1), state="open"),
                InspectionFinding(inspection_id=row.id, committee_id=row.committee_id, text=f"{name}已整改问题",
                                  due_on=dt.date(2026, 6, 1), state="fixed"),
            ])
        db.session.commit()
    later = _joint(app, places, dt.date(2026, 6, 9))            # application due 11 June
    late = _joint(app, places, dt.date(2026, 6, 1))             # application due 3 June: overdue
    _joint(app, places, dt.date(2026, 6, 1), name="钢二")        # another committee's
    _joint(app, places, dt.date(2026, 6, 1), stage="visited", applied_on=dt.date(2026, 6, 2))  # not waiting

    page = client_as(app, "sw_gang1").get("/").get_data(as_text=True)
    card = page.split('id="home-findings"', 1)[1].split("</div></div>", 1)[0]
    assert card.index("钢一名单未更新") < card.index("钢一台账缺页")  # overdue first
    assert "超期" in card and "钢二" not in card and "已整改问题" not in card
    assert 'id="home-joint"' not in page  # the police act on joint actions, not the social worker

    page = client_as(app, "police_gang1").get("/").get_data(as_text=True)
    card = page.split('id="home-joint"', 1)[1].split("</div></div>", 1)[0]
    assert card.index(f"/joint/show/{late}") < card.index(f"/joint/show/{later}")
    assert card.count("/joint/show/") == 2 and "钢二" not in card
    assert 'id="home-findings"' not in page
