"""The analysis loop's service (issue 17): the nightly run turns gaps into findings (tasks of the committee that
holds the record), closes findings the data no longer show, notifies the handlers; the handlers close them with
an outcome; counts per committee and month for the office; sampled verification. Services never commit."""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Optional

from sqlalchemy import func, insert, select, update

from app.analysis.gaps import find_gaps
from app.analysis.models import Finding, SampleDraw, SampleItem
from app.domain import analysis as A
from app.domain.clock import local_today, naive, utcnow
from app.domain.monthly_table import CORRECT
from app.domain.refusal import Refused
from app.extensions import db
from app.settings import current_rules
from app.access.scoping import can_see_committee
from app.access.users import users_with_role
from app.changes.models import ChangeCase, CommitteeWorkers
from app.models import Residence
from app.notifications.service import notify
from app.verification.models import VerificationRecord as VR

FINDINGS_LINK = "/analysis/findings/"


class AnalysisRefused(Refused, ValueError):
    """Bad input, with a code and its parameters; app/analysis/messages.py gives the Chinese text."""


def _chunks(items, size=500):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def run_rules(now: Optional[dt.datetime] = None, only: Optional[set[str]] = None) -> dict:
    """Run every rule (or ``only`` some) over the whole street. New gaps become open findings due after the
    rule's days; a live finding the data no longer show is closed as gone; a gap dismissed as "not a problem" is
    not raised again while its fingerprint (the data it rests on) is unchanged. Idempotent. Commits nothing.
    Returns {"found": n, "opened": n, "gone": n, "notified": n}."""
    rules = current_rules()
    now = naive(now) if now else utcnow()
    today = local_today(rules, now)
    connection = db.session.connection()
    codes = set(only) if only else {r.code for r in A.GAP_RULES}

    current = {}
    for hit in find_gaps(connection, rules, today, now, only=codes):
        current[(hit.rule, hit.subject_id)] = hit

    ft = Finding.__table__
    live = {(rule, subject): fid for fid, rule, subject in connection.execute(
        select(ft.c.id, ft.c.rule, ft.c.subject_id).where(ft.c.status.in_(A.LIVE), ft.c.rule.in_(codes)))}
    dismissed = set(connection.execute(
        select(ft.c.rule, ft.c.subject_id, ft.c.fingerprint).where(ft.c.status == A.DISMISSED,
                                                                   ft.c.rule.in_(codes))).all())

    gone_ids = [fid for key, fid in live.items() if key not in current]
    for chunk in _chunks(gone_ids):
        connection.execute(update(ft).where(ft.c.id.in_(chunk)).values(
            status=A.GONE, closed_at=now, reason="data no longer show it"))

    new_rows = []
    for key, hit in current.items():
        if key in live or (hit.rule, hit.subject_id, hit.fingerprint) in dismissed:
            continue
        rule = A.RULES_BY_CODE[hit.rule]
        new_rows.append({
            "rule": hit.rule, "subject_kind": rule.subject, "subject_id": hit.subject_id,
            "committee_id": hit.committee_id, "fingerprint": hit.fingerprint, "detail": hit.detail[:255],
            "status": A.OPEN, "opened_at": now, "due_on": today + dt.timedelta(days=rule.due_days(rules)),
            "handler_role": rule.handler,
        })
    for chunk in _chunks(new_rows, 2000):
        connection.execute(insert(ft), chunk)

    notified = _notify_new(new_rows)
    return {"found": len(current), "opened": len(new_rows), "gone": len(gone_ids), "notified": notified}


def handlers(committee_id: Optional[int], role: str) -> list[int]:
    """Who gets a committee's task: its A social worker (B while A is away) or, where the rule says, its
    community police; the office when the record belongs to no committee or the committee has nobody."""
    ids: list[int] = []
    if committee_id is not None:
        if role == A.SOCIAL_WORKER:
            workers = db.session.query(CommitteeWorkers).filter_by(committee_id=committee_id).one_or_none()
            if workers is not None:
                holder = workers.worker_b_fk if workers.a_away and workers.worker_b_fk else workers.worker_a_fk
                ids = [holder] if holder else []
        if not ids:
            ids = [u.id for u in users_with_role(role, committee_id=committee_id)]
    if not ids:
        ids = [u.id for u in users_with_role("street_office")]
    return ids


def _notify_new(new_rows: list[dict]) -> int:
    """One notification per handler per run (a count, not one per finding: a first run may find thousands)."""
    per_group: dict[tuple, int] = defaultdict(int)
    for row in new_rows:
        per_group[(row["committee_id"], row["handler_role"])] += 1
    per_user: dict[int, int] = defaultdict(int)
    for (committee_id, role), n in per_group.items():
        for user_id in handlers(committee_id, role):
            per_user[user_id] += n
    for user_id, n in per_user.items():
        # Stored text is Chinese (the portal's language), as the change flow's: it is read later, in any locale.
        notify(user_id, f"主动发现：{n} 条新的待处置问题", FINDINGS_LINK)
    return len(per_user)


def close(finding: Finding, outcome: str, actor, reason: str = "", change_case_id: Optional[int] = None) -> None:
    """The handler's outcome: fixed (with the change case or a note of the edit), not a problem (with a reason;
    kept quiet until its data change), or escalated to the office (stays live, the office is notified)."""
    reason = (reason or "").strip()
    if outcome not in A.OUTCOMES:
        raise AnalysisRefused("unknown_outcome")
    if finding.status not in A.LIVE or (outcome == A.ESCALATED and finding.status == A.ESCALATED):
        raise AnalysisRefused("finding_closed")
    if len(reason) > 500:
        raise AnalysisRefused("reason_too_long")
    if outcome == A.FIXED:
        if change_case_id is not None:
            case = db.session.get(ChangeCase, change_case_id)
            if case is None or not can_see_committee(case.committee_id, actor):
                raise AnalysisRefused("case_not_found")
        elif not reason:
            raise AnalysisRefused("fix_needs_case_or_note")
    if outcome in (A.DISMISSED, A.ESCALATED) and not reason:
        raise AnalysisRefused("reason_required")
    finding.reason, finding.change_case_id = reason or None, change_case_id
    if outcome == A.ESCALATED:
        finding.status = A.ESCALATED
        for user_id in handlers(None, "street_office"):
            notify(user_id, f"主动发现问题 #{finding.id} 已上报街道人口办：{reason[:200]}", FINDINGS_LINK)
        return
    finding.status, finding.closed_at, finding.closed_by_fk = outcome, utcnow(), getattr(actor, "id", None)


def monthly_counts(year: int, month: int, committee_ids=None) -> dict[Optional[int], dict[str, int]]:
    """Per committee: findings opened in the month, closed in it by outcome, and live past their due date at the
    month's end (or today, for the running month). One GROUP BY each."""
    start = dt.datetime(year, month, 1)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1)
    ft = Finding.__table__
    out: dict = defaultdict(lambda: {"opened": 0, A.FIXED: 0, A.DISMISSED: 0, A.GONE: 0, A.ESCALATED: 0,
                                     "overdue": 0})

    def scoped(q):
        return q if committee_ids is None else q.where(ft.c.committee_id.in_(sorted(committee_ids)))

    session = db.session
    for committee_id, n in session.execute(scoped(
            select(ft.c.committee_id, func.count()).where(ft.c.opened_at >= start, ft.c.opened_at < end)
            .group_by(ft.c.committee_id))):
        out[committee_id]["opened"] = n
    for committee_id, status, n in session.execute(scoped(
            select(ft.c.committee_id, ft.c.status, func.count()).where(ft.c.closed_at >= start, ft.c.closed_at < end)
            .group_by(ft.c.committee_id, ft.c.status))):
        out[committee_id][status] = n
    for committee_id, n in session.execute(scoped(
            select(ft.c.committee_id, func.count()).where(ft.c.status == A.ESCALATED, ft.c.opened_at < end)
            .group_by(ft.c.committee_id))):
        out[committee_id][A.ESCALATED] = n
    # Live at the cut (the month's last day, or today): not closed before it — a finding closed since still
    # counts for the month it was overdue in, so a past month's count does not drift (it may feed the ranking).
    cut = min(end.date() - dt.timedelta(days=1), local_today(current_rules()))
    still_live = ft.c.status.in_(A.LIVE)
    if end <= utcnow():
        still_live = still_live | (ft.c.closed_at >= end)
    for committee_id, n in session.execute(scoped(
            select(ft.c.committee_id, func.count()).where(still_live, ft.c.due_on < cut, ft.c.opened_at < end)
            .group_by(ft.c.committee_id))):
        out[committee_id]["overdue"] = n
    return dict(out)


def counts_by_rule(committee_ids=None) -> dict[str, int]:
    ft = Finding.__table__
    q = select(ft.c.rule, func.count()).where(ft.c.status.in_(A.LIVE)).group_by(ft.c.rule)
    if committee_ids is not None:
        q = q.where(ft.c.committee_id.in_(sorted(committee_ids)))
    return dict(db.session.execute(q).all())


# -- sampled verification ---------------------------------------------------------------------------------------

def draw_sample(committee_id: int, actor, size: Optional[int] = None, seed: Optional[int] = None) -> SampleDraw:
    """A simple random sample of the committee's registered persons (active residence there). Without ``size``
    it comes from the target margin (RULE_SAMPLE_MARGIN_PERMILLE, RULE_SAMPLE_EXPECTED_ACCURACY_PERCENT)."""
    rules = current_rules()
    population_ids = db.session.scalars(
        select(Residence.person_id).where(Residence.committee_id == committee_id, Residence.end_date.is_(None))
        .order_by(Residence.person_id)).all()
    population = len(population_ids)
    if population == 0:
        raise AnalysisRefused("committee_empty")
    if size is None:
        size = A.sample_size(population, rules.sample_margin_permille / 1000,
                             rules.sample_expected_accuracy_percent / 100)
    if size < 1:
        raise AnalysisRefused("sample_too_small")
    if size > population:
        raise AnalysisRefused("sample_too_large", size=size, population=population)
    chosen = random.Random(seed).sample(population_ids, size)
    draw = SampleDraw(committee_id=committee_id, drawn_on=local_today(rules), drawn_at=utcnow(),
                      drawn_by_fk=getattr(actor, "id", None), size=size, population=population)
    db.session.add(draw)
    db.session.flush()
    db.session.execute(insert(SampleItem.__table__),
                       [{"draw_id": draw.id, "person_id": p, "committee_id": committee_id} for p in chosen])
    return draw


def sample_accuracy(draw: SampleDraw) -> dict:
    """The draw's verified persons (their first record on or after the draw), correct ones, and the committee's
    register accuracy with its 95% Wilson interval."""
    first = (select(VR.person_id, func.min(VR.id).label("first_id"))
             .join(SampleItem, (SampleItem.person_id == VR.person_id) & (SampleItem.draw_id == draw.id))
             .where(VR.checked_on >= draw.drawn_on).group_by(VR.person_id)).subquery()
    verified, correct = db.session.execute(
        select(func.count(), func.coalesce(func.sum((VR.result == CORRECT).cast(db.Integer)), 0))
        .join(first, first.c.first_id == VR.id)).one()
    low, high = A.wilson_interval(int(correct), int(verified))
    return {"size": draw.size, "verified": int(verified), "correct": int(correct),
            "accuracy": (correct / verified) if verified else None, "low": low, "high": high}
