"""Document requests name their month or quarter (issue 14 item 7): the form offers them, the document is rendered
for the one chosen, and its title and file name carry it (2026年5月, 2026年第2季度)."""
from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from app.documents.models import Document
from app.domain import periods
from app.extensions import db


# -- the pure part -------------------------------------------------------------------------------------------------

def test_labels_keys_and_params():
    may = periods.parse_key("month", "2026-05")
    assert (may.label, may.key, may.params()) == ("2026年5月", "2026-05", {"month": "2026-05"})
    q2 = periods.parse_key("quarter", "2026-Q2")
    assert (q2.label, q2.key, q2.params()) == ("2026年第2季度", "2026-Q2", {"year": 2026, "quarter": 2})
    assert periods.from_params(may.params()) == may and periods.from_params(q2.params()) == q2
    assert periods.from_params({"period": "2026-q2"}) == q2
    assert periods.from_params({}) is None and periods.from_params({"case_id": 3}) is None
    assert periods.from_params({"month": "2026-13"}) is None
    assert periods.titled("月度核查统计表", may) == "月度核查统计表（2026年5月）"
    assert periods.titled("文档", None) == "文档"


@pytest.mark.parametrize("kind, text", [("month", "2026-13"), ("month", "2026-Q2"), ("quarter", "2026-Q5"),
                                        ("quarter", "2026-05"), ("month", "1999-01"), ("year", "2026-05"),
                                        ("month", ""), ("month", None), ("month", "2026-5")])
def test_what_is_not_a_period_is_refused(kind, text):
    with pytest.raises(ValueError):
        periods.parse_key(kind, text)


def test_choices_run_back_across_the_new_year_and_the_default_is_the_last_finished_one():
    today = dt.date(2026, 2, 10)
    assert [p.key for p in periods.choices("month", today, 4)] == ["2026-02", "2026-01", "2025-12", "2025-11"]
    assert [p.key for p in periods.choices("quarter", today, 3)] == ["2026-Q1", "2025-Q4", "2025-Q3"]
    assert periods.default("month", today).key == "2026-01"
    assert periods.default("quarter", today).key == "2025-Q4"


# -- the request form ----------------------------------------------------------------------------------------------

def _requested(app, response) -> Document:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    document_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        return db.session.get(Document, document_id)


def test_the_form_offers_months_and_quarters_and_the_title_and_file_carry_the_choice(app, admin_client,
                                                                                    clean_documents):
    html = admin_client.get("/documents/request").get_data(as_text=True)
    # the test clock is 10 June 2026: last month and last quarter are proposed
    assert 'name="month"' in html and 'name="quarter"' in html
    assert '<option selected value="2026-05">2026年5月</option>' in html
    assert '<option selected value="2026-Q1">2026年第1季度</option>' in html
    assert "2024年7月" in html  # two years back

    document = _requested(app, admin_client.post("/documents/request", data={
        "kind": "monthly_table", "committee": "all", "month": "2026-04", "quarter": "2026-Q1"}))
    assert document.params == {"month": "2026-04"}
    assert document.title.endswith("（2026年4月）")
    assert document.state == "done", (document.error_code, document.error_detail)
    pdf = admin_client.get(f"/documents/file/{document.id}")
    assert pdf.status_code == 200
    assert "2026年4月" in unquote(pdf.headers["Content-Disposition"])

    document = _requested(app, admin_client.post("/documents/request", data={
        "kind": "quarterly_bulletin", "committee": "all", "month": "2026-04", "quarter": "2025-Q4"}))
    assert document.params == {"year": 2025, "quarter": 4}
    assert document.title.endswith("（2025年第4季度）")


def test_a_period_the_form_cannot_name_is_refused_without_a_job(app, admin_client, clean_documents):
    for month in ("2026-13", "x", "2026-07", "2019-01", "2026-5"):
        response = admin_client.post("/documents/request", data={"kind": "monthly_table", "committee": "all",
                                                                  "month": month})
        assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Document.id)).all() == []
    # a request without the field at all (a page from before): the last finished month, named in the title
    document = _requested(app, admin_client.post("/documents/request", data={"kind": "monthly_table",
                                                                            "committee": "all"}))
    assert document.params == {"month": "2026-05"} and document.title.endswith("（2026年5月）")


def test_the_month_page_documents_carry_their_month(app, admin_client, clean_documents):
    document = _requested(app, admin_client.post("/monthly/month/2026-03/document", data={"kind": "ranking_bulletin"}))
    assert document.title.endswith("（2026年3月）")
    document = _requested(app, admin_client.post("/monthly/month/2026-03/document",
                                                 data={"kind": "quarterly_bulletin"}))
    assert document.title.endswith("（2026年第1季度）")
