"""The dashboard's numbers (issue 17): street → zone → committee, each unit a row with registered persons by
category, changes this year, their on-time share, this month's quota, the year's coverage, live findings and the
year's ranking. Every figure is per committee (23 rows) summed upwards; the caller's scope decides which
committees exist at all (app.access.scoping).

The figures are counted (``committee_figures``: a GROUP BY each over the street) by ``refresh`` — the nightly
analysis run, the office's button, `flask analysis refresh-dashboard` — into the derived table
analysis_committee_month (DashboardMonth); the dashboard reads that table (a few hundred rows). A year never
refreshed is counted live (a new installation shows its numbers before the first night)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Optional

import json

from sqlalchemy import case, extract, func, select

from app.domain import analysis as A
from app.domain.clock import local_today, utcnow
from app.extensions import db
from app.settings import current_rules
from app.access import scoping
from app.analysis.models import DashboardMonth, Finding
from app.analysis.service import counts_by_rule, monthly_counts
from app.changes.models import ChangeCase
from app.changes.service import overdue_counts
from app.models import Committee, Person, Residence
from app.monthly.models import MonthClose
from app.verification.service.queries import coverage

CATEGORIES = ("shanghai_household", "separated", "migrant")


def _committees(user):
    return scoping.scoped_query(Committee, user).order_by(Committee.seq).all()


def committee_figures(ids: list[int], year: int, today: dt.date) -> dict[int, dict]:
    """Per committee id: every figure of a dashboard row."""
    figures: dict[int, dict] = {i: _empty() for i in ids}
    if not ids:
        return figures
    for committee_id, category, n in db.session.execute(
            select(Residence.committee_id, Person.category, func.count())
            .join(Person, Person.id == Residence.person_id)
            .where(Residence.end_date.is_(None), Residence.committee_id.in_(ids))
            .group_by(Residence.committee_id, Person.category)):
        if category in figures[committee_id]["persons"]:
            figures[committee_id]["persons"][category] = n

    start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    month = extract("month", ChangeCase.reported_at)
    for committee_id, m, n in db.session.execute(
            select(ChangeCase.committee_id, month, func.count())
            .where(ChangeCase.reported_at >= start, ChangeCase.reported_at < end, ChangeCase.stage != "withdrawn",
                   ChangeCase.committee_id.in_(ids))
            .group_by(ChangeCase.committee_id, month)):
        figures[committee_id]["changes"][int(m) - 1] = n
    last_month = 12 if year < today.year else today.month

    for m in range(1, last_month + 1):
        for committee_id, counts in overdue_counts(year, m).items():
            if committee_id in figures:
                figures[committee_id]["changes_total"] += counts["total"]
                figures[committee_id]["on_time"] += counts["on_time"]
                figures[committee_id]["changes_total_by_month"][m - 1] = counts["total"]
                figures[committee_id]["on_time_by_month"][m - 1] = counts["on_time"]

    for row in coverage(year, ids, today=today):
        figures[row["committee_id"]].update(
            checked=row["checked"], quota=row["quota"], houses=row["houses"], houses_seen=row["houses_seen"],
            registered=row["persons"], persons_seen=row["persons_seen"])

    # A CASE inside the aggregate, not a GROUP BY on a comparison: PostgreSQL cannot match a bound parameter's
    # expression between SELECT and GROUP BY.
    overdue = func.sum(case((Finding.due_on < today, 1), else_=0))
    for committee_id, n, late in db.session.execute(
            select(Finding.committee_id, func.count(), overdue)
            .where(Finding.status.in_(A.LIVE), Finding.committee_id.in_(ids))
            .group_by(Finding.committee_id)):
        figures[committee_id]["findings"] += n
        figures[committee_id]["findings_overdue"] += int(late or 0)
    for committee_id, rule, n in db.session.execute(
            select(Finding.committee_id, Finding.rule, func.count())
            .where(Finding.status.in_(A.LIVE), Finding.committee_id.in_(ids))
            .group_by(Finding.committee_id, Finding.rule)):
        figures[committee_id]["findings_by_rule"][rule] = n

    for m, ranking in year_ranking(year).items():
        for entry in ranking:
            if entry.get("committee_id") in figures:
                figures[entry["committee_id"]]["ranks"][m] = entry.get("rank")
    return figures


def _empty() -> dict:
    return {"persons": {c: 0 for c in CATEGORIES}, "changes": [0] * 12, "changes_total": 0, "on_time": 0,
            "changes_total_by_month": [0] * 12, "on_time_by_month": [0] * 12, "findings": 0,
            "findings_overdue": 0, "findings_by_rule": {}, "ranks": {}}


SNAPSHOT_FIELDS = ("checked", "houses", "houses_seen", "registered", "persons_seen", "findings", "findings_overdue")


def refresh(year: Optional[int] = None) -> int:
    """Count every committee's figures of ``year`` (default: this year) into analysis_committee_month: each month
    up to the running one gets its own figures, the running month (December of a past year) also today's
    snapshot. Flushes, never commits (the caller's unit of work or committing() does). Returns the rows written."""
    rules = current_rules()
    today = local_today(rules)
    year = year or today.year
    if year > today.year:
        return 0
    last_month = 12 if year < today.year else today.month
    ids = list(db.session.scalars(select(Committee.id).order_by(Committee.id)))
    figures = committee_figures(ids, year, today)
    months = {m: monthly_counts(year, m, ids) for m in range(1, last_month + 1)}
    existing = {(row.committee_id, row.month): row
                for row in db.session.query(DashboardMonth).filter(DashboardMonth.year == year)}
    now = utcnow()
    for committee_id in ids:
        f = figures[committee_id]
        for m in range(1, last_month + 1):
            row = existing.get((committee_id, m))
            if row is None:
                row = DashboardMonth(committee_id=committee_id, year=year, month=m, findings_by_rule="{}",
                                     **{name: 0 for name in SNAPSHOT_FIELDS},
                                     **{f"persons_{c}": 0 for c in CATEGORIES})
                db.session.add(row)
            counts = months[m].get(committee_id, {})
            row.changes = f["changes"][m - 1]
            row.changes_total = f["changes_total_by_month"][m - 1]
            row.changes_on_time = f["on_time_by_month"][m - 1]
            row.findings_opened = int(counts.get("opened", 0))
            row.findings_closed = sum(int(counts.get(s, 0)) for s in (A.FIXED, A.DISMISSED, A.GONE))
            row.findings_month_overdue = int(counts.get("overdue", 0))
            row.rank = f["ranks"].get(m)
            row.refreshed_at = now
            if m == last_month:
                for c in CATEGORIES:
                    setattr(row, f"persons_{c}", f["persons"][c])
                for name in SNAPSHOT_FIELDS:
                    setattr(row, name, int(f.get(name, 0) or 0))
                row.findings_by_rule = json.dumps(f["findings_by_rule"], sort_keys=True)
                row.snapshot_on = today
    db.session.flush()
    return len(ids) * last_month


def stored_figures(ids: list[int], year: int, today: dt.date) -> Optional[tuple[dict[int, dict], dt.datetime]]:
    """Per committee id, the figures of ``committee_figures`` as the last refresh stored them, and the time of
    that refresh; None when ``year`` was never refreshed (the caller counts live)."""
    if not ids:
        return None
    rows = db.session.execute(select(DashboardMonth).where(DashboardMonth.year == year,
                                                           DashboardMonth.committee_id.in_(ids))).scalars().all()
    if not rows:
        return None
    quota = current_rules().monthly_quota_per_committee
    figures = {i: {**_empty(), "checked": 0, "quota": quota, "houses": 0, "houses_seen": 0, "registered": 0,
                   "persons_seen": 0} for i in ids}
    latest: dict[int, object] = {}
    for row in rows:
        f = figures[row.committee_id]
        f["changes"][row.month - 1] = row.changes
        f["changes_total"] += row.changes_total
        f["on_time"] += row.changes_on_time
        if row.rank:
            f["ranks"][row.month] = row.rank
        if row.snapshot_on is not None and (row.committee_id not in latest
                                            or row.month > latest[row.committee_id].month):
            latest[row.committee_id] = row
    for committee_id, row in latest.items():
        f = figures[committee_id]
        f["persons"] = {c: getattr(row, f"persons_{c}") for c in CATEGORIES}
        for name in SNAPSHOT_FIELDS:
            f[name] = getattr(row, name)
        # "checked this month": only while the snapshot's month is still running
        if (row.snapshot_on.year, row.snapshot_on.month) != (today.year, today.month):
            f["checked"] = 0
        f["findings_by_rule"] = json.loads(row.findings_by_rule or "{}")
    return figures, min(row.refreshed_at for row in rows)


def year_ranking(year: int) -> dict[int, list[dict]]:
    """The approved months' committee rankings (the frozen snapshots), by month."""
    out = {}
    for close in db.session.query(MonthClose).filter(MonthClose.year == year, MonthClose.snapshot_json.is_not(None)
                                                     ).order_by(MonthClose.month):
        ranking = (close.snapshot or {}).get("ranking")
        if isinstance(ranking, dict):
            ranking = ranking.get("committees")
        if isinstance(ranking, list):
            out[close.month] = ranking
    return out


def _sum(rows: list[dict]) -> dict:
    total = {"persons": {c: 0 for c in CATEGORIES}, "changes": [0] * 12}
    for row in rows:
        for c in CATEGORIES:
            total["persons"][c] += row["persons"][c]
        total["changes"] = [a + b for a, b in zip(total["changes"], row["changes"])]
        for key in ("changes_total", "on_time", "findings", "findings_overdue", "checked", "quota", "houses",
                    "houses_seen", "registered", "persons_seen"):
            total[key] = total.get(key, 0) + row.get(key, 0)
    ranks = [r for row in rows for r in row.get("ranks", {}).values() if r]
    total["ranks"] = {}
    total["mean_rank"] = round(sum(ranks) / len(ranks), 1) if ranks else None
    return total


def _finish(row: dict) -> dict:
    row["persons_total"] = sum(row["persons"].values())
    row["on_time_share"] = row["on_time"] / row["changes_total"] if row.get("changes_total") else None
    row["house_share"] = row["houses_seen"] / row["houses"] if row.get("houses") else None
    row["person_share"] = min(row["persons_seen"], row["registered"]) / row["registered"] \
        if row.get("registered") else None
    if "mean_rank" not in row:
        ranks = [r for r in row.get("ranks", {}).values() if r]
        row["mean_rank"] = round(sum(ranks) / len(ranks), 1) if ranks else None
    return row


def dashboard(user, year: Optional[int] = None, zone_id: Optional[int] = None,
              committee_id: Optional[int] = None) -> dict:
    """The rows of one level: zones (street), a zone's committees, or one committee. Units outside the user's
    scope do not exist here; a zone the user sees only part of shows that part."""
    today = local_today(current_rules())
    year = year or today.year
    committees = _committees(user)
    if committee_id is None and zone_id is None and len(committees) == 1:
        committee_id = committees[0].id  # a committee's own staff: their committee is their street
    if committee_id is not None:
        committees = [c for c in committees if c.id == committee_id]
        level = "committee"
    elif zone_id is not None:
        committees = [c for c in committees if c.zone_id == zone_id]
        level = "zone"
    else:
        level = "street"
    ids = [c.id for c in committees]
    stored = stored_figures(ids, year, today)
    if stored is not None:
        figures, refreshed_at = stored
        by_rule: dict[str, int] = defaultdict(int)
        for i in ids:
            for rule, n in figures[i]["findings_by_rule"].items():
                by_rule[rule] += n
        by_rule = dict(by_rule)
    else:
        figures, refreshed_at, by_rule = committee_figures(ids, year, today), None, counts_by_rule(ids)
    rows = []
    if level == "street":
        by_zone = defaultdict(list)
        zones = {}
        for c in committees:
            by_zone[c.zone_id].append(figures[c.id])
            zones[c.zone_id] = c.zone
        for zid, zone_rows in sorted(by_zone.items()):  # zones in their seeded order
            rows.append(_finish({**_sum(zone_rows), "name": zones[zid].name, "zone_id": zid, "committee_id": None}))
    else:
        for c in committees:
            rows.append(_finish({**figures[c.id], "name": c.name, "zone_id": c.zone_id, "committee_id": c.id}))
    total = _finish({**_sum([figures[i] for i in ids]), "name": None})
    return {"year": year, "today": today, "level": level, "rows": rows, "total": total,
            "findings_by_rule": by_rule, "zone_id": zone_id, "committee_id": committee_id,
            "committee_ids": ids, "refreshed_at": refreshed_at}
