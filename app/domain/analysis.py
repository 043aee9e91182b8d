"""The analysis loop's pure parts (issue 17): the rules that find gaps (names, who handles them, their due days),
the fingerprint that keeps a dismissed finding quiet until its data change, and the statistics of sampled
verification (sample size from a target margin, the 95% Wilson interval). No Flask, no SQLAlchemy."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from app.domain.rules import Rules

# Who handles a finding of the committee holding the record.
SOCIAL_WORKER = "social_worker"
COMMUNITY_POLICE = "community_police"

HOUSE, PERSON, VEHICLE = "house", "person", "vehicle"


@dataclass(frozen=True)
class GapRule:
    code: str
    subject: str  # house / person / vehicle
    handler: str  # the role of the committee that gets the task

    def due_days(self, rules: Rules) -> int:
        return getattr(rules, f"analysis_due_days_{self.code}")


# The order is the order of the screens and of the review pack.
GAP_RULES: tuple[GapRule, ...] = (
    GapRule("crowded_house", HOUSE, COMMUNITY_POLICE),       # 群租 suspect: too many registered persons
    GapRule("unrelated_adults", HOUSE, COMMUNITY_POLICE),    # 群租 suspect: too many unrelated adults
    GapRule("empty_rental", HOUSE, SOCIAL_WORKER),           # a rental house with nobody registered
    GapRule("house_unverified", HOUSE, SOCIAL_WORKER),       # no verification this year
    GapRule("person_unregistered", PERSON, SOCIAL_WORKER),   # no residence at all, or two active ones
    GapRule("permit_expiring", PERSON, SOCIAL_WORKER),       # 居住证 expired or expiring soon
    GapRule("vehicle_owner_moved", VEHICLE, COMMUNITY_POLICE),
    GapRule("possible_duplicate", PERSON, SOCIAL_WORKER),    # same name and birth date, other ID number
    GapRule("cancellation_overdue", PERSON, SOCIAL_WORKER),  # 应消未消 whose case is open past its deadline
)
RULES_BY_CODE = {r.code: r for r in GAP_RULES}

# A finding's life: open → fixed | dismissed (not a problem) | escalated (to the office) | gone (the data no longer
# show it: closed by the nightly run).
OPEN, FIXED, DISMISSED, ESCALATED, GONE = "open", "fixed", "dismissed", "escalated", "gone"
STATUSES = (OPEN, FIXED, DISMISSED, ESCALATED, GONE)
LIVE = (OPEN, ESCALATED)  # still waiting for someone
OUTCOMES = (FIXED, DISMISSED, ESCALATED)


def fingerprint(*parts: object) -> str:
    """A short digest of the data a finding rests on: a dismissed finding is raised again only when it changes."""
    return hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]


# -- sampled verification ---------------------------------------------------------------------------------------

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal distribution


def wilson_interval(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion correct/n (95% by default); (0, 1) when nothing was checked.

    centre = (p + z²/2n) / (1 + z²/n), half width = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n). Unlike p ± z·√(p(1−p)/n)
    it stays inside [0, 1] and is not zero-width at 100% — a committee with 30 of 30 right is not "certainly
    perfect"."""
    if n < 0 or correct < 0 or correct > n:
        raise ValueError("correct must be between 0 and n")
    if n == 0:
        return 0.0, 1.0
    p = correct / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 and n the bound is exactly 0 or 1; rounding would leave 0.9999999999999999.
    low = 0.0 if correct == 0 else max(0.0, centre - half)
    high = 1.0 if correct == n else min(1.0, centre + half)
    return low, high


def sample_size(population: int, margin: float, expected: float, z: float = Z95) -> int:
    """Persons to sample from a committee of ``population`` for a 95% interval of about ±``margin`` around an
    expected accuracy: n0 = z²·p(1−p)/e², with the finite-population correction n = n0 / (1 + (n0 − 1)/N)."""
    if not 0 < margin < 1:
        raise ValueError("margin must be between 0 and 1")
    if not 0 < expected < 1:
        raise ValueError("expected must be between 0 and 1")
    if population <= 0:
        return 0
    n0 = z * z * expected * (1 - expected) / (margin * margin)
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))
