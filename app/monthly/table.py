"""The monthly table's numbers (附件2) from ``verification_record``, for any month, in SQL.

Counting rule (DOMAIN.md default, reference: app.domain.monthly_table.latest_result_per_person), the one rule
for the table, the ranking and the coverage page (app.verification.service.queries.monthly_counts reads it
from here): a
person counts at most once per committee per month, with the month's latest result (latest ``checked_on``, then
``checked_at``, then record id). The person is the registered person (``person_id``) or, for someone found
unregistered, the normalised ID number (``found_key``: trimmed, upper case), so one unregistered person found
twice counts once; a record with neither counts on its own. Cross checks are left out and reported apart with
the same rule.

Two ways to the same numbers:
- ``counts_direct``: a window function over the month's records (ROW_NUMBER per committee and person). Always
  right, whatever wrote the records; cost grows with the month's records (a sort of all of them). Used for the
  approved snapshot and as the reference in tests.
- ``counts_fast``: a GROUP BY over ``verification_latest``, the per-(month, committee, person) latest row kept up
  to date on every ORM flush (app/monthly/hooks.py). One row per person counted, read through the covering index
  (month, committee_id, result). Writers that bypass the ORM (Core bulk loads such as demo data) must call
  ``rebuild_latest`` afterwards — the trade-off for a table page that stays fast at a million records.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, Optional

from sqlalchemy import Table, and_, case, delete, func, insert, literal, select
from sqlalchemy.engine import Connection

from app.domain.months import month_bounds, next_month
from app.domain.monthly_table import CORRECT, SHOULD_CANCEL, SHOULD_REGISTER, CommitteeCounts
from app.monthly.models import VerificationLatest
from app.verification.models import VerificationRecord

# Issue 6 stores 'cross_check'; the pure domain module calls it 'cross'. Both are excluded.
CROSS_KINDS = ("cross_check", "cross")

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class BadMonth(ValueError):
    """A month string that is not YYYY-MM of a real month."""


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH_RE.match((text or "").strip())
    if not match:
        raise BadMonth(text)
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise BadMonth(text)
    return year, month


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_number(year: int, month: int) -> int:
    """YYYYMM, the month column of verification_latest."""
    return year * 100 + month


def verification_table() -> Table:
    return VerificationRecord.__table__


def latest_table() -> Table:
    return VerificationLatest.__table__


def found_key(vr: Table):
    """The normalised ID number of someone found unregistered (NULL for a registered person or no number)."""
    number = func.upper(func.trim(vr.c.found_id_number))
    return case((and_(vr.c.person_id.is_(None), func.coalesce(number, "") != ""), number), else_=None)


def _person_key(vr: Table):
    """Who a record is about, for counting once: (person_id, found_key, own id when neither is known)."""
    solo = case((and_(vr.c.person_id.is_(None), found_key(vr).is_(None)), vr.c.id), else_=None)
    return (vr.c.person_id, found_key(vr), solo)


def _ranked(vr: Table, year: int, month: int, *, cross: bool = False):
    """The month's records numbered per (committee, person), latest first (see _person_key)."""
    first, last = month_bounds(year, month)
    kind_filter = vr.c.kind.in_(CROSS_KINDS) if cross else vr.c.kind.notin_(CROSS_KINDS)
    rn = func.row_number().over(
        partition_by=(vr.c.committee_id, *_person_key(vr)),
        order_by=(vr.c.checked_on.desc(), vr.c.checked_at.desc(), vr.c.id.desc()),
    )
    return (
        select(vr.c.id, vr.c.committee_id, vr.c.person_id, found_key(vr).label("found_key"), vr.c.result,
               rn.label("rn"))
        .where(vr.c.checked_on >= first, vr.c.checked_on <= last, kind_filter)
        .subquery("ranked")
    )


def _tally(rows: Iterable) -> dict[int, CommitteeCounts]:
    tallies: dict[int, dict[str, int]] = {}
    for committee_id, result, n in rows:
        tally = tallies.setdefault(committee_id, {CORRECT: 0, SHOULD_REGISTER: 0, SHOULD_CANCEL: 0})
        if result in tally:
            tally[result] += int(n)
    return {cid: CommitteeCounts(**t) for cid, t in tallies.items()}


def counts_direct(conn: Connection, year: int, month: int, *, vr: Optional[Table] = None,
                  cross: bool = False) -> dict[int, CommitteeCounts]:
    """{committee_id: counts} straight from the records (cross=True: the cross checks, reported apart)."""
    vr = vr if vr is not None else verification_table()
    ranked = _ranked(vr, year, month, cross=cross)
    query = (
        select(ranked.c.committee_id, ranked.c.result, func.count())
        .where(ranked.c.rn == 1)
        .group_by(ranked.c.committee_id, ranked.c.result)
    )
    return _tally(conn.execute(query))


def counts_fast(conn: Connection, year: int, month: int, *, latest: Optional[Table] = None
                ) -> dict[int, CommitteeCounts]:
    """{committee_id: counts} from verification_latest (index-only GROUP BY)."""
    latest = latest if latest is not None else latest_table()
    query = (
        select(latest.c.committee_id, latest.c.result, func.count())
        .where(latest.c.month == month_number(year, month))
        .group_by(latest.c.committee_id, latest.c.result)
    )
    return _tally(conn.execute(query))


def rebuild_latest(conn: Connection, year: int, month: int, *, vr: Optional[Table] = None,
                   latest: Optional[Table] = None) -> int:
    """Recompute the month's rows of verification_latest from the records (after a bulk load). Returns rows."""
    vr = vr if vr is not None else verification_table()
    latest = latest if latest is not None else latest_table()
    number = month_number(year, month)
    conn.execute(delete(latest).where(latest.c.month == number))
    ranked = _ranked(vr, year, month)
    source = select(ranked.c.id, literal(number), ranked.c.committee_id, ranked.c.person_id, ranked.c.found_key,
                    ranked.c.result).where(ranked.c.rn == 1)
    conn.execute(insert(latest).from_select(
        ["record_id", "month", "committee_id", "person_id", "found_key", "result"], source))
    return conn.execute(select(func.count()).select_from(latest).where(latest.c.month == number)).scalar() or 0


def rebuild_all(conn: Connection, *, vr: Optional[Table] = None, latest: Optional[Table] = None) -> int:
    """Rebuild every month that has records."""
    vr = vr if vr is not None else verification_table()
    lo, hi = conn.execute(select(func.min(vr.c.checked_on), func.max(vr.c.checked_on))).one()
    if lo is None:
        return 0
    if isinstance(lo, str):  # SQLite through a plain Table may hand back text
        lo, hi = dt.date.fromisoformat(lo), dt.date.fromisoformat(hi)
    total = 0
    year, month = lo.year, lo.month
    while (year, month) <= (hi.year, hi.month):
        total += rebuild_latest(conn, year, month, vr=vr, latest=latest)
        year, month = next_month(year, month)
    return total


def refresh_keys(conn: Connection, record_ids: Iterable[int], person_keys: Iterable[tuple[int, int, int]], *,
                 vr: Optional[Table] = None, latest: Optional[Table] = None) -> None:
    """Bring verification_latest up to date for what one flush touched.

    ``record_ids``: every record inserted, changed or deleted (their own rows go first, which handles records
    without a person and records moved to another month or committee); ``person_keys``: (year, month,
    committee_id, person_id) before and after the change, whose latest row is then recomputed."""
    vr = vr if vr is not None else verification_table()
    latest = latest if latest is not None else latest_table()
    ids = sorted(set(record_ids))
    if ids:
        # Unregistered persons (by ID number) these records were or are about: their latest row is recomputed.
        found_groups = set(conn.execute(select(latest.c.month, latest.c.committee_id, latest.c.found_key).where(
            latest.c.record_id.in_(ids), latest.c.found_key.isnot(None))).all())
        now_found = select(vr.c.checked_on, vr.c.committee_id, found_key(vr)).where(
            vr.c.id.in_(ids), found_key(vr).isnot(None), vr.c.kind.notin_(CROSS_KINDS))
        for day, committee_id, key in conn.execute(now_found):
            if isinstance(day, str):
                day = dt.date.fromisoformat(day)
            found_groups.add((month_number(day.year, day.month), committee_id, key))
        conn.execute(delete(latest).where(latest.c.record_id.in_(ids)))
        # Records with neither a person nor an ID number count on their own: re-add the ones that still count.
        for year, month in {(y, m) for y, m in _months_of(conn, vr, ids)}:
            first, last = month_bounds(year, month)
            source = select(vr.c.id, literal(month_number(year, month)), vr.c.committee_id, vr.c.person_id,
                            vr.c.result).where(
                vr.c.id.in_(ids), vr.c.person_id.is_(None), found_key(vr).is_(None),
                vr.c.kind.notin_(CROSS_KINDS), vr.c.checked_on >= first, vr.c.checked_on <= last)
            conn.execute(insert(latest).from_select(
                ["record_id", "month", "committee_id", "person_id", "result"], source))
        for number, committee_id, key in sorted(found_groups):
            conn.execute(delete(latest).where(latest.c.month == number, latest.c.committee_id == committee_id,
                                              latest.c.found_key == key))
            first, last = month_bounds(number // 100, number % 100)
            source = (
                select(vr.c.id, literal(number), vr.c.committee_id, vr.c.person_id, found_key(vr), vr.c.result)
                .where(vr.c.committee_id == committee_id, found_key(vr) == key, vr.c.kind.notin_(CROSS_KINDS),
                       vr.c.checked_on >= first, vr.c.checked_on <= last)
                .order_by(vr.c.checked_on.desc(), vr.c.checked_at.desc(), vr.c.id.desc())
                .limit(1)
            )
            conn.execute(insert(latest).from_select(
                ["record_id", "month", "committee_id", "person_id", "found_key", "result"], source))
    for year, month, committee_id, person_id in sorted({k for k in person_keys if None not in k}):
        number = month_number(year, month)
        conn.execute(delete(latest).where(and_(latest.c.month == number, latest.c.committee_id == committee_id,
                                               latest.c.person_id == person_id)))
        first, last = month_bounds(year, month)
        source = (
            select(vr.c.id, literal(number), vr.c.committee_id, vr.c.person_id, vr.c.result)
            .where(vr.c.committee_id == committee_id, vr.c.person_id == person_id,
                   vr.c.checked_on >= first, vr.c.checked_on <= last, vr.c.kind.notin_(CROSS_KINDS))
            .order_by(vr.c.checked_on.desc(), vr.c.checked_at.desc(), vr.c.id.desc())
            .limit(1)
        )
        conn.execute(insert(latest).from_select(
            ["record_id", "month", "committee_id", "person_id", "result"], source))


def _months_of(conn: Connection, vr: Table, ids: list[int]):
    for (day,) in conn.execute(select(vr.c.checked_on).where(vr.c.id.in_(ids)).distinct()):
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        if day is not None:
            yield day.year, day.month
