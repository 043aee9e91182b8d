"""A talk notice (约谈通知书) from the talk page: a button on the talk, a request, then the download (issue 13
item 6); no 新增 on the talks list (talks come from an approved month)."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.monthly.models import Talk
from tests.conftest import USER_PASSWORD, client_as, make_user


@pytest.fixture()
def talk(app, places):
    with app.app_context():
        row = Talk(year=2026, month=5, target="committee", committee_id=places["钢一"]["committee"], times_last=1,
                   rung=1, rung_code="committee_1", kind="约谈", who_talks="街道分管领导",
                   to_whom="钢一居民区社工", reason="2026年5月排名末位")
        db.session.add(row)
        db.session.commit()
        talk_id = row.id
    yield talk_id


def test_the_talk_page_requests_a_notice_and_the_document_page_offers_the_download(app, talk, users):
    office = client_as(app, "office")
    show = office.get(f"/talks/show/{talk}").get_data(as_text=True)
    assert f'action="/talks/notice/{talk}"' in show and "约谈通知书" in show
    response = office.post(f"/talks/notice/{talk}")
    assert response.status_code == 302
    page = office.get(response.headers["Location"])
    assert page.status_code == 200 and page.mimetype == "text/html"  # a page, not raw JSON
    with app.app_context():
        from app.documents.models import Document

        document = db.session.query(Document).order_by(Document.id.desc()).first()
        assert document.kind == "talk_notice"
    # embedded default: rendered in-process, so the file is there
    pdf = office.get(f"/documents/file/{document.id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_talk_of_another_committee_gives_no_notice(app, talk, places):
    make_user(app, "sw_gang2", "social_worker", committees=["钢二"])
    other = client_as(app, "sw_gang2")
    assert other.get(f"/talks/show/{talk}").status_code == 404
    assert other.post(f"/talks/notice/{talk}").status_code == 404


def test_no_add_button_on_the_talks_list(app, talk, users):
    office = client_as(app, "office")
    page = office.get("/talks/list/").get_data(as_text=True)
    assert "/talks/add" not in page
    assert office.get("/talks/add").status_code == 404
