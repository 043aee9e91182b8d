"""The monthly ranking of committees (DOMAIN.md "Default ranking formula") and of team members.

Committee score, weights from `Rules` (defaults 30/40/30/0, penalty 5):
    quantity        30 × min(checked / quota, 1)
  + accuracy        40 × 正确率                      (no one checked → 0 points: no accuracy to reward)
  + timeliness      30 × changes on time / changes   (no changes → full marks: nothing to be late on)
  + spot inspection  0 × score / 100                 (only when there was one and the office gave it a weight)
  then, without a spot inspection, the sum of the other three is multiplied by full / (full − spot weight) so
  that every committee is scored out of the same full score,
  − 5 per crime-related person or lead not entered in time,
  − weight_findings (RULE_WEIGHT_FINDINGS, 0 by default) per finding of the analysis loop left overdue at the
    month's end (issue 17: the findings count per committee and month may feed the ranking).
Ties: higher accuracy, then more persons checked. Committees still equal share the place (1, 2, 2, 4), so
several committees can be last together and each climbs its ladder (``Rules.ties_share_place``; False falls
back to table order, one committee per place). Output is in rank order, then table order.

Points are computed exactly (fractions) and ranked on exact values, so two committees with the same score are
tied for real and not separated by float noise; the float fields are for display (round to 2 decimals).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .rules import DEFAULT_RULES, Rules

_ACCURACY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CommitteeMonth:
    """A committee's month, as the ranking needs it."""

    seq: int
    committee: str
    checked: int  # persons in the monthly table (小计)
    correct: int
    accuracy: float | None  # correct / checked; None when checked is 0
    changes_total: int  # changes reported in the month
    changes_on_time: int  # of which collected and entered within their deadlines
    spot_score: float | None  # 0-100, None when there was no spot inspection
    late_crime_leads: int  # crime-related persons or leads not entered in time
    overdue_findings: int = 0  # findings of the analysis loop live past their due date at the month's end

    def __post_init__(self) -> None:
        if min(self.checked, self.correct, self.changes_total, self.changes_on_time, self.late_crime_leads,
               self.overdue_findings) < 0:
            raise ValueError(f"{self.committee}: counts cannot be negative")
        if self.correct > self.checked:
            raise ValueError(f"{self.committee}: correct ({self.correct}) exceeds checked ({self.checked})")
        if self.changes_on_time > self.changes_total:
            raise ValueError(f"{self.committee}: changes on time exceed changes")
        if self.spot_score is not None and not 0 <= self.spot_score <= 100:
            raise ValueError(f"{self.committee}: spot inspection score must be 0 to 100")
        # accuracy is redundant with the counts; refuse an inconsistent one rather than rank on it.
        if (self.accuracy is None) != (self.checked == 0) or (
            self.accuracy is not None and abs(self.accuracy - self.correct / self.checked) > _ACCURACY_TOLERANCE
        ):
            raise ValueError(f"{self.committee}: accuracy {self.accuracy!r} does not match {self.correct}/{self.checked}")

    @classmethod
    def from_counts(cls, seq: int, committee: str, checked: int, correct: int, changes_total: int = 0,
                    changes_on_time: int = 0, spot_score: float | None = None,
                    late_crime_leads: int = 0, overdue_findings: int = 0) -> CommitteeMonth:
        """Like the constructor, with accuracy derived from the counts."""
        accuracy = correct / checked if checked else None
        return cls(seq, committee, checked, correct, accuracy, changes_total, changes_on_time, spot_score,
                   late_crime_leads, overdue_findings)

    @property
    def exact_accuracy(self) -> Fraction | None:
        return Fraction(self.correct, self.checked) if self.checked else None


@dataclass(frozen=True)
class ScoredCommittee:
    seq: int
    committee: str
    quantity: float
    accuracy: float
    timeliness: float
    spot_inspection: float | None  # None when there was no spot inspection
    penalty: float  # points taken off (a positive number)
    scale_factor: float  # 1, or full / (full − spot weight) without a spot inspection
    total: float
    rank: int
    exact_total: Fraction = field(repr=False, compare=False)

    def display_points(self) -> dict[str, float | None]:
        """The parts rounded to 2 decimals, for bulletins and screens."""
        return {
            "quantity": round(self.quantity, 2),
            "accuracy": round(self.accuracy, 2),
            "timeliness": round(self.timeliness, 2),
            "spot_inspection": None if self.spot_inspection is None else round(self.spot_inspection, 2),
            "penalty": round(self.penalty, 2),
            "scale_factor": round(self.scale_factor, 4),
            "total": round(self.total, 2),
        }


def _score(month: CommitteeMonth, rules: Rules) -> dict:
    quota = rules.monthly_quota_per_committee
    quantity = rules.weight_quantity * min(Fraction(month.checked, quota), Fraction(1))
    accuracy = rules.weight_accuracy * (month.exact_accuracy or Fraction(0))
    share = Fraction(month.changes_on_time, month.changes_total) if month.changes_total else Fraction(1)
    timeliness = rules.weight_timeliness * share
    if month.spot_score is not None:
        spot = rules.weight_spot_inspection * Fraction(month.spot_score) / 100
        scale = Fraction(1)
    else:
        spot = None
        scale = Fraction(rules.full_score, rules.full_score - rules.weight_spot_inspection)
    penalty = Fraction(rules.penalty_per_late_crime_lead * month.late_crime_leads
                       + rules.weight_findings * month.overdue_findings)
    total = (quantity + accuracy + timeliness + (spot or 0)) * scale - penalty
    return dict(quantity=quantity, accuracy=accuracy, timeliness=timeliness, spot_inspection=spot,
                penalty=penalty, scale_factor=scale, total=total)


def rank_committees(months: Iterable[CommitteeMonth], rules: Rules = DEFAULT_RULES) -> list[ScoredCommittee]:
    """Scores and ranks, best first."""
    scored = [(m, _score(m, rules)) for m in months]
    seqs = [m.seq for m, _ in scored]
    if len(set(seqs)) != len(seqs):
        raise ValueError("each committee may appear only once")
    def merit(ms):
        return (-ms[1]["total"], -(ms[0].exact_accuracy or Fraction(-1)), -ms[0].checked)

    scored.sort(key=lambda ms: (merit(ms), ms[0].seq))
    result = []
    rank = 0
    for position, (m, s) in enumerate(scored, start=1):
        if not (rules.ties_share_place and position > 1 and merit(scored[position - 2]) == merit((m, s))):
            rank = position
        result.append(ScoredCommittee(
            seq=m.seq, committee=m.committee,
            quantity=float(s["quantity"]), accuracy=float(s["accuracy"]), timeliness=float(s["timeliness"]),
            spot_inspection=None if s["spot_inspection"] is None else float(s["spot_inspection"]),
            penalty=float(s["penalty"]), scale_factor=float(s["scale_factor"]), total=float(s["total"]),
            rank=rank, exact_total=s["total"],
        ))
    return result


def last_placed(ranked: Sequence[ScoredCommittee]) -> list[ScoredCommittee]:
    """The committees placed last (several when tied for last): each triggers its talk ladder."""
    if not ranked:
        raise ValueError("no committee ranked")
    worst = max(s.rank for s in ranked)
    return [s for s in ranked if s.rank == worst]


def month_has_activity(months: Iterable[CommitteeMonth]) -> bool:
    """False for a month in which nothing was checked and nothing changed anywhere: its ranking says nothing
    about anyone, so it creates no talk (the office is told instead)."""
    return any(m.checked or m.changes_total for m in months)


# Team members ----------------------------------------------------------------------------------------------
# Default (the plan asks for monthly scores but gives no formula), weights in Rules:
#     member_weight_quantity (50) × min(checked / member_monthly_quota (60), 1)
#   + member_weight_accuracy (50) × confirmed / checked
# where "confirmed" counts the member's results that no later check (spot inspection, cross check) overturned.
# Nothing checked → 0 accuracy points. Ties: higher accuracy, more checked; members still equal share the place.
# Who is ranked at all (team members of a zone with at least Rules.member_min_checks checks) is decided by the
# caller: ``eligible_members``.


@dataclass(frozen=True)
class MemberMonth:
    member_id: Hashable
    name: str
    checked: int
    confirmed: int

    def __post_init__(self) -> None:
        if self.checked < 0 or not 0 <= self.confirmed <= self.checked:
            raise ValueError(f"{self.name}: need 0 <= confirmed <= checked")

    @property
    def exact_accuracy(self) -> Fraction | None:
        return Fraction(self.confirmed, self.checked) if self.checked else None


@dataclass(frozen=True)
class ScoredMember:
    member_id: Hashable
    name: str
    quantity: float
    accuracy: float
    total: float
    rank: int


def rank_team_members(members: Iterable[MemberMonth], rules: Rules = DEFAULT_RULES) -> list[ScoredMember]:
    """Team members' own monthly performance scores, best first (the last one meets the member ladder)."""
    scored = []
    for position, m in enumerate(members):
        quantity = rules.member_weight_quantity * min(Fraction(m.checked, rules.member_monthly_quota), Fraction(1))
        accuracy = rules.member_weight_accuracy * (m.exact_accuracy or Fraction(0))
        scored.append((m, quantity, accuracy, position))
    def merit(t):
        return (-(t[1] + t[2]), -(t[0].exact_accuracy or Fraction(-1)), -t[0].checked)

    scored.sort(key=lambda t: (merit(t), t[3]))
    result, rank = [], 0
    for position, t in enumerate(scored, start=1):
        if not (rules.ties_share_place and position > 1 and merit(scored[position - 2]) == merit(t)):
            rank = position
        m, q, a, _ = t
        result.append(ScoredMember(m.member_id, m.name, float(q), float(a), float(q + a), rank))
    return result


def eligible_members(members: Iterable[MemberMonth], team_member_ids: Iterable[Hashable],
                     rules: Rules = DEFAULT_RULES) -> list[MemberMonth]:
    """Who the team ranking ranks: team members of a zone (``team_member_ids``; never the office, admins or
    police, whatever they recorded) who worked the month (at least ``member_min_checks`` checks)."""
    team = set(team_member_ids)
    return [m for m in members if m.member_id in team and m.checked >= max(rules.member_min_checks, 1)]
