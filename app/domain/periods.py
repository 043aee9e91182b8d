"""The month or quarter a document is about (issue 14 item 7): what the request form offers, how the choice
travels in the document's parameters, and how titles and file names name it (2026年5月, 2026年第2季度).

Parameters keep the conventions the documents already read: {"month": "2026-05"} for a month,
{"year": 2026, "quarter": 2} for a quarter. Pure: no Flask, no SQLAlchemy.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional

MONTH = "month"
QUARTER = "quarter"
KINDS = (MONTH, QUARTER)
YEAR_MIN, YEAR_MAX = 2000, 2100

_KEY = re.compile(r"^(\d{4})-(?:(\d{2})|Q([1-4]))$")


@dataclass(frozen=True, order=True)
class DocumentPeriod:
    year: int
    kind: str
    number: int  # the month (1-12) or the quarter (1-4)

    @property
    def key(self) -> str:
        """The form's value: 2026-05 or 2026-Q2."""
        return f"{self.year:04d}-{self.number:02d}" if self.kind == MONTH else f"{self.year:04d}-Q{self.number}"

    @property
    def label(self) -> str:
        """As titles and file names write it: 2026年5月, 2026年第2季度."""
        return f"{self.year}年{self.number}月" if self.kind == MONTH else f"{self.year}年第{self.number}季度"

    def params(self) -> dict:
        """The document parameters the month's and the quarter's documents read."""
        if self.kind == MONTH:
            return {"month": self.key}
        return {"year": self.year, "quarter": self.number}


def parse_key(kind: str, text: Optional[str]) -> DocumentPeriod:
    """The form's value as a period of ``kind``; ValueError for anything else (another kind, month 13, year 1)."""
    match = _KEY.match((text or "").strip())
    if match is None or kind not in KINDS:
        raise ValueError(f"not a {kind}: {text!r}")
    year = int(match.group(1))
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(f"year out of range: {text!r}")
    if kind == MONTH:
        if match.group(2) is None or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"not a month: {text!r}")
        return DocumentPeriod(year, MONTH, int(match.group(2)))
    if match.group(3) is None:
        raise ValueError(f"not a quarter: {text!r}")
    return DocumentPeriod(year, QUARTER, int(match.group(3)))


def from_params(params: Optional[dict]) -> Optional[DocumentPeriod]:
    """The period a document's parameters name, if any (None: no period, or parameters that name none)."""
    params = params or {}
    try:
        if params.get("month"):
            return parse_key(MONTH, str(params["month"]))
        if params.get("quarter") and params.get("year"):
            return parse_key(QUARTER, f"{int(params['year']):04d}-Q{int(params['quarter'])}")
        period = str(params.get("period") or "")
        if period:
            return parse_key(QUARTER if "Q" in period.upper() else MONTH, period.upper())
    except (TypeError, ValueError):
        return None
    return None


def month_of(day: dt.date) -> DocumentPeriod:
    return DocumentPeriod(day.year, MONTH, day.month)


def quarter_of(day: dt.date) -> DocumentPeriod:
    return DocumentPeriod(day.year, QUARTER, (day.month - 1) // 3 + 1)


def previous(period: DocumentPeriod) -> DocumentPeriod:
    last = 12 if period.kind == MONTH else 4
    if period.number > 1:
        return DocumentPeriod(period.year, period.kind, period.number - 1)
    return DocumentPeriod(period.year - 1, period.kind, last)


def choices(kind: str, today: dt.date, count: int) -> list[DocumentPeriod]:
    """What the request form offers, newest first: the running month or quarter and the ``count - 1`` before."""
    current = month_of(today) if kind == MONTH else quarter_of(today)
    out = [current]
    while len(out) < count:
        out.append(previous(out[-1]))
    return out


def default(kind: str, today: dt.date) -> DocumentPeriod:
    """What the form proposes: the last finished month or quarter (what the documents print when given none)."""
    return previous(month_of(today) if kind == MONTH else quarter_of(today))


def titled(title: str, period: Optional[DocumentPeriod]) -> str:
    """A document's title with its period: 月度核查统计表（2026年5月）."""
    return f"{title}（{period.label}）" if period is not None else title
