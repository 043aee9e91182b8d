"""Talk ladders (约谈): what happens each time a committee or team member is placed last in a calendar year.

From DOMAIN.md "Rewards and penalties": the committee climbs 三约谈 (three talks, each with someone more senior
to someone more senior), its community police 一次提醒二次约谈三次通报; the 3rd and every later time stay on
the top rung. A team member placed last meets the team supervisor the first time and the deputy head of the
population office from the second time on. Counts restart each calendar year.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

TALK = "约谈"
REMINDER_TALK = "提醒谈话"
CRITICISM = "通报批评"


@dataclass(frozen=True)
class Rung:
    number: int  # 1, 2, 3
    who_talks: str  # Chinese, printed on the talk notice
    to_whom: str
    kind: str  # 约谈 / 提醒谈话 / 通报批评
    code: str  # short English code for logic and logs


COMMITTEE_RUNGS = (
    Rung(1, "平安办 + 派出所人口管理专职干部", "综合管理社工", TALK, "committee_talk_social_worker"),
    Rung(2, "平安办主任 + 派出所分管副所长", "居委会主任", TALK, "committee_talk_director"),
    Rung(3, "街道分管领导 + 派出所所长", "居民区党总支书记", TALK, "committee_talk_party_secretary"),
)

POLICE_RUNGS = (
    Rung(1, "派出所分管副所长", "社区民警", REMINDER_TALK, "police_reminder"),
    Rung(2, "派出所所长", "社区民警", TALK, "police_talk"),
    Rung(3, "派出所(工作例会或公告栏)", "社区民警", CRITICISM, "police_criticism"),
)

TEAM_MEMBER_RUNGS = (
    Rung(1, "综合协管队主管", "综合协管队员", TALK, "member_talk_supervisor"),
    Rung(2, "街道人口办副主任", "综合协管队员", TALK, "member_talk_deputy_head"),
)


def _rung(rungs: tuple[Rung, ...], times_last_this_year: int) -> Rung:
    if times_last_this_year < 1:
        raise ValueError("times_last_this_year counts this time too, so it is 1 or more")
    # Past the top rung the ladder stays there.
    return rungs[min(times_last_this_year, len(rungs)) - 1]


def committee_rung(times_last_this_year: int) -> Rung:
    return _rung(COMMITTEE_RUNGS, times_last_this_year)


def police_rung(times_last_this_year: int) -> Rung:
    return _rung(POLICE_RUNGS, times_last_this_year)


def team_member_rung(times_last_this_year: int) -> Rung:
    return _rung(TEAM_MEMBER_RUNGS, times_last_this_year)


def ladder_for_year(
    last_placed_months: Iterable[int],
    rung_for: Callable[[int], Rung] = committee_rung,
) -> list[tuple[int, Rung]]:
    """[(month, rung)] in month order for one committee's last places in one year (police_rung etc. also fit)."""
    months = sorted(last_placed_months)
    if any(not 1 <= m <= 12 for m in months):
        raise ValueError("months must be 1 to 12")
    if len(set(months)) != len(months):
        raise ValueError("a committee is placed last at most once a month")
    return [(month, rung_for(times)) for times, month in enumerate(months, start=1)]
