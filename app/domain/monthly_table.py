"""附件2 居民区实有人口核查月报表: the arithmetic of the monthly verification table.

One row per committee in table order, then the total row (合计). 小计 = 应登未登 + 应消未消 + 正确,
正确率 = 正确 / 小计 (blank when 小计 is 0), and a committee below the monthly quota (80) is marked.
The counts come from `latest_result_per_person`, the reference version of DOMAIN.md's default counting rule.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from .rules import DEFAULT_RULES, Rules

# Verification results (DOMAIN.md: 正确 / 应登未登 / 应消未消).
CORRECT = "correct"
SHOULD_REGISTER = "should_register"
SHOULD_CANCEL = "should_cancel"
RESULTS = (CORRECT, SHOULD_REGISTER, SHOULD_CANCEL)

# Verification kinds. Cross checks are reported apart, so they never count in the monthly table.
MONTHLY_CHECK = "monthly"
CROSS_CHECK = "cross"
SELF_DECLARED_CHECK = "self_declared"
WINDOW_CHECK = "window"

TOTAL_LABEL = "合计"


@dataclass(frozen=True)
class CommitteeCounts:
    should_register: int = 0
    should_cancel: int = 0
    correct: int = 0

    def __post_init__(self) -> None:
        if min(self.should_register, self.should_cancel, self.correct) < 0:
            raise ValueError("counts cannot be negative")

    @property
    def total(self) -> int:
        return self.should_register + self.should_cancel + self.correct


@dataclass(frozen=True)
class MonthlyRow:
    seq: int | None  # None on the total row
    committee: str
    total: int
    should_register: int
    should_cancel: int
    correct: int
    accuracy: float | None  # correct / total, None when total is 0 (the cell stays blank)
    under_quota: bool
    remark: str

    @property
    def exact_accuracy(self) -> Fraction | None:
        return Fraction(self.correct, self.total) if self.total else None

    def accuracy_text(self, decimals: int = DEFAULT_RULES.accuracy_decimals) -> str:
        return format_accuracy(self.exact_accuracy, decimals)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "committee": self.committee,
            "total": self.total,
            "should_register": self.should_register,
            "should_cancel": self.should_cancel,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "remark": self.remark,
        }


@dataclass(frozen=True)
class MonthlyTable:
    year: int
    month: int
    rows: tuple[MonthlyRow, ...]
    totals: MonthlyRow
    quota: int
    accuracy_decimals: int

    @property
    def title(self) -> str:
        return f"{self.year}年{self.month}月居民区实有人口核查月报表"

    @property
    def month_key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def under_quota_committees(self) -> tuple[str, ...]:
        return tuple(row.committee for row in self.rows if row.under_quota)

    def to_json_dict(self) -> dict[str, Any]:
        """{"month": "YYYY-MM", "rows": [...], "totals": {...}}; accuracy is the ratio 0-1 (or null)."""
        return {
            "month": self.month_key,
            "rows": [row.to_json_dict() for row in self.rows],
            "totals": self.totals.to_json_dict(),
        }


def format_accuracy(accuracy: float | Fraction | None, decimals: int = DEFAULT_RULES.accuracy_decimals) -> str:
    """0.9625 → "96.3%" (half up, as people round by hand); None → "" (blank cell)."""
    if accuracy is None:
        return ""
    if isinstance(accuracy, Fraction):
        percent = Decimal(accuracy.numerator * 100) / Decimal(accuracy.denominator)
    else:
        # repr gives the shortest decimal that reads back as the float, so 0.9625 stays 0.9625, not 0.96249999...
        percent = Decimal(repr(float(accuracy))) * 100
    step = Decimal(1).scaleb(-decimals)
    return f"{percent.quantize(step, rounding=ROUND_HALF_UP)}%"


def _seq_and_name(committee: Any) -> tuple[int, str]:
    if isinstance(committee, tuple):
        seq, name = committee
        return seq, name
    return committee.seq, committee.name


def under_quota_remark(quota: int) -> str:
    return f"核查人数不足{quota}人"


def _make_row(seq: int | None, name: str, counts: CommitteeCounts, quota: int | None) -> MonthlyRow:
    total = counts.total
    under = quota is not None and total < quota
    return MonthlyRow(
        seq=seq,
        committee=name,
        total=total,
        should_register=counts.should_register,
        should_cancel=counts.should_cancel,
        correct=counts.correct,
        accuracy=counts.correct / total if total else None,
        under_quota=under,
        remark=under_quota_remark(quota) if under else "",
    )


def build_monthly_table(
    year: int,
    month: int,
    committees: Iterable[Any],
    counts: Mapping[int, CommitteeCounts | tuple[int, int, int]],
    rules: Rules = DEFAULT_RULES,
) -> MonthlyTable:
    """The table for `year`-`month`.

    `committees`: (seq, name) pairs or objects with .seq and .name, in table order (e.g. organisation.COMMITTEES).
    `counts`: per committee seq, CommitteeCounts or (should_register, should_cancel, correct); a committee
    without counts gets a row of zeros (and is marked under quota), so the table always lists all committees.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 to 12, got {month}")
    quota = rules.monthly_quota_per_committee
    rows = []
    for committee in committees:
        seq, name = _seq_and_name(committee)
        c = counts.get(seq, CommitteeCounts())
        if not isinstance(c, CommitteeCounts):
            c = CommitteeCounts(*c)
        rows.append(_make_row(seq, name, c, quota))
    summed = CommitteeCounts(
        should_register=sum(r.should_register for r in rows),
        should_cancel=sum(r.should_cancel for r in rows),
        correct=sum(r.correct for r in rows),
    )
    # The quota is per committee: the total row is never marked.
    totals = _make_row(None, TOTAL_LABEL, summed, None)
    return MonthlyTable(year, month, tuple(rows), totals, quota, rules.accuracy_decimals)


@dataclass(frozen=True)
class VerificationRecord:
    """One verification of one person, as the counting rule needs it."""

    person_id: Hashable
    committee: Hashable  # committee seq or id
    checked_at: datetime | date  # aware datetime, or the local day
    result: str  # CORRECT / SHOULD_REGISTER / SHOULD_CANCEL
    kind: str = MONTHLY_CHECK
    record_id: int = 0  # breaks ties between records with the same checked_at: the higher (later saved) wins


def _as_record(item: Any) -> VerificationRecord:
    if isinstance(item, VerificationRecord):
        return item
    if isinstance(item, tuple):
        return VerificationRecord(*item)
    return VerificationRecord(item.person_id, item.committee, item.checked_at, item.result,
                              getattr(item, "kind", MONTHLY_CHECK), getattr(item, "record_id", 0))


def _local_day(moment: datetime | date, rules: Rules) -> date:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("checked_at must be timezone-aware (or a date)")
        return moment.astimezone(rules.zone).date()
    return moment


def latest_result_per_person(
    records: Iterable[Any],
    year: int,
    month: int,
    rules: Rules = DEFAULT_RULES,
) -> dict[tuple[Hashable, Hashable], VerificationRecord]:
    """DOMAIN.md's default counting rule: {(committee, person_id): the month's latest record}.

    A person counts at most once per committee per month, with the month's latest result (by checked_at, then
    record_id, then input order); cross checks are excluded (they are reported apart). The month is the local
    (Shanghai) calendar month. `records`: VerificationRecord, tuples in its field order, or similar objects.
    """
    latest: dict[tuple[Hashable, Hashable], tuple[tuple, VerificationRecord]] = {}
    for position, item in enumerate(records):
        record = _as_record(item)
        if record.result not in RESULTS:
            raise ValueError(f"unknown verification result {record.result!r}")
        if record.kind == CROSS_CHECK:
            continue
        day = _local_day(record.checked_at, rules)
        if (day.year, day.month) != (year, month):
            continue
        moment = record.checked_at if isinstance(record.checked_at, datetime) else None
        # Compare dates and datetimes on one scale: a bare date sorts at the start of its day.
        sort_key = (day, moment.timestamp() if moment else float("-inf"), record.record_id, position)
        key = (record.committee, record.person_id)
        if key not in latest or sort_key > latest[key][0]:
            latest[key] = (sort_key, record)
    return {key: record for key, (_, record) in latest.items()}


def count_results(latest: Mapping[tuple[Hashable, Hashable], VerificationRecord]) -> dict[Hashable, CommitteeCounts]:
    """Per committee counts of the latest results, ready for build_monthly_table."""
    tallies: dict[Hashable, dict[str, int]] = {}
    for (committee, _person), record in latest.items():
        tally = tallies.setdefault(committee, dict.fromkeys(RESULTS, 0))
        tally[record.result] += 1
    return {committee: CommitteeCounts(**tally) for committee, tally in tallies.items()}
