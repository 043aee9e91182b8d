from dataclasses import replace

import pytest

from app.domain.ranking import (
    CommitteeMonth, MemberMonth, eligible_members, last_placed, month_has_activity, rank_committees,
    rank_team_members,
)
from app.domain.rules import DEFAULT_RULES

cm = CommitteeMonth.from_counts
# The weights before issue 12 (30/30/25/15, one committee per place): the hand computations below use them.
OLD = replace(DEFAULT_RULES, weight_accuracy=30, weight_timeliness=25, weight_spot_inspection=15,
              ties_share_place=False)


def test_hand_computed_scores():
    months = [
        # 30 + 30×0.95 + 25×9/10 + 15×0.90 = 30 + 28.5 + 22.5 + 13.5 = 94.5
        cm(1, "钢一", checked=80, correct=76, changes_total=10, changes_on_time=9, spot_score=90),
        # no spot inspection: (15 + 30 + 25) × 100/85 − 5 = 82.35 − 5 = 77.35
        cm(2, "钢二", checked=40, correct=40, late_crime_leads=1),
        # nobody checked: 0 + 0 + 25×2/4 + 15×0.5 = 20
        cm(3, "钢三", checked=0, correct=0, changes_total=4, changes_on_time=2, spot_score=50),
    ]
    a, b, c = rank_committees(months, OLD)
    assert (a.committee, a.rank, a.total) == ("钢一", 1, pytest.approx(94.5))
    assert (a.quantity, a.accuracy, a.timeliness, a.spot_inspection) == pytest.approx((30, 28.5, 22.5, 13.5))
    assert a.scale_factor == 1 and a.penalty == 0
    assert (b.committee, b.rank) == ("钢二", 2)
    assert b.spot_inspection is None
    assert b.timeliness == 25  # no changes: nothing to be late on
    assert b.display_points()["total"] == 77.35
    assert b.display_points()["scale_factor"] == 1.1765
    assert b.penalty == 5
    assert (c.committee, c.rank, c.total, c.accuracy) == ("钢三", 3, 20, 0)
    assert [s.committee for s in last_placed([a, b, c])] == ["钢三"]


def test_quantity_is_capped_at_the_quota():
    over = rank_committees([cm(1, "钢一", 200, 200, spot_score=100)], OLD)[0]
    assert over.quantity == 30 and over.total == 100


def test_equal_scores_higher_accuracy_wins():
    # 钢五: 30 + 27 (0.9) + 25 + 15 = 97; 钢四: 27 (72/80) + 30 (1.0) + 25 + 15 = 97.
    ranked = rank_committees([cm(4, "钢四", 72, 72, spot_score=100), cm(5, "钢五", 80, 72, spot_score=100)], OLD)
    assert ranked[0].total == ranked[1].total == 97
    assert [s.committee for s in ranked] == ["钢四", "钢五"]


def test_equal_scores_and_accuracy_more_checked_wins_then_table_order():
    ranked = rank_committees([
        cm(7, "钢七", 90, 81, spot_score=80),
        cm(6, "钢六", 90, 81, spot_score=80),
        cm(9, "钢十", 100, 90, spot_score=80),
    ], OLD)
    assert [s.committee for s in ranked] == ["钢十", "钢六", "钢七"]
    assert [s.rank for s in ranked] == [1, 2, 3]


def test_default_weights_are_30_40_30_with_spot_inspections_out_of_the_month():
    # 30×0.5 + 40×0.75 + 30×(1/2) = 15 + 30 + 15 = 60; a spot inspection changes nothing at weight 0.
    plain = rank_committees([cm(1, "钢一", 40, 30, changes_total=2, changes_on_time=1)])[0]
    inspected = rank_committees([cm(1, "钢一", 40, 30, changes_total=2, changes_on_time=1, spot_score=10)])[0]
    assert plain.total == inspected.total == 60 and plain.scale_factor == 1


def test_committees_still_equal_share_the_place_and_are_all_last():
    ranked = rank_committees([cm(seq, name, 0, 0) for seq, name in [(1, "钢一"), (2, "钢二"), (23, "花城")]]
                             + [cm(5, "钢五", 10, 10)])
    assert [(s.committee, s.rank) for s in ranked] == [("钢五", 1), ("钢一", 2), ("钢二", 2), ("花城", 2)]
    assert [s.committee for s in last_placed(ranked)] == ["钢一", "钢二", "花城"]
    # The setting may choose table order instead: 花城 alone last.
    old = rank_committees([cm(1, "钢一", 0, 0), cm(23, "花城", 0, 0)], replace(DEFAULT_RULES, ties_share_place=False))
    assert [s.committee for s in last_placed(old)] == ["花城"]


def test_a_month_with_nothing_checked_or_changed_has_no_activity():
    assert not month_has_activity([cm(1, "钢一", 0, 0), cm(2, "钢二", 0, 0)])
    assert month_has_activity([cm(1, "钢一", 0, 0), cm(2, "钢二", 0, 0, changes_total=1)])
    assert month_has_activity([cm(1, "钢一", 1, 0)])


def test_weights_come_from_the_rules():
    rules = replace(DEFAULT_RULES, weight_quantity=40, weight_accuracy=40, weight_timeliness=20,
                    weight_spot_inspection=0, penalty_per_late_crime_lead=10)
    s = rank_committees([cm(1, "钢一", 40, 30, late_crime_leads=2)], rules)[0]
    # 40×0.5 + 40×0.75 + 20 = 70, nothing to scale (spot weight 0), − 20
    assert s.scale_factor == 1 and s.total == 50


def test_inconsistent_input_is_refused():
    with pytest.raises(ValueError):
        CommitteeMonth(1, "钢一", 80, 70, 0.5, 0, 0, None, 0)  # accuracy does not match 70/80
    with pytest.raises(ValueError):
        CommitteeMonth(1, "钢一", 0, 0, 0.0, 0, 0, None, 0)  # accuracy must be None with nobody checked
    with pytest.raises(ValueError):
        cm(1, "钢一", 80, 70, changes_total=2, changes_on_time=3)
    with pytest.raises(ValueError):
        cm(1, "钢一", 80, 70, spot_score=120)
    with pytest.raises(ValueError):
        rank_committees([cm(1, "钢一", 1, 1), cm(1, "钢一", 2, 2)])
    assert CommitteeMonth(1, "钢一", 80, 70, 0.875, 0, 0, None, 0).exact_accuracy == 0.875


def test_team_members():
    ranked = rank_team_members([
        MemberMonth("m3", "王五", 0, 0),          # 0
        MemberMonth("m2", "李四", 30, 30),        # 50×0.5 + 50×1 = 75
        MemberMonth("m1", "张三", 60, 57),        # 50 + 50×0.95 = 97.5
        MemberMonth("m4", "赵六", 120, 60),       # 50 + 25 = 75, less accurate than 李四
    ], OLD)
    assert [(m.name, m.rank, m.total) for m in ranked] == [
        ("张三", 1, 97.5), ("李四", 2, 75), ("赵六", 3, 75), ("王五", 4, 0)]
    with pytest.raises(ValueError):
        MemberMonth("m5", "钱七", 10, 11)


def test_only_team_members_who_worked_the_month_are_ranked():
    months = [MemberMonth(1, "管理员", 200, 200), MemberMonth(2, "张三", 30, 30), MemberMonth(3, "李四", 9, 9),
              MemberMonth(4, "王五", 0, 0), MemberMonth(5, "赵六", 10, 5)]
    chosen = eligible_members(months, team_member_ids=[2, 3, 4, 5])  # 1 is the administrator
    assert [m.name for m in chosen] == ["张三", "赵六"]  # 李四 and 王五 below the minimum of 10 checks
    assert [m.name for m in eligible_members(months, [2, 3, 4, 5], replace(DEFAULT_RULES, member_min_checks=0))] \
        == ["张三", "李四", "赵六"]  # 0 checks is never "worked"
    ranked = rank_team_members([MemberMonth(2, "张三", 30, 30), MemberMonth(6, "钱七", 30, 30)])
    assert [m.rank for m in ranked] == [1, 1]  # equal members share the place
