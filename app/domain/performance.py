"""Team members' performance (综合协管队绩效考核, plan 六(三)): the month, quarter or year, and a member's score for it
from counts. Pure: no Flask, no database; the weights are Rules fields (RULE_PERFORMANCE_*).

The plan asks for monthly, quarterly and yearly scores from each member's daily work that decide performance pay,
but gives no formula. Our default, out of the four weights' sum (100):

    checks      30 × min(checked / (member_monthly_quota × months in the period), 1)
    accuracy    30 × (checked − overturned by a cross check) / checked
    timeliness  20 × (checks entered into the PDA system + change-case steps done within their days)
                     / (checks + change-case steps)
    spot        20 × the average score (out of 100) of the spot inspections of the member's zone in the period
    − performance_penalty_per_talk (5) per talk on the team ladder in the period; never below 0.

A part with nothing to measure gives 0 (no checks: no accuracy), except the spot inspections: a period without one
is no fault of the member, so the other three parts are scaled up to the full score (as the committee ranking does).
A quarter or a year is scored from the period's counts, not as an average of months, so a busy month makes up for a
quiet one. Ties share the place (higher accuracy first, then more checks).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Hashable, Iterable, Optional

MONTH, QUARTER, YEAR = "month", "quarter", "year"
QUARTER_NAMES = ("一", "二", "三", "四")
YEAR_MIN, YEAR_MAX = 2000, 2100


class PeriodError(ValueError):
    """A period that does not exist or has not begun. ``code``: "format", "range" or "future"."""

    def __init__(self, code: str, text: str = ""):
        super().__init__(code)
        self.code, self.text = code, text


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int = 0  # the month (1-12) or the quarter (1-4); 0 for a year

    @property
    def first(self) -> dt.date:
        if self.kind == MONTH:
            return dt.date(self.year, self.number, 1)
        if self.kind == QUARTER:
            return dt.date(self.year, 3 * self.number - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def months(self) -> tuple[int, ...]:
        if self.kind == MONTH:
            return (self.number,)
        if self.kind == QUARTER:
            return tuple(range(3 * self.number - 2, 3 * self.number + 1))
        return tuple(range(1, 13))

    @property
    def last(self) -> dt.date:
        last_month = self.months[-1]
        after = dt.date(self.year + (last_month == 12), last_month % 12 + 1, 1)
        return after - dt.timedelta(days=1)

    @property
    def key(self) -> str:
        """The period in URLs and document parameters: 2026-06, 2026-Q2, 2026."""
        if self.kind == MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == QUARTER:
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"

    @property
    def label(self) -> str:
        """The period as the plan's documents write it."""
        if self.kind == MONTH:
            return f"{self.year}年{self.number}月"
        if self.kind == QUARTER:
            return f"{self.year}年第{QUARTER_NAMES[self.number - 1]}季度"
        return f"{self.year}年度"

    def month_keys(self) -> tuple[int, int]:
        """(first, last) month as year*100+month, for tables keyed by year and month."""
        return self.year * 100 + self.months[0], self.year * 100 + self.months[-1]


_PATTERN = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|[Qq](\d)))?$")


def parse_period(text: Optional[str], today: Optional[dt.date] = None) -> Period:
    """"2026-06" (a month), "2026-Q2" (a quarter) or "2026" (a year). A month 13, a fifth quarter, a year outside
    2000-2100 or a period that begins after ``today`` is refused (PeriodError)."""
    raw = (text or "").strip()
    match = _PATTERN.match(raw)
    if not match:
        raise PeriodError("format", raw)
    year = int(match.group(1))
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise PeriodError("range", raw)
    if match.group(2) is not None:
        number = int(match.group(2))
        if not 1 <= number <= 12:
            raise PeriodError("range", raw)
        period = Period(MONTH, year, number)
    elif match.group(3) is not None:
        number = int(match.group(3))
        if not 1 <= number <= 4:
            raise PeriodError("range", raw)
        period = Period(QUARTER, year, number)
    else:
        period = Period(YEAR, year)
    if today is not None and period.first > today:
        raise PeriodError("future", raw)
    return period


def current_period(kind: str, today: dt.date) -> Period:
    if kind == QUARTER:
        return Period(QUARTER, today.year, (today.month - 1) // 3 + 1)
    if kind == YEAR:
        return Period(YEAR, today.year)
    return Period(MONTH, today.year, today.month)


@dataclass(frozen=True)
class MemberCounts:
    """What a member did in a period, as counted from the records."""

    member_id: Hashable
    name: str
    checked: int = 0            # persons he checked (verification records he made)
    overturned: int = 0         # of those, results a later cross check by someone else found wrong
    entered_into_pda: int = 0   # of those, entered into the PDA system
    case_steps: int = 0         # change-case steps he did (form collected, entered)
    case_steps_on_time: int = 0  # of those, within their days
    spot_average: Optional[float] = None  # average score of his zone's spot inspections (None: none)
    talks: int = 0              # talks on the team ladder (last place, spot inspection) in the period

    def __post_init__(self) -> None:
        if self.checked < 0 or not 0 <= self.overturned <= self.checked \
                or not 0 <= self.entered_into_pda <= self.checked \
                or not 0 <= self.case_steps_on_time <= self.case_steps or self.talks < 0:
            raise ValueError(f"{self.name}: inconsistent counts")
        if self.spot_average is not None and not 0 <= self.spot_average <= 100:
            raise ValueError(f"{self.name}: a spot inspection average is 0 to 100")

    @property
    def exact_accuracy(self) -> Optional[Fraction]:
        return Fraction(self.checked - self.overturned, self.checked) if self.checked else None

    @property
    def exact_timeliness(self) -> Optional[Fraction]:
        steps = self.checked + self.case_steps
        return Fraction(self.entered_into_pda + self.case_steps_on_time, steps) if steps else None


@dataclass(frozen=True)
class MemberScore:
    counts: MemberCounts
    checks: float
    accuracy: float
    timeliness: float
    spot: Optional[float]  # None: no spot inspection in the period (the other parts were scaled up)
    penalty: float
    total: float
    rank: int = 0


def score_member(counts: MemberCounts, period: Period, rules) -> MemberScore:
    """The member's score for the period, each part in points (rounded to 2 decimals only at the end)."""
    quota = rules.member_monthly_quota * len(period.months)
    checks = rules.performance_weight_checks * min(Fraction(counts.checked, quota), Fraction(1))
    accuracy = rules.performance_weight_accuracy * (counts.exact_accuracy or Fraction(0))
    timeliness = rules.performance_weight_timeliness * (counts.exact_timeliness or Fraction(0))
    base = rules.performance_weight_checks + rules.performance_weight_accuracy + rules.performance_weight_timeliness
    full = base + rules.performance_weight_spot_inspection
    if counts.spot_average is None:
        spot = None
        scale = Fraction(full, base)
        checks, accuracy, timeliness = checks * scale, accuracy * scale, timeliness * scale
        gross = checks + accuracy + timeliness
    else:
        spot = rules.performance_weight_spot_inspection * Fraction(counts.spot_average).limit_denominator(1000) / 100
        gross = checks + accuracy + timeliness + spot
    penalty = Fraction(rules.performance_penalty_per_talk * counts.talks)
    total = max(gross - penalty, Fraction(0))
    return MemberScore(counts, _r(checks), _r(accuracy), _r(timeliness), None if spot is None else _r(spot),
                       _r(penalty), _r(total))


def _r(value: Fraction) -> float:
    # Half up, as people round by hand and as the monthly table does: 38.125 is 38.13 (round() gave 38.12).
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rank_members(members: Iterable[MemberCounts], period: Period, rules) -> list[MemberScore]:
    """Scores best first with their places; members equal on total, accuracy and checks share the place."""
    scored = [score_member(m, period, rules) for m in members]

    def merit(s: MemberScore):
        return (-s.total, -(s.counts.exact_accuracy if s.counts.exact_accuracy is not None else Fraction(-1)),
                -s.counts.checked)

    scored.sort(key=lambda s: (merit(s), s.counts.name, str(s.counts.member_id)))
    result, rank = [], 0
    for position, s in enumerate(scored, start=1):
        if position == 1 or merit(scored[position - 2]) != merit(s):
            rank = position
        result.append(replace(s, rank=rank))
    return result


# The community police's year (最佳社区民警, plan 六(二)) ------------------------------------------------------------

def check_bonus_points(points: Optional[float], rules) -> float:
    """酌情加分: more than 0, at most police_bonus_max_points, in steps of 0.5. ValueError otherwise."""
    if points is None or points != points or not 0 < points <= rules.police_bonus_max_points \
            or (points * 2) != int(points * 2):
        raise ValueError("points")
    return float(points)
