"""Volunteers and meetings as plain rules (plan 三(二), 五, 六(四)): points, half-yearly visits, the commendation
ranking, the zones' training count. Pure: no Flask, no database."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional

from app.domain.refusal import Refused
from app.domain.rules import DEFAULT_RULES, Rules
from app.domain.textinput import InvalidText, clean_text

SAFETY_VOLUNTEER = "safety_volunteer"  # 平安志愿者
BUILDING_LEADER = "building_leader"  # 楼组长
VOLUNTEER_ROLES = (SAFETY_VOLUNTEER, BUILDING_LEADER)

# Meetings: a 大区块's 联席会议, the 领导小组's meeting, a committee's quarterly review (每季度最后一周).
JOINT, LEADING_GROUP, QUARTERLY_REVIEW = "joint", "leading_group", "quarterly_review"
MEETING_KINDS = (JOINT, LEADING_GROUP, QUARTERLY_REVIEW)


class VolunteerRefused(Refused):
    """A volunteer or meeting request the rules refuse; app/volunteers/messages.py words each code."""


def points(reports_entered: int, leads_confirmed: int, rules: Rules = DEFAULT_RULES) -> int:
    """The year's points: computed from what happened, never typed."""
    return reports_entered * rules.volunteer_points_report + leads_confirmed * rules.volunteer_points_lead


def half_of(day: dt.date) -> int:
    return 1 if day.month <= 6 else 2


def half_bounds(year: int, half: int) -> tuple[dt.date, dt.date]:
    """First and last day of a half-year."""
    if half == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    return dt.date(year, 7, 1), dt.date(year, 12, 31)


def visit_state(year: int, half: int, visited: bool, today: dt.date) -> str:
    """"done", "missed" (the half-year is over without a visit), "due" (running, not yet visited) or "future"."""
    first, last = half_bounds(year, half)
    if visited:
        return "done"
    if today > last:
        return "missed"
    if today >= first:
        return "due"
    return "future"


@dataclass(frozen=True)
class Standing:
    volunteer_id: int
    name: str
    committee_seq: int
    reports: int
    leads: int
    points: int


def ranked(rows: Iterable[Standing]) -> list[Standing]:
    """The commendation list: most points first; ties by more confirmed leads, then the committee's order and
    name, so the list reads the same every time."""
    return sorted(rows, key=lambda s: (-s.points, -s.leads, s.committee_seq, s.name, s.volunteer_id))


def check_commendations(chosen: int, limit: int) -> None:
    if limit and chosen > limit:
        raise VolunteerRefused("too_many_commended", limit=limit)


def trainings_flagged(count: int, year: int, today: dt.date, rules: Rules = DEFAULT_RULES) -> bool:
    """A zone with fewer trainings than the plan's minimum, seen from the flag month of that year on (a past year
    that ended short is flagged too)."""
    if count >= rules.trainings_per_zone_per_year:
        return False
    if year < today.year:
        return True
    return year == today.year and today.month >= rules.trainings_flag_from_month


def check_dates_in_order(earlier: Optional[dt.date], later: Optional[dt.date], code: str) -> None:
    if earlier is not None and later is not None and later < earlier:
        raise VolunteerRefused(code)


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


class MeetingRefused(Refused):
    """A training or meeting request the rules refuse; app/meetings/messages.py words each code."""


def cleaned(value, code: str, limit: int, refusal: type[Refused], required: bool = True) -> Optional[str]:
    """A typed field in textinput's normal form, refused as ``<code>_<reason>`` or ``too_long`` (with ``limit``)."""
    try:
        text = clean_text(value, required=required)
    except InvalidText as exc:
        raise refusal(f"{code}_{exc.code}") from None
    if text is not None and len(text) > limit:
        raise refusal("too_long", limit=limit)
    return text


def person_name(user) -> str:
    """How an account is named on records: family and given name, else the user name."""
    full = f"{getattr(user, 'last_name', '') or ''}{getattr(user, 'first_name', '') or ''}".strip()
    return full or getattr(user, "username", "")
