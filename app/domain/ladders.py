"""Talk ladders (约谈): what happens each time a committee or team member is placed last in a calendar year.

From DOMAIN.md "Rewards and penalties": the committee climbs 三约谈 (three talks, each with someone more senior
to someone more senior), its community police 一次提醒二次约谈三次通报; the 3rd and every later time stay on
the top rung. A team member placed last meets the team supervisor the first time and the deputy head of the
population office from the second time on. Counts restart each calendar year.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

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
    Rung(1, "平安办、派出所人口管理专职干部", "综合管理社工", TALK, "committee_talk_social_worker"),
    Rung(2, "平安办主任、派出所分管副所长", "居委会主任", TALK, "committee_talk_director"),
    Rung(3, "街道分管领导、派出所所长", "居民区党总支书记", TALK, "committee_talk_party_secretary"),
)

POLICE_RUNGS = (
    Rung(1, "派出所分管副所长", "社区民警", REMINDER_TALK, "police_reminder"),
    Rung(2, "派出所所长", "社区民警", TALK, "police_talk"),
    Rung(3, "派出所（工作例会或公告栏）", "社区民警", CRITICISM, "police_criticism"),
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


# The year's talks as a function of its approved months ----------------------------------------------------------

TARGET_COMMITTEE = "committee"
TARGET_POLICE = "police"
TARGET_MEMBER = "member"


@dataclass(frozen=True)
class MonthOutcome:
    """What one approved month says about who was last.

    ``active`` is False for a month in which nothing was checked and nothing changed: it creates no talk.
    ``police`` maps each last-placed committee to the community police officers who lead it (their keys); a
    committee without a known officer maps to an empty tuple and its police talk is keyed by the committee."""

    month: int
    active: bool
    last_committees: tuple[Hashable, ...] = ()
    police: Mapping[Hashable, tuple[Hashable, ...]] = field(default_factory=dict)
    last_members: tuple[Hashable, ...] = ()


@dataclass(frozen=True)
class LadderStep:
    """One talk the year's months call for: ``subject`` is the committee, the officer (or, without one, the
    committee whose police it is) or the team member; ``committees`` the last-placed committees it concerns."""

    month: int
    target: str
    subject: Hashable
    committees: tuple[Hashable, ...]
    times: int  # times last this year, this month included
    rung: Rung

    @property
    def key(self) -> tuple:
        return (self.month, self.target, self.subject, self.times, self.rung.code)


def year_ladders(outcomes: Iterable[MonthOutcome]) -> list[LadderStep]:
    """Every talk of a calendar year, from its approved months, in month order: the same talks whatever the order
    in which the months were approved, and a corrected month changes exactly what it should.

    - the committees placed last each climb the committee ladder;
    - each community police officer of those committees climbs the police ladder once in the month, counted
      across all the committees he leads (two of his committees last in one month count once);
    - the team members placed last climb the team-member ladder;
    - an inactive month climbs nothing.
    """
    by_month: dict[int, MonthOutcome] = {}
    for outcome in outcomes:
        if not 1 <= outcome.month <= 12:
            raise ValueError("months must be 1 to 12")
        if outcome.month in by_month:
            raise ValueError(f"month {outcome.month} given twice")
        by_month[outcome.month] = outcome
    counts: dict[tuple[str, Hashable], int] = {}
    steps: list[LadderStep] = []

    def climb(month, target, subject, committees, rung_for):
        counts[(target, subject)] = times = counts.get((target, subject), 0) + 1
        steps.append(LadderStep(month, target, subject, tuple(committees), times, rung_for(times)))

    for month in sorted(by_month):
        outcome = by_month[month]
        if not outcome.active:
            continue
        for committee in outcome.last_committees:
            climb(month, TARGET_COMMITTEE, committee, (committee,), committee_rung)
        officers: dict[Hashable, list[Hashable]] = {}
        for committee in outcome.last_committees:
            for officer in outcome.police.get(committee, ()) or (("committee", committee),):
                officers.setdefault(officer, []).append(committee)
        for officer, committees in officers.items():
            climb(month, TARGET_POLICE, officer, committees, police_rung)
        for member in outcome.last_members:
            climb(month, TARGET_MEMBER, member, (), team_member_rung)
    return steps
