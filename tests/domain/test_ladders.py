import pytest

from app.domain.ladders import committee_rung, ladder_for_year, police_rung, team_member_rung


def test_committee_last_in_january_april_november_climbs_three_rungs():
    ladder = ladder_for_year([11, 1, 4])
    assert [(m, r.number) for m, r in ladder] == [(1, 1), (4, 2), (11, 3)]
    assert ladder[0][1].to_whom == "综合管理社工"
    assert ladder[0][1].who_talks == "平安办 + 派出所人口管理专职干部"
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
