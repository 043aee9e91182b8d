"""The monthly close (issue 7): every cell of a hand-built month's table, every part of the ranking, approval
and freezing, settings after approval, the ladders over a year, the outputs (screen, JSON, PDF, Excel, API,
CLI) and the beat task."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain.idnumber import make_id_number
from app.extensions import db
from tests.conftest import USER_PASSWORD, client_as, make_user

NOW = dt.datetime(2025, 4, 2, 2, 0, tzinfo=dt.timezone.utc)  # 2 April, before the deadline (3rd)


def _committee(name):
    from app.models import Committee

    return db.session.query(Committee).filter_by(name=name).one()


def _persons(n, start=0):
    from app.models import Person

    people = [Person(name=f"核查对象{start + i}", category="migrant",
                     id_number=make_id_number("310115", dt.date(1970, 1, 1) + dt.timedelta(days=start + i), 11))
              for i in range(n)]
    db.session.add_all(people)
    db.session.flush()
    return [p.id for p in people]


def _record(committee_id, person_id, day, result, user_id, *, kind="monthly", hour=2, found=None):
    from app.verification.models import VerificationRecord

    return VerificationRecord(
        checked_on=day, checked_at=dt.datetime(day.year, day.month, day.day, hour, 0), committee_id=committee_id,
        person_id=person_id, result=result, kind=kind, recorded_by_fk=user_id,
        found_name="未登记" if found else None, found_id_number=found)


@pytest.fixture()
def march(app, users):
    """2025-03: 钢一 80 persons (77 correct, 2 should_register of which 1 has no person, 1 should_cancel), one
    person checked twice (the later result counts), one cross check (left out); 钢二 10 correct; others none."""
    with app.app_context():
        office = users["street_office"]
        gang1, gang2 = _committee("钢一").id, _committee("钢二").id
        people = _persons(90)
        records = []
        for i, pid in enumerate(people[:79]):
            result = "correct" if i < 77 else ("should_register" if i == 77 else "should_cancel")
            records.append(_record(gang1, pid, dt.date(2025, 3, 5 + i % 20), result, office))
        # The first person was first found "should_cancel" on 3 March, then correct on 5 March: counts once.
        records.append(_record(gang1, people[0], dt.date(2025, 3, 3), "should_cancel", office))
        # Someone found unregistered (no person): counts once on its own.
        records.append(_record(gang1, None, dt.date(2025, 3, 12), "should_register", office,
                               found=make_id_number("310115", dt.date(1999, 9, 9), 99)))
        # A cross check of a 钢一 person by another zone: reported apart.
        records.append(_record(gang1, people[1], dt.date(2025, 3, 13), "should_cancel", office, kind="cross"))
        for pid in people[79:89]:
            records.append(_record(gang2, pid, dt.date(2025, 3, 20), "correct", office))
        # April and February records do not count in March.
        records.append(_record(gang2, people[89], dt.date(2025, 4, 1), "correct", office))
        records.append(_record(gang2, people[89], dt.date(2025, 2, 28), "correct", office))
        db.session.add_all(records)
        db.session.commit()
        return {"gang1": gang1, "gang2": gang2, "people": people}


def _office(app, users):
    from app.models import PortalUser

    return db.session.get(PortalUser, users["street_office"])


def test_every_cell_of_the_table(app, march):
    from app.domain.organisation import COMMITTEES
    from app.monthly import service

    with app.app_context():
        table = service.table_json(2025, 3)
        direct = service.live_table(2025, 3, direct=True).to_json_dict()
    assert table["month"] == "2025-03" and table["approved"] is False
    assert [r["committee"] for r in table["rows"]] == [c.name for c in COMMITTEES]
    assert [r["seq"] for r in table["rows"]] == list(range(1, 24))
    gang1, gang2 = table["rows"][0], table["rows"][1]
    assert gang1 == {"seq": 1, "committee": "钢一", "total": 80, "should_register": 2, "should_cancel": 1,
                     "correct": 77, "accuracy": 77 / 80, "remark": ""}
    assert gang2 == {"seq": 2, "committee": "钢二", "total": 10, "should_register": 0, "should_cancel": 0,
                     "correct": 10, "accuracy": 1.0, "remark": "核查人数不足80人"}
    for row in table["rows"][2:]:
        assert (row["total"], row["should_register"], row["should_cancel"], row["correct"], row["accuracy"],
                row["remark"]) == (0, 0, 0, 0, None, "核查人数不足80人")
    assert table["totals"] == {"seq": None, "committee": "合计", "total": 90, "should_register": 2,
                               "should_cancel": 1, "correct": 87, "accuracy": 87 / 90, "remark": ""}
    assert {k: v for k, v in direct.items()} == {k: v for k, v in table.items() if k != "approved"}
    from app.monthly import excel

    printed = excel.table_rows(table)
    assert printed[0]["accuracy_text"] == "96.3%" and printed[1]["accuracy_text"] == "100.0%"
    assert printed[2]["accuracy_text"] == "" and printed[-1]["accuracy_text"] == "96.7%"
    with app.app_context():
        assert service.cross_check_counts(2025, 3) == {"钢一": {"total": 1, "should_register": 0,
                                                                "should_cancel": 1, "correct": 0}}


def test_a_later_correction_moves_the_count(app, march):
    """Editing a record through the ORM keeps the maintained table right (it matches the direct query)."""
    from app.monthly import service
    from app.verification.models import VerificationRecord

    with app.app_context():
        record = db.session.scalars(select(VerificationRecord).where(
            VerificationRecord.committee_id == march["gang2"]).order_by(VerificationRecord.id)).first()
        record.result = "should_cancel"
        db.session.commit()
        fast = service.live_table(2025, 3).to_json_dict()
        assert fast == service.live_table(2025, 3, direct=True).to_json_dict()
        assert fast["rows"][1]["should_cancel"] == 1 and fast["rows"][1]["correct"] == 9
        db.session.delete(record)
        db.session.commit()
        assert service.live_table(2025, 3).to_json_dict()["rows"][1]["total"] == 9


def test_every_part_of_the_score(app, march):
    from app.monthly import service
    from app.monthly.models import CrimeLateEntry, SpotInspection

    with app.app_context():
        db.session.add_all([SpotInspection(year=2025, month=3, committee_id=march["gang1"], score=80),
                            CrimeLateEntry(year=2025, month=3, committee_id=march["gang2"], description="线索")])
        db.session.commit()
        ranking = {r["committee"]: r for r in service.compute_month(2025, 3)["ranking"]}
    g1, g2, hc = ranking["钢一"]["points"], ranking["钢二"]["points"], ranking["花城"]["points"]
    # Default weights 30/40/30, spot inspections 0 in the month (a reference for the year's awards).
    assert (g1["quantity"], g1["accuracy"], g1["timeliness"], g1["spot_inspection"], g1["penalty"],
            g1["scale_factor"]) == (30, 38.5, 30, 0, 0, 1)
    assert g1["total"] == 98.5
    assert (g2["quantity"], g2["accuracy"], g2["timeliness"], g2["spot_inspection"], g2["penalty"]) == \
        (3.75, 40, 30, None, 5)
    assert g2["scale_factor"] == 1 and g2["total"] == 68.75
    assert hc["total"] == 30
    assert ranking["钢一"]["rank"] == 1 and ranking["钢二"]["rank"] == 2
    # 21 committees tie on 30 with nothing checked: they share the 3rd place, all of them last.
    assert ranking["钢三"]["rank"] == 3 and ranking["花城"]["rank"] == 3


def test_submission_on_time_and_late(app, march, users):
    from app.models import PortalUser, Zone
    from app.monthly import service
    from app.monthly.service import CloseRefused

    with app.app_context():
        leader = db.session.get(PortalUser, users["zone_leader"])
        shanggang = db.session.query(Zone).filter_by(code="shanggang").one()
        jiyang = db.session.query(Zone).filter_by(code="jiyang").one()
        assert service.submit_zone(2025, 3, shanggang.id, leader, now=NOW).on_time is True
        with pytest.raises(CloseRefused):
            service.submit_zone(2025, 3, jiyang.id, leader, now=NOW)  # not his zone
        with pytest.raises(CloseRefused):
            service.submit_zone(2025, 3, shanggang.id, leader, now=NOW)  # twice
        late = service.submit_zone(2025, 3, jiyang.id, _office(app, users), now=NOW + dt.timedelta(days=3))
        assert late.on_time is False
        status = {s["zone"].code: s["submission"] for s in service.submissions(2025, 3)}
        assert status["dezhou"] is None and status["shanggang"].on_time and not status["jiyang"].on_time


def test_approval_freezes_the_month_and_an_unlock_is_audited(app, march, users):
    from app.models import AuditEvent
    from app.monthly import service
    from app.monthly.service import CloseRefused, MonthFrozen

    with app.app_context():
        office = _office(app, users)
        with pytest.raises(CloseRefused):
            service.approve_month(2025, 3, db.session.get(type(office), users["zone_leader"]), now=NOW)
        service.approve_month(2025, 3, office, now=NOW)
        assert service.is_month_frozen(march["gang1"], dt.date(2025, 3, 31))
        assert not service.is_month_frozen(march["gang1"], dt.date(2025, 4, 1))
        db.session.add(_record(march["gang1"], march["people"][85], dt.date(2025, 3, 30), "correct",
                               users["street_office"]))
        with pytest.raises(MonthFrozen):
            db.session.commit()
        db.session.rollback()
        service.unlock_month(2025, 3, march["gang1"], "补录漏登记录", office)
        assert not service.is_month_frozen(march["gang1"], dt.date(2025, 3, 31))
        assert service.is_month_frozen(march["gang2"], dt.date(2025, 3, 31))
        db.session.add(_record(march["gang1"], march["people"][85], dt.date(2025, 3, 30), "correct",
                               users["street_office"]))
        db.session.commit()
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "month_unlock")
                                   .order_by(AuditEvent.id.desc())).first()
        assert "补录漏登记录" in event.detail and event.committee_id == march["gang1"]
        # The approved snapshot does not change silently; approving again (which relocks) takes the new record.
        assert service.table_json(2025, 3)["rows"][0]["total"] == 80
        service.approve_month(2025, 3, office, now=NOW)
        assert service.table_json(2025, 3)["rows"][0]["total"] == 81
        assert service.is_month_frozen(march["gang1"], dt.date(2025, 3, 31))


def test_a_weight_change_after_approval_keeps_the_approved_ranking(app, march, users):
    from app.monthly import service

    with app.app_context():
        service.approve_month(2025, 3, _office(app, users), now=NOW)
        before = service.month_data(2025, 3)["ranking"]
        service.save_settings({"weight_quantity": 60, "weight_accuracy": 10}, "office")
        after = service.month_data(2025, 3)
        assert after["ranking"] == before and after["rules"]["weight_quantity"] == 30
        assert service.month_data(2025, 4)["rules"]["weight_quantity"] == 60
        from app.monthly.service import CloseRefused

        with pytest.raises(CloseRefused):  # Rules refuses all-zero weights
            service.save_settings({"weight_quantity": 0, "weight_accuracy": 0, "weight_timeliness": 0}, "office")


def test_months_with_nothing_recorded_create_no_talk(app, users):
    """Before issue 12 nobody-checked months still named 花城 last (table order) every month. Now they are
    inactive: no talk, whatever the penalties (the ledger itself: tests/test_monthly_ladders.py)."""
    from app.monthly import service
    from app.monthly.models import CrimeLateEntry, Talk

    with app.app_context():
        office = _office(app, users)
        db.session.add(CrimeLateEntry(year=2025, month=1, committee_id=_committee("钢三").id, description="x"))
        db.session.commit()
        for month in (1, 2):
            service.approve_month(2025, month, office, now=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
        assert db.session.query(Talk).count() == 0
        ranking = service.month_data(2025, 2)["ranking"]
        assert {r["rank"] for r in ranking} == {1}  # all 23 equal: they share the place


def test_screen_json_api_and_permissions(app, march, users):
    office = client_as(app, "office")
    html = office.get("/monthly/month/2025-03").get_data(as_text=True)
    assert "2025年3月居民区实有人口核查月报表" in html and "合计" in html and "96.3%" in html
    assert html.count('class="warning under-quota"') == 22
    assert office.get("/monthly/month/2025-13").status_code == 400
    assert office.get("/monthly/").status_code == 200
    assert office.get("/monthly/ladders?year=2025").status_code == 200
    assert office.get("/monthly/settings/").status_code == 200
    xlsx = office.get("/monthly/month/2025-03/xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    token = app.test_client().post("/api/v1/security/login", json={
        "username": "office", "password": USER_PASSWORD, "provider": "db"}).get_json()["access_token"]
    api = app.test_client()
    response = api.get("/api/v1/monthly/2025-03", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["rows"][0]["accuracy"] == 77 / 80 and body["totals"]["total"] == 90
    assert set(body["rows"][0]) == {"seq", "committee", "total", "should_register", "should_cancel", "correct",
                                    "accuracy", "remark"}
    assert api.get("/api/v1/monthly/2025-3", headers={"Authorization": f"Bearer {token}"}).status_code == 400
    assert api.get("/api/v1/monthly/2025-03").status_code == 401
    worker = client_as(app, "sw_gang1")
    assert worker.get("/monthly/month/2025-03").status_code == 403
    zone = client_as(app, "zl_shanggang")
    assert zone.get("/monthly/month/2025-03").status_code == 200
    assert zone.post("/monthly/month/2025-03/approve").status_code == 403
    with app.app_context():
        from app.monthly.models import MonthClose

        assert db.session.query(MonthClose).filter_by(state="approved").count() == 0


def _pdf_checks(data: bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    return float(box.width), float(box.height), reader.pages[0].extract_text()


def test_cli_outputs(app, runner, march, tmp_path):
    from openpyxl import load_workbook

    result = runner.invoke(args=["report", "monthly", "--month", "2025-03", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rows"][0]["total"] == 80 and data["totals"]["committee"] == "合计"

    out = tmp_path / "t.xlsx"
    result = runner.invoke(args=["report", "monthly", "--month", "2025-03", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:H1", "A2:A3", "B2:B3", "C2:F2", "G2:G3", "H2:H3", "A27:B27"} <= merged
    assert sheet["A1"].value == "2025年3月居民区实有人口核查月报表"
    assert [sheet[c].value for c in ("A2", "B2", "C2", "G2", "H2")] == \
        ["序号", "居委", "总核查人数(每个居委不低于80人)", "正确率", "备注"]
    assert [sheet[c].value for c in ("C3", "D3", "E3", "F3")] == \
        ["小计", "其中:应登未登人数", "其中:应消未消人数", "其中:正确人数"]
    assert [c.value for c in sheet[4]] == [1, "钢一", 80, 2, 1, 77, "96.3%", None]
    assert [c.value for c in sheet[5]][-1] == "核查人数不足80人"
    assert [c.value for c in sheet[27]][2:7] == [90, 2, 1, 87, "96.7%"]

    out = tmp_path / "t.pdf"
    result = runner.invoke(args=["report", "monthly", "--month", "2025-03", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    width, height, text = _pdf_checks(out.read_bytes())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    assert "居民区实有人口核查月报表" in text and "96.3%" in text

    result = runner.invoke(args=["report", "monthly", "--month", "2025-3"])
    assert result.exit_code != 0 and "YYYY-MM" in result.output


def test_documents_through_the_pipeline(app, march, users):
    from app.documents import jobs
    from app.documents import service as documents
    from app.monthly import service

    with app.app_context():
        office = _office(app, users)
        service.approve_month(2025, 3, office, now=NOW)
        for kind, params in (("monthly_table", {"month": "2025-03"}), ("ranking_bulletin", {"month": "2025-03"}),
                             ("party_report", {"month": "2025-03"}), ("quarterly_bulletin", {"year": 2025,
                                                                                             "quarter": 1})):
            document = jobs.request_document(kind, None, office, params=params)
            assert document.state == "done", (kind, document.error_code, document.error_detail)
            data = documents.document_file(document).read_bytes()
            if os.environ.get("MONTHLY_PDF_DIR"):  # to look at them: pdftoppm -png -r 70
                (Path(os.environ["MONTHLY_PDF_DIR"]) / f"{kind}.pdf").write_bytes(data)
            width, height, _text = _pdf_checks(data)
            assert (round(width), round(height)) == ((842, 595) if kind == "monthly_table" else (595, 842))
        talk = service.month_talks(2025, 3)[0]
        notice = jobs.request_document("talk_notice", talk.committee_id, office, params={"talk_id": talk.id})
        assert notice.state == "done", notice.error_detail
        data = documents.document_file(notice).read_bytes()
        if os.environ.get("MONTHLY_PDF_DIR"):
            (Path(os.environ["MONTHLY_PDF_DIR"]) / "talk_notice.pdf").write_bytes(data)
        assert "约谈通知书" in _pdf_checks(data)[2]


def test_committee_staff_read_their_own_talks(app, users):
    from app.monthly.models import Talk

    with app.app_context():
        for name in ("钢一", "钢二"):
            db.session.add(Talk(year=2025, month=1 if name == "钢一" else 2, target="committee",
                                committee_id=_committee(name).id, times_last=1, rung=1, rung_code="x", kind="约谈",
                                who_talks="平安办", to_whom=f"{name}居民区综合管理社工", reason="末位"))
        db.session.commit()
    html = client_as(app, "sw_gang1").get("/talks/list/").get_data(as_text=True)
    assert "钢一居民区综合管理社工" in html and "钢二居民区" not in html


def test_the_first_of_the_month_drafts_and_notifies_zone_leaders(app, users):
    from app.changes.models import Notification
    from app.monthly import service
    from app.schedule import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["monthly-draft-last-month"]["task"] == "monthly.draft_last_month"
    with app.app_context():
        first = service.draft_month(2025, 3)
        again = service.draft_month(2025, 3)
        assert first["notified"] >= 1 and again["notified"] == 0
        note = db.session.scalars(select(Notification).where(Notification.user_id == users["zone_leader"])
                                  .order_by(Notification.id.desc())).first()
        assert "2025年3月" in note.text and note.link == "/monthly/month/2025-03"
        assert service.get_close(2025, 3).drafted_at is not None
        db.session.commit()  # the service leaves the commit to its caller; the task below runs in its own session
        task = app.extensions["celery"].tasks["monthly.draft_last_month"]
        assert task.apply().get()["month"]  # runs eagerly for last month
