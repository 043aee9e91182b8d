from dataclasses import replace
from datetime import date, datetime, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

from app.domain.monthly_table import (
    CommitteeCounts,
    VerificationRecord,
    build_monthly_table,
    count_results,
    format_accuracy,
    latest_result_per_person,
)
from app.domain.organisation import COMMITTEES
from app.domain.rules import DEFAULT_RULES

SH = ZoneInfo("Asia/Shanghai")


def may_table(rules=DEFAULT_RULES):
    counts = {1: CommitteeCounts(should_register=1, should_cancel=2, correct=77), 2: (5, 0, 70)}
    return build_monthly_table(2024, 5, COMMITTEES, counts, rules)


def test_every_committee_in_table_order_with_a_total_row():
    table = may_table()
    assert [r.committee for r in table.rows][:3] == ["钢一", "钢二", "钢三"]
    assert len(table.rows) == 23
    assert [r.seq for r in table.rows] == list(range(1, 24))
    assert "钢八" not in [r.committee for r in table.rows]
    assert table.totals.committee == "合计"
    assert table.title == "2024年5月居民区实有人口核查月报表"


def test_hand_computed_rows():
    table = may_table()
    gang1, gang2, gang3 = table.rows[:3]
    assert (gang1.total, gang1.should_register, gang1.should_cancel, gang1.correct) == (80, 1, 2, 77)
    assert gang1.accuracy == 77 / 80
    assert gang1.accuracy_text() == "96.3%"  # 96.25 rounds half up, as by hand
    assert not gang1.under_quota and gang1.remark == ""
    assert gang2.total == 75 and gang2.accuracy_text() == "93.3%"
    assert gang2.under_quota and gang2.remark == "核查人数不足80人"
    # No verification at all: zeros, blank accuracy, marked.
    assert gang3.total == 0 and gang3.accuracy is None and gang3.accuracy_text() == ""
    assert gang3.under_quota


def test_totals_accuracy_comes_from_summed_counts():
    t = may_table().totals
    assert (t.total, t.should_register, t.should_cancel, t.correct) == (155, 6, 2, 147)
    assert t.accuracy == 147 / 155
    assert t.accuracy_text() == "94.8%"
    assert not t.under_quota and t.remark == ""


def test_quota_comes_from_the_rules():
    table = may_table(replace(DEFAULT_RULES, monthly_quota_per_committee=100))
    assert table.rows[0].under_quota
    assert table.rows[0].remark == "核查人数不足100人"
    assert len(table.under_quota_committees) == 23


def test_json_shape():
    data = may_table().to_json_dict()
    assert set(data) == {"month", "rows", "totals"}
    assert data["month"] == "2024-05"
    keys = {"seq", "committee", "total", "should_register", "should_cancel", "correct", "accuracy", "remark"}
    assert set(data["rows"][0]) == keys and set(data["totals"]) == keys
    assert data["rows"][0]["accuracy"] == 0.9625
    assert data["rows"][2]["accuracy"] is None
    assert data["totals"]["seq"] is None


def test_format_accuracy():
    assert format_accuracy(0.963) == "96.3%"
    assert format_accuracy(0.9625) == "96.3%"
    assert format_accuracy(Fraction(26, 27)) == "96.3%"
    assert format_accuracy(1.0) == "100.0%"
    assert format_accuracy(0.0) == "0.0%"
    assert format_accuracy(Fraction(2, 3), 2) == "66.67%"
    assert format_accuracy(Fraction(2, 3), 0) == "67%"
    assert format_accuracy(None) == ""


def sh(*args):
    return datetime(*args, tzinfo=SH)


def test_latest_result_per_person_default_counting_rule():
    records = [
        # p1 in committee 1: wrong early in the month, corrected later → counts once, as correct.
        VerificationRecord("p1", 1, sh(2024, 5, 3, 10), "should_register"),
        VerificationRecord("p1", 1, sh(2024, 5, 20, 10), "correct", "self_declared"),
        # A cross check is reported apart: ignored even though it is the latest.
        VerificationRecord("p1", 1, sh(2024, 5, 25, 10), "should_cancel", "cross"),
        # The same person in another committee counts there too.
        ("p1", 2, sh(2024, 5, 4, 10), "should_cancel"),
        # 23:30 UTC on 30 April is 1 May in Shanghai: counts in May.
        VerificationRecord("p2", 1, datetime(2024, 4, 30, 23, 30, tzinfo=timezone.utc), "should_cancel"),
        # 17:00 UTC on 31 May is 1 June in Shanghai: not in May.
        VerificationRecord("p3", 1, datetime(2024, 5, 31, 17, 0, tzinfo=timezone.utc), "correct"),
        # Same instant twice: the later saved record (higher id) wins.
        VerificationRecord("p4", 1, sh(2024, 5, 8, 9), "correct", "monthly", 11),
        VerificationRecord("p4", 1, sh(2024, 5, 8, 9), "should_register", "monthly", 10),
        # A bare date counts as that local day.
        VerificationRecord("p5", 2, date(2024, 5, 31), "correct"),
    ]
    latest = latest_result_per_person(records, 2024, 5)
    assert {k: r.result for k, r in latest.items()} == {
        (1, "p1"): "correct",
        (2, "p1"): "should_cancel",
        (1, "p2"): "should_cancel",
        (1, "p4"): "correct",
        (2, "p5"): "correct",
    }
    counts = count_results(latest)
    assert counts[1] == CommitteeCounts(should_register=0, should_cancel=1, correct=2)
    assert counts[2] == CommitteeCounts(should_register=0, should_cancel=1, correct=1)
    table = build_monthly_table(2024, 5, COMMITTEES, counts)
    assert table.rows[0].total == 3 and table.rows[1].total == 2 and table.totals.total == 5
