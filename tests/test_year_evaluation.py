"""Issue 12 item 7 (年度评先) and item 8's inputs: the year's table from the approved months, frozen when the
office approves the year, unlocked with a reason; Excel and PDF; only the office and the police station see it;
the office's 本月工作重点提示 / 重点工作布置 printed in the bulletins."""
from __future__ import annotations

import io
import subprocess

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from tests.conftest import client_as


def _approve_months(app, users, year, months):
    from app.models import PortalUser
    from app.monthly import service

    with app.app_context():
        office = db.session.get(PortalUser, users["street_office"])
        for month in months:
            service.approve_month(year, month, office)
        db.session.commit()


def _pdf_text(client, response) -> str:
    from app.documents.models import Document

    assert response.status_code == 302
    document = db.session.query(Document).order_by(Document.id.desc()).first()
    pdf = client.get(f"/documents/file/{document.id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()


def test_the_year_is_frozen_when_approved_and_unlocked_with_a_reason(app, users, places):
    from app.monthly.models import CrimeLateEntry

    office = client_as(app, "office")
    # Not every month approved: refused in Chinese, nothing frozen.
    _approve_months(app, users, 2025, range(1, 12))
    page = office.post("/year/2025/approve", follow_redirects=True).get_data(as_text=True)
    assert "请先审核全年各月（尚未审核：12月）" in page
    _approve_months(app, users, 2025, [12])
    assert "年度已审核" in office.post("/year/2025/approve", follow_redirects=True).get_data(as_text=True)
    # A serious violent late entry of 2025 recorded after the approval does not change the frozen table …
    with app.app_context():
        db.session.add(CrimeLateEntry(year=2025, month=6, committee_id=places["钢一"]["committee"],
                                      description="抢劫案涉案人员", serious_violent=True))
        db.session.commit()
    book = load_workbook(io.BytesIO(office.get("/year/2025/xlsx").data))
    rows = {r[0]: r for r in book["居民区"].iter_rows(min_row=3, values_only=True)}
    assert rows["钢一"][-1] == "否"
    # … until the office unlocks the year, with a reason.
    page = office.post("/year/2025/unlock", data={"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "解锁" in page
    office.post("/year/2025/unlock", data={"reason": "补录涉案人员后重新评定"})
    book = load_workbook(io.BytesIO(office.get("/year/2025/xlsx").data))
    rows = {r[0]: r for r in book["居民区"].iter_rows(min_row=3, values_only=True)}
    assert rows["钢一"][-1] == "是"
    with app.app_context():
        text = _pdf_text(office, office.post("/year/2025/document"))
    assert "2025年度人口服务和管理工作考核评先表" in text and "钢一" in text


def test_only_the_office_and_the_police_station_see_the_year(app, users):
    from tests.conftest import make_user

    make_user(app, "station", "police_station")
    assert client_as(app, "station").get("/year/2025").status_code == 200
    assert client_as(app, "station").post("/year/2025/approve").status_code == 403
    for username in ("zl_shanggang", "sw_gang1", "police_gang1"):
        response = client_as(app, username).get("/year/2025")
        assert response.status_code == 403, username
        assert "月均得分" not in response.get_data(as_text=True)


def test_the_offices_notes_are_printed_in_the_bulletins(app, users):
    office = client_as(app, "office")
    office.post("/monthly/month/2026-05/note", data={"period": "month", "text": "做好汛期出租房屋排查"})
    office.post("/monthly/month/2026-05/note", data={"period": "quarter", "text": "全面开展年中实有人口核查"})
    page = office.get("/monthly/month/2026-05").get_data(as_text=True)
    assert "做好汛期出租房屋排查" in page and "全面开展年中实有人口核查" in page
    with app.app_context():
        text = _pdf_text(office, office.post("/monthly/month/2026-05/document", data={"kind": "ranking_bulletin"}))
        assert "本月工作重点提示" in text and "做好汛期出租房屋排查" in text
        text = _pdf_text(office, office.post("/monthly/month/2026-05/document", data={"kind": "quarterly_bulletin"}))
        assert "重点工作布置" in text and "全面开展年中实有人口核查" in text
    # A zone leader may read the month but not write the office's notes.
    zone = client_as(app, "zl_shanggang")
    assert zone.post("/monthly/month/2026-05/note", data={"period": "month", "text": "x"}).status_code == 403
    from app.monthly import service

    with app.app_context():
        assert service.bulletin_note(2026, "month", 5) == "做好汛期出租房屋排查"
