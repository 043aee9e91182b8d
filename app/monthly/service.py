"""The monthly close: the table and ranking of a month, zone submissions, approval (frozen snapshot), unlocks,
ranking settings, and the talk ladders triggered by approval.

No ``g.user``: functions that act take the acting user. Stored free text meant for print (talk reasons,
notifications) is Chinese, the portal's language, since it is read later in any request's locale.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction
from typing import Callable, Optional

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from app.audit import record as audit_record
from app.domain import clock
from app.domain import ladders as ladder_rules
from app.domain.monthly_table import MonthlyTable, build_monthly_table, format_accuracy
from app.domain.months import month_bounds, next_month
from app.domain.ranking import (
    CommitteeMonth, MemberMonth, eligible_members, month_has_activity, rank_committees, rank_team_members,
)
from app.domain.rules import Rules
from app.errors import UserFacingError
from app.extensions import db
from app.monthly import table as sql_table
from app.monthly.models import (RUNG_SPOT_INSPECTION, STATE_APPROVED, STATE_DRAFT, TARGET_COMMITTEE, TARGET_MEMBER,
                                TARGET_POLICE, BulletinNote, CrimeLateEntry, MonthClose, MonthUnlock, RankingComment,
                                RankingSetting, SpotInspection, Talk, ZoneSubmission, utcnow)
from app.access.users import display_name, users_with_role
from app.analysis.service import monthly_counts
from app.changes.service import notify, overdue_counts
from app.settings import current_rules
from app.access.roles import (
    ADMIN, COMMITTEE_DIRECTOR, COMMUNITY_POLICE, SOCIAL_WORKER, STREET_OFFICE, TEAM_MEMBER, ZONE_LEADER,
)
from app.models import Committee, Zone
from app.access import scoping
from app.notifications.service import notify_talks


# Rules fields the office may change in the UI (ranking_setting rows override them).
EDITABLE_RULES = (
    "weight_quantity", "weight_accuracy", "weight_timeliness", "weight_spot_inspection",
    "penalty_per_late_crime_lead", "member_weight_quantity", "member_weight_accuracy", "member_monthly_quota",
    "submission_deadline_day", "member_min_checks",
)


class MonthFrozen(UserFacingError):
    def __init__(self, committee_id: int, day: dt.date):
        self.committee_id, self.day = committee_id, day
        super().__init__(_("%(year)s-%(month)02d is approved and frozen: ask the street office to unlock it, "
                           "with a reason, before changing its verification records.",
                           year=day.year, month=day.month))


class CloseRefused(UserFacingError):
    pass


# --------------------------------------------------------------------------------------------------------------
# Rules and settings
# --------------------------------------------------------------------------------------------------------------

def base_rules() -> Rules:
    """The configured rules, before the office's ranking settings are applied (see effective_rules)."""
    return current_rules()


def effective_rules() -> Rules:
    """Configuration rules with the office's overrides (for months not yet approved)."""
    overrides = {s.name: s.value for s in db.session.query(RankingSetting).all() if s.name in EDITABLE_RULES}
    return dataclasses.replace(base_rules(), **overrides) if overrides else base_rules()


def save_settings(values: dict[str, int], actor_name: str) -> Rules:
    """Validate (Rules checks its limits) and store; raises CloseRefused with the reason."""
    unknown = set(values) - set(EDITABLE_RULES)
    if unknown:
        raise CloseRefused(_("Unknown setting: %(name)s", name=", ".join(sorted(unknown))))
    try:
        rules = dataclasses.replace(effective_rules(), **values)
    except (ValueError, TypeError) as exc:
        raise CloseRefused(_("Invalid setting: %(reason)s", reason=str(exc))) from exc
    for name, value in values.items():
        row = db.session.query(RankingSetting).filter_by(name=name).one_or_none()
        if row is None:
            row = RankingSetting(name=name, value=value)
            db.session.add(row)
        if row.value != value or row.id is None:
            row.value, row.updated_at, row.updated_by = value, utcnow(), actor_name[:128]
    db.session.flush()  # the caller commits (a view's committing(), a task's unit_of_work())
    audit_record("ranking_settings", model="RankingSetting", detail=", ".join(f"{k}={v}" for k, v in
                                                                             sorted(values.items())))
    return rules


def rules_dict(rules: Rules) -> dict:
    return {name: getattr(rules, name) for name in EDITABLE_RULES + ("monthly_quota_per_committee",
                                                                     "accuracy_decimals")}


# --------------------------------------------------------------------------------------------------------------
# The month's numbers
# --------------------------------------------------------------------------------------------------------------

def committees():
    return db.session.query(Committee).order_by(Committee.seq).all()


def counts(year: int, month: int, *, direct: bool = False):
    conn = db.session.connection()
    if direct:
        return sql_table.counts_direct(conn, year, month)
    return sql_table.counts_fast(conn, year, month)


def live_table(year: int, month: int, rules: Optional[Rules] = None, *, direct: bool = False) -> MonthlyTable:
    rules = rules or effective_rules()
    by_id = counts(year, month, direct=direct)
    rows = committees()
    return build_monthly_table(year, month, [(c.seq, c.name) for c in rows],
                               {c.seq: by_id[c.id] for c in rows if c.id in by_id}, rules)


def cross_check_counts(year: int, month: int) -> dict[str, dict]:
    """The month's cross checks, counted with the same rule, reported apart: {committee name: counts}."""
    by_id = sql_table.counts_direct(db.session.connection(), year, month, cross=True)
    return {c.name: {"total": by_id[c.id].total, "should_register": by_id[c.id].should_register,
                     "should_cancel": by_id[c.id].should_cancel, "correct": by_id[c.id].correct}
            for c in committees() if c.id in by_id}


def spot_scores(year: int, month: int) -> dict[int, float]:
    rows = db.session.execute(
        select(SpotInspection.committee_id, func.avg(SpotInspection.score))
        .where(SpotInspection.year == year, SpotInspection.month == month)
        .group_by(SpotInspection.committee_id)).all()
    return {cid: round(float(avg), 2) for cid, avg in rows}


def crime_late_counts(year: int, month: int) -> dict[int, int]:
    rows = db.session.execute(
        select(CrimeLateEntry.committee_id, func.count())
        .where(CrimeLateEntry.year == year, CrimeLateEntry.month == month)
        .group_by(CrimeLateEntry.committee_id)).all()
    return {cid: int(n) for cid, n in rows}


def comments(year: int, month: int) -> dict[int, str]:
    return {c.committee_id: c.text for c in db.session.query(RankingComment).filter_by(year=year, month=month)}


def timeliness(year: int, month: int, now: Optional[dt.datetime] = None) -> dict[int, dict]:
    return overdue_counts(year, month, now=now)


def overdue_findings(year: int, month: int, rules: Rules) -> dict[int, int]:
    """Findings of the analysis loop left overdue at the month's end, per committee id: they feed the ranking only
    when the office gives them a weight (RULE_WEIGHT_FINDINGS, 0 by default: not even counted then)."""
    if not rules.weight_findings:
        return {}
    return {cid: int(c["overdue"]) for cid, c in monthly_counts(year, month).items() if cid is not None}


def committee_ranking(year: int, month: int, table: MonthlyTable, rules: Rules,
                      now: Optional[dt.datetime] = None) -> list[dict]:
    """Every committee's score with each part's points, best first (JSON-ready)."""
    rows = committees()
    by_seq = {row.seq: row for row in table.rows}
    spots, crimes, changes = spot_scores(year, month), crime_late_counts(year, month), timeliness(year, month, now)
    findings = overdue_findings(year, month, rules)
    notes = comments(year, month)
    months = []
    for c in rows:
        row = by_seq[c.seq]
        change = changes.get(c.id, {})
        months.append(CommitteeMonth.from_counts(
            c.seq, c.name, row.total, row.correct, int(change.get("total", 0)), int(change.get("on_time", 0)),
            spots.get(c.id), crimes.get(c.id, 0), findings.get(c.id, 0)))
    inputs = {m.seq: m for m in months}
    ids = {c.seq: c.id for c in rows}
    result = []
    for scored in rank_committees(months, rules):
        m = inputs[scored.seq]
        result.append({
            "rank": scored.rank, "seq": scored.seq, "committee": scored.committee, "committee_id": ids[scored.seq],
            "checked": m.checked, "correct": m.correct, "accuracy": m.accuracy,
            "accuracy_text": format_accuracy(m.exact_accuracy, rules.accuracy_decimals),
            "changes_total": m.changes_total, "changes_on_time": m.changes_on_time,
            "spot_score": m.spot_score, "late_crime_leads": m.late_crime_leads,
            "points": scored.display_points(), "comment": notes.get(ids[scored.seq], ""),
        })
        if rules.weight_findings:
            result[-1]["overdue_findings"] = m.overdue_findings
    return result


def member_months(year: int, month: int, rules: Rules) -> list[MemberMonth]:
    """The team members the month ranks (``ranking.eligible_members``: team members of a zone with at least
    ``member_min_checks`` checks; never the office, admins or police): checked = records they made; confirmed =
    those no later record of the same person and committee, by someone else, with another result, overturned."""
    vr = sql_table.verification_table()
    first, last = month_bounds(year, month)
    later = vr.alias("later")
    overturned = exists().where(
        later.c.person_id == vr.c.person_id, later.c.committee_id == vr.c.committee_id,
        later.c.recorded_by_fk != vr.c.recorded_by_fk, later.c.result != vr.c.result,
        (later.c.checked_on > vr.c.checked_on)
        | and_(later.c.checked_on == vr.c.checked_on, later.c.checked_at > vr.c.checked_at),
    )
    query = (
        select(vr.c.recorded_by_fk, func.count(), func.sum(case((overturned, 1), else_=0)))
        .where(vr.c.checked_on >= first, vr.c.checked_on <= last, vr.c.recorded_by_fk.isnot(None))
        .group_by(vr.c.recorded_by_fk)
    )
    stats = {uid: (int(n), int(bad or 0)) for uid, n, bad in db.session.execute(query)}
    team = {u.id: u for u in users_with_role(TEAM_MEMBER) if getattr(u, "zone_id", None) is not None}
    months = []
    for uid in sorted(team):
        user = team[uid]
        checked, bad = stats.get(uid, (0, 0))
        name = f"{user.first_name or ''}{user.last_name or ''}".strip() or user.username
        months.append(MemberMonth(uid, name, checked, checked - bad))
    return eligible_members(months, team, rules)


def member_ranking(year: int, month: int, rules: Rules) -> list[dict]:
    months = {m.member_id: m for m in member_months(year, month, rules)}
    return [
        {"rank": s.rank, "member_id": s.member_id, "name": s.name, "checked": months[s.member_id].checked,
         "confirmed": months[s.member_id].confirmed, "quantity": round(s.quantity, 2),
         "accuracy": round(s.accuracy, 2), "total": round(s.total, 2)}
        for s in rank_team_members(months.values(), rules)
    ]


def police_officers() -> dict[str, list]:
    """{committee id (text, as JSON keys are): [[officer id, name], …]}: kept in the approved snapshot, so the
    police ladder of an approved month does not move when officers are later reassigned."""
    result: dict[str, list] = {}
    for officer in users_with_role(COMMUNITY_POLICE):
        name = f"{officer.first_name or ''}{officer.last_name or ''}".strip() or officer.username
        for committee in officer.committees:
            result.setdefault(str(committee.id), []).append([officer.id, name])
    return result


def compute_month(year: int, month: int, *, rules: Optional[Rules] = None, direct: bool = False,
                  now: Optional[dt.datetime] = None) -> dict:
    """The month's table, ranking and member ranking, computed now (JSON-ready)."""
    rules = rules or effective_rules()
    table = live_table(year, month, rules, direct=direct)
    return {
        "month": table.month_key,
        "title": table.title,
        "table": table.to_json_dict(),
        "under_quota": list(table.under_quota_committees),
        "ranking": committee_ranking(year, month, table, rules, now),
        "members": member_ranking(year, month, rules),
        "police": police_officers(),
        "rules": rules_dict(rules),
    }


def get_close(year: int, month: int) -> Optional[MonthClose]:
    return db.session.query(MonthClose).filter_by(year=year, month=month).one_or_none()


def month_data(year: int, month: int) -> dict:
    """What every output shows: the approved snapshot if the month is approved, else the live numbers."""
    close = get_close(year, month)
    if close is not None and close.state == STATE_APPROVED and close.snapshot:
        data = dict(close.snapshot)
        data["approved"] = True
        data["approved_at"] = close.approved_at.isoformat() if close.approved_at else None
        data["approved_by"] = close.approved_by
    else:
        data = compute_month(year, month)
        data["approved"] = False
    return data


def table_json(year: int, month: int) -> dict:
    """The JSON of the table: month, rows (seq, committee, total, should_register, should_cancel, correct,
    accuracy, remark), totals; plus approved (bool)."""
    data = month_data(year, month)
    return {**data["table"], "approved": data["approved"]}


# --------------------------------------------------------------------------------------------------------------
# Submission, approval, freezing
# --------------------------------------------------------------------------------------------------------------

def submission_deadline(year: int, month: int, rules: Optional[Rules] = None) -> dt.date:
    rules = rules or effective_rules()
    ny, nm = next_month(year, month)
    return dt.date(ny, nm, rules.submission_deadline_day)


def local_today(rules: Optional[Rules] = None, now: Optional[dt.datetime] = None) -> dt.date:
    return clock.local_today(rules or effective_rules(), now)


def _ensure_close(year: int, month: int) -> MonthClose:
    close = get_close(year, month)
    if close is None:
        close = MonthClose(year=year, month=month, state=STATE_DRAFT)
        db.session.add(close)
        db.session.flush()
    return close


def _roles(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", [])}


_name = display_name


def _check_month_over(year: int, month: int, now: Optional[dt.datetime]) -> None:
    today = local_today(now=now)
    if (year, month) >= (today.year, today.month):
        raise CloseRefused(_("A month can be submitted or approved only after it has ended."))


def submit_zone(year: int, month: int, zone_id: int, user, *, now: Optional[dt.datetime] = None,
                note: str = "") -> ZoneSubmission:
    """A zone leader submits the month for the zone's committees (once; on time if by the deadline)."""
    roles = _roles(user)
    if not (roles & {ADMIN, STREET_OFFICE}) and not (ZONE_LEADER in roles and user.zone_id == zone_id):
        raise CloseRefused(_("Only the zone's leader can submit the month for the zone."))
    _check_month_over(year, month, now)
    close = _ensure_close(year, month)
    if close.state == STATE_APPROVED:
        raise CloseRefused(_("This month is already approved."))
    existing = db.session.query(ZoneSubmission).filter_by(year=year, month=month, zone_id=zone_id).one_or_none()
    if existing is not None:
        raise CloseRefused(_("This zone has already submitted this month."))
    when = (now.astimezone(dt.timezone.utc).replace(tzinfo=None) if now and now.tzinfo else now) or utcnow()
    submission = ZoneSubmission(year=year, month=month, zone_id=zone_id, submitted_at=when,
                                submitted_by_fk=user.id, submitted_by=_name(user)[:128],
                                on_time=local_today(now=now) <= submission_deadline(year, month),
                                note=(note or "")[:500] or None)
    db.session.add(submission)
    db.session.flush()  # the caller commits (a view's committing(), a task's unit_of_work())
    audit_record("month_submit", model="ZoneSubmission", record_id=submission.id,
                 detail=f"{year:04d}-{month:02d} zone={zone_id} on_time={submission.on_time}")
    return submission


def submissions(year: int, month: int) -> list[dict]:
    """Every zone with its submission (or none) for the month."""
    done = {s.zone_id: s for s in db.session.query(ZoneSubmission).filter_by(year=year, month=month)}
    deadline = submission_deadline(year, month)
    return [{"zone": z, "submission": done.get(z.id), "deadline": deadline}
            for z in db.session.query(Zone).order_by(Zone.id)]


def approve_month(year: int, month: int, user, *, now: Optional[dt.datetime] = None) -> MonthClose:
    """The office approves: the month's numbers are computed from the records themselves (not the maintained
    table), stored as the snapshot with the rules used, the month is frozen, and the ladders climb."""
    if not _roles(user) & {ADMIN, STREET_OFFICE}:
        raise CloseRefused(_("Only the street office approves a month."))
    _check_month_over(year, month, now)
    close = _ensure_close(year, month)
    reapproval = close.state == STATE_APPROVED
    if reapproval and not open_unlocks(year, month):
        raise CloseRefused(_("This month is already approved."))
    snapshot_rules = effective_rules()
    if reapproval and close.snapshot:  # an approved month keeps the rules it was approved with
        snapshot_rules = dataclasses.replace(snapshot_rules, **{k: v for k, v in close.snapshot["rules"].items()
                                                                 if k in EDITABLE_RULES})
    data = compute_month(year, month, rules=snapshot_rules, direct=True, now=now)
    close.snapshot = data
    close.state = STATE_APPROVED
    close.approved_at = utcnow()
    close.approved_by_fk = user.id
    close.approved_by = _name(user)[:128]
    for unlock in open_unlocks(year, month):
        unlock.closed_at = utcnow()
    db.session.flush()
    cause = (f"{year}年{month}月更正后重新审核，约谈台账按全年已审核月份重新计算" if reapproval
             else f"{year}年{month}月审核通过，约谈台账按全年已审核月份重新计算")
    changed = recompute_ladders(year, cause)
    if not _outcome(month, data).active:
        _tell_office_no_activity(year, month)
    db.session.flush()  # the caller commits (a view's committing(), a task's unit_of_work())
    audit_record("month_reapprove" if reapproval else "month_approve", model="MonthClose", record_id=close.id,
                 detail=f"{year:04d}-{month:02d} talks+{len(changed['created'])} "
                        f"superseded={len(changed['superseded'])}")
    return close


def open_unlocks(year: int, month: int, committee_id: Optional[int] = None) -> list[MonthUnlock]:
    query = db.session.query(MonthUnlock).filter_by(year=year, month=month).filter(MonthUnlock.closed_at.is_(None))
    if committee_id is not None:
        query = query.filter_by(committee_id=committee_id)
    return query.all()


def unlock_month(year: int, month: int, committee_id: int, reason: str, user) -> MonthUnlock:
    """Reopen an approved month for one committee's records; the reason is audited. Approving again closes it."""
    if not _roles(user) & {ADMIN, STREET_OFFICE}:
        raise CloseRefused(_("Only the street office unlocks an approved month."))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise CloseRefused(_("Give a reason for the unlock."))
    close = get_close(year, month)
    if close is None or close.state != STATE_APPROVED:
        raise CloseRefused(_("Only an approved month can be unlocked."))
    unlock = MonthUnlock(year=year, month=month, committee_id=committee_id, reason=reason[:500],
                         opened_by=_name(user)[:128])
    db.session.add(unlock)
    # The approved snapshot stays in force until the month is approved again, so this recomputation normally
    # changes nothing; it brings the ledger in line if it was ever out of step (e.g. talks from before issue 12).
    recompute_ladders(year, f"{year}年{month}月解锁更正，约谈台账按全年已审核月份重新计算")
    db.session.flush()  # the caller commits (a view's committing(), a task's unit_of_work())
    audit_record("month_unlock", model="MonthUnlock", record_id=unlock.id, committee_id=committee_id,
                 detail=f"{year:04d}-{month:02d}: {reason[:400]}")
    return unlock


def frozen_checker(session: Session) -> Callable[[int, dt.date], bool]:
    """A function (committee_id, day) → frozen?, caching the approved months for one flush."""
    approved: dict[tuple[int, int], bool] = {}
    unlocked: dict[tuple[int, int], set[int]] = {}
    conn = session.connection()

    def check(committee_id: int, day: dt.date) -> bool:
        key = (day.year, day.month)
        if key not in approved:
            state = conn.execute(select(MonthClose.state).where(MonthClose.year == key[0],
                                                                 MonthClose.month == key[1])).scalar()
            approved[key] = state == STATE_APPROVED
            unlocked[key] = set(conn.execute(select(MonthUnlock.committee_id).where(
                MonthUnlock.year == key[0], MonthUnlock.month == key[1], MonthUnlock.closed_at.is_(None))).scalars())
        return approved[key] and committee_id not in unlocked[key]

    return check


def is_month_frozen(committee_id: int, day: dt.date) -> bool:
    """True when ``day``'s month is approved and not unlocked for ``committee_id``: its verification records
    may not be added, changed or deleted (the verification screens can ask before showing an edit button)."""
    return frozen_checker(db.session)(committee_id, day)


# --------------------------------------------------------------------------------------------------------------
# Ladders (约谈)
# --------------------------------------------------------------------------------------------------------------

def _users_with_role(committee_id: int, role_name: str) -> list:
    return users_with_role(role_name, committee_id=committee_id)


def _names(users) -> str:
    return "、".join(f"{u.first_name or ''}{u.last_name or ''}".strip() or u.username for u in users if u)


def committee_label(name: str) -> str:
    """"钢五" → "钢五居民区" (a name that already says 居民区 is left alone)."""
    return name if name.endswith("居民区") else f"{name}居民区"


def _outcome(month: int, data: dict) -> ladder_rules.MonthOutcome:
    """What an approved month's snapshot says about who was last (snapshots approved before the police were
    stored in them fall back to today's assignment)."""
    ranking = data.get("ranking") or []
    active = month_has_activity(
        CommitteeMonth.from_counts(r["seq"], r["committee"], r["checked"], r["correct"], r["changes_total"],
                                   r["changes_on_time"]) for r in ranking)
    worst = max((r["rank"] for r in ranking), default=None)
    last = tuple(r["committee_id"] for r in ranking if r["rank"] == worst)
    police_map = data.get("police")
    if police_map is None:
        police_map = police_officers()
    police = {cid: tuple(o[0] for o in police_map.get(str(cid), [])) for cid in last}
    members = data.get("members") or []
    worst_member = max((m["rank"] for m in members), default=None)
    last_members = tuple(m["member_id"] for m in members if m["rank"] == worst_member)
    return ladder_rules.MonthOutcome(month, active, last, police, last_members)


def _talk_key(talk: Talk) -> tuple:
    if talk.target == TARGET_COMMITTEE:
        subject = talk.committee_id
    elif talk.target == TARGET_POLICE:
        subject = talk.police_user_id if talk.police_user_id is not None else ("committee", talk.committee_id)
    else:
        subject = talk.member_user_id
    return (talk.month, talk.target, subject, talk.times_last, talk.rung_code)


def _talk_for(year: int, step: ladder_rules.LadderStep, data: dict) -> Talk:
    """The Talk row a ladder step calls for, worded for print (Chinese, the plan's words)."""
    rung, month = step.rung, step.month
    common = dict(year=year, month=month, target=step.target, times_last=step.times, rung=rung.number,
                  rung_code=rung.code, kind=rung.kind, who_talks=rung.who_talks, participants=rung.who_talks)
    nth = f"年度内第{step.times}次末位"
    if step.target == TARGET_MEMBER:
        row = next(m for m in data["members"] if m["member_id"] == step.subject)
        return Talk(**common, member_user_id=row["member_id"], member_name=row["name"][:128],
                    to_whom=f"{rung.to_whom}{row['name']}"[:128],
                    reason=f"{year}年{month}月综合协管队员月度绩效考核排名末位（{row['total']}分），{nth}")
    rows = {r["committee_id"]: r for r in data["ranking"]}
    labels = "、".join(committee_label(rows[c]["committee"]) for c in step.committees)
    shared = "并列" if sum(1 for r in data["ranking"] if r["rank"] == rows[step.committees[0]]["rank"]) > 1 else ""
    standing = "；".join(f"{committee_label(rows[c]['committee'])}{shared}第{rows[c]['rank']}名，"
                        f"{rows[c]['points']['total']}分" for c in step.committees)
    reason = f"{year}年{month}月居民区人口服务和管理工作月度排名末位（{standing}），{nth}"
    if step.target == TARGET_COMMITTEE:
        cid = step.subject
        to_role = {1: SOCIAL_WORKER, 2: COMMITTEE_DIRECTOR}.get(rung.number)
        named = _names(users_with_role(to_role, committee_id=cid)) if to_role else ""
        return Talk(**common, committee_id=cid, reason=reason[:500],
                    to_whom=(f"{labels}{rung.to_whom}" + (f"（{named}）" if named else ""))[:128])
    officer = step.subject if not isinstance(step.subject, tuple) else None
    names = {o[0]: o[1] for c in step.committees for o in (data.get("police") or {}).get(str(c), [])}
    named = names.get(officer, "")
    return Talk(**common, committee_id=step.committees[0], police_user_id=officer, reason=reason[:500],
                to_whom=(f"{labels}{rung.to_whom}" + (f"（{named}）" if named else ""))[:128])


def talk_issued(talk: Talk) -> None:
    """The one place a talk comes into force (after flush, so it has an id): its people are told."""
    notify_talks([talk])


def talk_withdrawn(talk: Talk) -> None:
    """The one place a talk is superseded and its notice withdrawn: its people are told of the withdrawal."""
    notify_talks([talk], withdrawn=True)


def recompute_ladders(year: int, cause: str) -> dict[str, list[Talk]]:
    """Make the year's talks what its approved months call for (ladders.year_ladders), whatever the order in
    which the months were approved. A talk that still holds is kept as it is (its date, place and outcome stay);
    one that no longer holds is kept, marked superseded with ``cause``, and its notice withdrawn; a new one is
    created. Returns {"created": [...], "superseded": [...]}. Does not commit."""
    closes = (db.session.query(MonthClose)
              .filter(MonthClose.year == year, MonthClose.state == STATE_APPROVED,
                      MonthClose.snapshot_json.isnot(None))
              .order_by(MonthClose.month).all())
    snapshots = {c.month: c.snapshot for c in closes}
    steps = ladder_rules.year_ladders(_outcome(m, data) for m, data in snapshots.items())
    wanted = {step.key: step for step in steps}
    kept: set[tuple] = set()
    superseded = []
    now = utcnow()
    for talk in (db.session.query(Talk).filter(Talk.year == year, Talk.superseded_at.is_(None),
                                               Talk.rung_code != RUNG_SPOT_INSPECTION)  # not a ladder's talk
                 .order_by(Talk.month, Talk.id)):
        key = _talk_key(talk)
        if key in wanted and key not in kept:
            kept.add(key)
            continue
        talk.superseded_at, talk.superseded_reason = now, cause[:500]
        superseded.append(talk)
    created = [_talk_for(year, step, snapshots[step.month]) for step in steps if step.key not in kept]
    db.session.add_all(created)
    db.session.flush()
    for talk in superseded:
        talk_withdrawn(talk)
    for talk in created:
        talk_issued(talk)
    return {"created": created, "superseded": superseded}


def _tell_office_no_activity(year: int, month: int) -> int:
    """A month with nothing checked and nothing changed creates no talk: the office is told instead."""
    text = _("%(month)s/%(year)s: nothing was checked and nothing changed in the month, so its ranking names "
             "no one last and no talk was created. Please check that the month's work was recorded.",
             year=year, month=month)
    return sum(1 for user in users_with_role(STREET_OFFICE)
               if notify(user.id, text, f"/monthly/month/{year:04d}-{month:02d}", once=True))


def ladder_history(year: int, user=None) -> list[dict]:
    """Per committee (in table order): the year's talks, rung by rung (committees the user may see)."""
    visible = scoping.visible_committee_ids(user) if user is not None else None  # None: street-wide (tasks)
    talks = (db.session.query(Talk).filter(Talk.year == year, Talk.committee_id.isnot(None))
             .order_by(Talk.month, Talk.superseded_at.isnot(None), Talk.id).all())
    by_committee: dict[int, list[Talk]] = {}
    for talk in talks:
        by_committee.setdefault(talk.committee_id, []).append(talk)
    return [{"committee": c, "talks": by_committee.get(c.id, [])} for c in committees()
            if visible is None or c.id in visible]


def month_talks(year: int, month: int, *, include_superseded: bool = False) -> list[Talk]:
    """The month's talks in force (bulletins print these); with include_superseded, the withdrawn ones too."""
    query = db.session.query(Talk).filter_by(year=year, month=month)
    if not include_superseded:
        query = query.filter(Talk.superseded_at.is_(None))
    return query.order_by(Talk.id).all()


# --------------------------------------------------------------------------------------------------------------
# Drafting (the 1st of the month)
# --------------------------------------------------------------------------------------------------------------

def draft_month(year: int, month: int) -> dict:
    """Draft the month (its close row, numbers computed once to warm and check them) and ask the zone leaders to
    submit. Idempotent: each leader is notified once per month. Commits."""
    close = _ensure_close(year, month)
    if close.drafted_at is None:
        close.drafted_at = utcnow()
    data = compute_month(year, month) if close.state != STATE_APPROVED else close.snapshot
    deadline = submission_deadline(year, month)
    text = _("The verification table and ranking of %(month)s/%(year)s are drafted; please check and submit "
             "your zone's month by %(deadline)s.", year=year, month=month, deadline=format_date(deadline, "long"))
    link = f"/monthly/month/{year:04d}-{month:02d}"
    notified = 0
    for leader in users_with_role(ZONE_LEADER):
        if notify(leader.id, text, link, once=True):
            notified += 1
    db.session.flush()  # the caller commits (a view's committing(), a task's unit_of_work())
    return {"month": sql_table.month_key(year, month), "notified": notified,
            "committees": len(data["table"]["rows"]) if data else 0}


def exact_share(numerator: int, denominator: int) -> Optional[Fraction]:
    return Fraction(numerator, denominator) if denominator else None


# --------------------------------------------------------------------------------------------------------------
# The office's own text in the bulletins (issue 12 item 8)
# --------------------------------------------------------------------------------------------------------------

NOTE_PERIODS = {"month": 12, "quarter": 4}


def bulletin_note(year: int, period: str, number: int) -> str:
    """本月工作重点提示 (period "month") or 重点工作布置 (period "quarter"); "" when the office wrote none."""
    note = db.session.scalars(select(BulletinNote).where(BulletinNote.year == year, BulletinNote.period == period,
                                                         BulletinNote.number == number)).one_or_none()
    return note.text if note is not None else ""


def set_bulletin_note(year: int, period: str, number: int, text: str, user) -> None:
    """Write (or, with empty text, remove) the office's note; the view commits."""
    if period not in NOTE_PERIODS or not 1 <= number <= NOTE_PERIODS[period]:
        raise CloseRefused(_("Unknown document."))
    text = (text or "").strip()
    if len(text) > 1000:
        raise CloseRefused(_("At most %(n)s characters.", n=1000))
    note = db.session.scalars(select(BulletinNote).where(BulletinNote.year == year, BulletinNote.period == period,
                                                         BulletinNote.number == number)).one_or_none()
    if not text:
        if note is not None:
            db.session.delete(note)
        return
    if note is None:
        note = BulletinNote(year=year, period=period, number=number)
        db.session.add(note)
    note.text, note.updated_at, note.updated_by = text, clock.utcnow(), _name(user)[:128]
