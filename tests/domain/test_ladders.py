import pytest

from app.domain.ladders import committee_rung, ladder_for_year, police_rung, team_member_rung


def test_committee_last_in_january_april_november_climbs_three_rungs():
    ladder = ladder_for_year([11, 1, 4])
    assert [(m, r.number) for m, r in ladder] == [(1, 1), (4, 2), (11, 3)]
    assert ladder[0][1].to_whom == "综合管理社工"
    assert ladder[0][1].who_talks == "平安办、派出所人口管理专职干部"
    assert ladder[1][1].to_whom == "居委会主任"
    assert ladder[2][1].to_whom == "居民区党总支书记"
    assert all(r.kind == "约谈" for _, r in ladder)


def test_committee_last_once_gets_first_rung():
    assert [(m, r.code) for m, r in ladder_for_year([6])] == [(6, "committee_talk_social_worker")]


def test_fourth_and_later_stay_on_top_rung():
    assert committee_rung(4) == committee_rung(3)
    assert committee_rung(12).number == 3


def test_police_ladder_reminder_talk_criticism():
    assert [police_rung(n).kind for n in (1, 2, 3, 5)] == ["提醒谈话", "约谈", "通报批评", "通报批评"]
    assert police_rung(1).who_talks == "派出所分管副所长"
    assert police_rung(2).who_talks == "派出所所长"
    assert [m for m, _ in ladder_for_year([2, 3], police_rung)] == [2, 3]


def test_team_member_supervisor_then_deputy_head():
    assert team_member_rung(1).who_talks == "综合协管队主管"
    assert team_member_rung(2).who_talks == "街道人口办副主任"
    assert team_member_rung(7) == team_member_rung(2)


@pytest.mark.parametrize("bad", [[0], [13], [3, 3]])
def test_bad_months_refused(bad):
    with pytest.raises(ValueError):
        ladder_for_year(bad)


def test_zero_times_refused():
    with pytest.raises(ValueError):
        committee_rung(0)


# The year's talks as a function of its approved months (issue 12) --------------------------------------------

import random

from app.domain.ladders import LadderStep, MonthOutcome, year_ladders


def _year():
    """钢三 (3) last in Jan, Apr, Nov; 德一 (12) in Jun; 钢三 and 钢四 tied for last in Aug. Officer 501 leads 钢三
    and 钢四, officer 502 德一. Nothing recorded in December. Team member 9 last in Jan and Feb."""
    police = {3: (501,), 4: (501,), 12: (502,)}
    months = {1: (3,), 2: (5,), 4: (3,), 6: (12,), 8: (3, 4), 11: (3,)}
    outcomes = [MonthOutcome(m, True, months.get(m, (7,)), {c: police.get(c, ()) for c in months.get(m, (7,))},
                             (9,) if m in (1, 2) else (10,)) for m in range(1, 12)]
    outcomes.append(MonthOutcome(12, False, tuple(range(1, 24)), {}, ()))
    return outcomes


def _committee_steps(steps, committee):
    return [(s.month, s.times, s.rung.number) for s in steps if s.target == "committee" and s.subject == committee]


def test_approval_order_does_not_matter():
    outcomes = _year()
    in_order = year_ladders(outcomes)
    for seed in range(5):
        shuffled = outcomes[:]
        random.Random(seed).shuffle(shuffled)
        assert year_ladders(shuffled) == in_order


def test_committee_ladder_counts_the_year_in_month_order():
    steps = year_ladders(_year())
    assert _committee_steps(steps, 3) == [(1, 1, 1), (4, 2, 2), (8, 3, 3), (11, 4, 3)]
    assert _committee_steps(steps, 4) == [(8, 1, 1)]  # tied for last: both climb
    assert _committee_steps(steps, 12) == [(6, 1, 1)]


def test_police_ladder_counts_per_officer_across_his_committees():
    steps = [s for s in year_ladders(_year()) if s.target == "police"]
    officer = [(s.month, s.times, s.rung.kind, s.committees) for s in steps if s.subject == 501]
    # 钢三 and 钢四 take turns: the officer still climbs; both last in August counts once for him.
    assert officer == [(1, 1, "提醒谈话", (3,)), (4, 2, "约谈", (3,)), (8, 3, "通报批评", (3, 4)),
                       (11, 4, "通报批评", (3,))]
    # A committee with no officer on record: its police talk is keyed by the committee.
    assert [(s.month, s.times) for s in steps if s.subject == ("committee", 7)][:2] == [(3, 1), (5, 2)]


def test_a_month_with_nothing_recorded_creates_no_talk():
    steps = year_ladders(_year())
    assert not [s for s in steps if s.month == 12]
    assert year_ladders([MonthOutcome(5, False, (1, 2, 3), {}, (4,))]) == []


def test_team_member_ladder():
    steps = [s for s in year_ladders(_year()) if s.target == "member"]
    assert [(s.month, s.rung.who_talks) for s in steps if s.subject == 9] == [
        (1, "综合协管队主管"), (2, "街道人口办副主任")]


def test_a_corrected_month_moves_only_what_it_should():
    before = year_ladders(_year())
    corrected = [o if o.month != 4 else MonthOutcome(4, True, (5,), {5: ()}, (10,)) for o in _year()]
    after = year_ladders(corrected)
    assert _committee_steps(after, 3) == [(1, 1, 1), (8, 2, 2), (11, 3, 3)]
    assert _committee_steps(after, 5) == [(2, 1, 1), (4, 2, 2)]
    assert {s.key for s in before if s.month < 4} <= {s.key for s in after}


def test_bad_outcomes_refused():
    with pytest.raises(ValueError):
        year_ladders([MonthOutcome(13, True, (1,))])
    with pytest.raises(ValueError):
        year_ladders([MonthOutcome(3, True, (1,)), MonthOutcome(3, True, (2,))])
    assert isinstance(year_ladders([MonthOutcome(3, True, (1,))])[0], LadderStep)
