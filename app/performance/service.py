"""The team's performance (绩效考核) for a month, quarter or year, and the community police's year (最佳社区民警), read
from the records the portal already keeps. Adds to the session and never commits (the view commits).

Team members: a few GROUP BY statements over the period (verification records by who made them, change-case steps
by who did them, spot inspections by zone, talks by member), then the pure score of app/domain/performance.py.
Whose scores a user reads is app.access.scoping.team_reach's answer: the office every member, a zone leader his zone's,
a team member his own.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, select, union_all

from app.access.users import person_name, users_with_role
from app.access import scoping
from app.domain import clock
from app.domain import performance as rules_of
from app.domain.monthly_table import CROSS_CHECK
from app.errors import UserFacingError
from app.extensions import db
from app.models import Committee, PortalUser
from app.settings import current_rules
from app.access.roles import COMMUNITY_POLICE, TEAM_MEMBER
from app.audit import record
from app.changes.models import ChangeCase
from app.crime.models import LEAD_CONFIRMED, CrimeLead
from app.monthly import service as monthly
from app.monthly.models import TARGET_MEMBER, SpotInspection, Talk
from app.notifications.service import notify
from app.performance.models import PoliceBonus
from app.verification.models import VerificationRecord


_name = person_name  # as the crime records write their reporters


def parse_period(text: Optional[str]) -> rules_of.Period:
    """The period of a request, or a Chinese refusal (a month 13, a fifth quarter, a period not begun)."""
    try:
        return rules_of.parse_period(text, clock.local_today(current_rules()))
    except rules_of.PeriodError as exc:
        if exc.code == "future":
            raise UserFacingError(_("This period has not begun yet.")) from None
        raise UserFacingError(_("No such period: give a month (2026-06), a quarter (2026-Q2) or a year "
                                "(2026).")) from None


def _bounds(period: rules_of.Period, rules) -> tuple[dt.datetime, dt.datetime]:
    """The period's first and after-last local days as naive-UTC instants (timestamps are stored in UTC)."""
    def start_of(day: dt.date) -> dt.datetime:
        return clock.naive(dt.datetime.combine(day, dt.time.min, tzinfo=rules.zone))

    return start_of(period.first), start_of(period.last + dt.timedelta(days=1))


# -- team members -----------------------------------------------------------------------------------------------

def visible_members(user) -> list[PortalUser]:
    """Team members of a zone the user may read, by zone then name."""
    from flask_appbuilder.security.sqla.models import Role

    reach, value = scoping.team_reach(user)
    if reach == "none":
        return []
    query = (db.session.query(PortalUser)
             .filter(PortalUser.active.is_(True), PortalUser.zone_id.is_not(None),
                     PortalUser.roles.any(Role.name == TEAM_MEMBER)))
    if reach == "zone":
        query = query.filter(PortalUser.zone_id == value)
    elif reach == "self":
        query = query.filter(PortalUser.id == value)
    return query.order_by(PortalUser.zone_id, PortalUser.username, PortalUser.id).all()


def member_counts(period: rules_of.Period, members: list[PortalUser], rules) -> list[rules_of.MemberCounts]:
    """What each member did in the period (four statements, whatever the number of members)."""
    ids = sorted(m.id for m in members)
    if not ids:
        return []
    vr = VerificationRecord.__table__
    later = vr.alias("later")
    # A result a later cross check (交叉核查, someone else) of the same person found otherwise.
    overturned = exists().where(
        later.c.kind == CROSS_CHECK, later.c.person_id == vr.c.person_id, later.c.committee_id == vr.c.committee_id,
        later.c.recorded_by_fk != vr.c.recorded_by_fk, later.c.result != vr.c.result,
        (later.c.checked_on > vr.c.checked_on)
        | and_(later.c.checked_on == vr.c.checked_on, later.c.checked_at > vr.c.checked_at))
    checks = {uid: (int(n), int(pda or 0), int(bad or 0)) for uid, n, pda, bad in db.session.execute(
        select(vr.c.recorded_by_fk, func.count(), func.sum(case((vr.c.entered_into_pda, 1), else_=0)),
               func.sum(case((overturned, 1), else_=0)))
        .where(vr.c.checked_on >= period.first, vr.c.checked_on <= period.last, vr.c.recorded_by_fk.in_(ids))
        .group_by(vr.c.recorded_by_fk))}

    start, end = _bounds(period, rules)
    collected = (select(ChangeCase.collected_by_fk.label("uid"),
                        case((ChangeCase.collected_at <= ChangeCase.collection_due, 1), else_=0).label("on_time"))
                 .where(ChangeCase.collected_by_fk.in_(ids), ChangeCase.collected_at >= start,
                        ChangeCase.collected_at < end))
    entered = (select(ChangeCase.entered_by_fk.label("uid"),
                      case((ChangeCase.entry_due.is_(None), 1), (ChangeCase.entered_at <= ChangeCase.entry_due, 1),
                           else_=0).label("on_time"))
               .where(ChangeCase.entered_by_fk.in_(ids), ChangeCase.entered_at >= start, ChangeCase.entered_at < end))
    steps = union_all(collected, entered).subquery()
    cases = {uid: (int(n), int(ok or 0)) for uid, n, ok in db.session.execute(
        select(steps.c.uid, func.count(), func.sum(steps.c.on_time)).group_by(steps.c.uid))}

    first_key, last_key = period.month_keys()
    spot = {zone_id: float(avg) for zone_id, avg in db.session.execute(
        select(Committee.zone_id, func.avg(SpotInspection.score))
        .join(Committee, Committee.id == SpotInspection.committee_id)
        .where(SpotInspection.year * 100 + SpotInspection.month >= first_key,
               SpotInspection.year * 100 + SpotInspection.month <= last_key)
        .group_by(Committee.zone_id))}
    talks = dict(db.session.execute(
        select(Talk.member_user_id, func.count()).where(
            Talk.target == TARGET_MEMBER, Talk.member_user_id.in_(ids), Talk.superseded_at.is_(None),
            Talk.year * 100 + Talk.month >= first_key, Talk.year * 100 + Talk.month <= last_key)
        .group_by(Talk.member_user_id)).all())

    out = []
    for member in members:
        n, pda, bad = checks.get(member.id, (0, 0, 0))
        steps_n, steps_ok = cases.get(member.id, (0, 0))
        average = spot.get(member.zone_id)
        out.append(rules_of.MemberCounts(
            member_id=member.id, name=_name(member), checked=n, overturned=bad, entered_into_pda=pda,
            case_steps=steps_n, case_steps_on_time=steps_ok,
            spot_average=None if average is None else round(average, 2), talks=int(talks.get(member.id, 0))))
    return out


def team_performance(period: rules_of.Period, user) -> dict:
    """The period's scores of the members ``user`` may read, best first, with their zones."""
    rules = current_rules()
    members = visible_members(user)
    zones = {m.id: (m.zone.name if m.zone else "") for m in members}
    scores = rules_of.rank_members(member_counts(period, members, rules), period, rules)
    rows = []
    for s in scores:
        c = s.counts
        rows.append({
            "rank": s.rank, "member_id": c.member_id, "name": c.name, "zone": zones.get(c.member_id, ""),
            "checked": c.checked, "overturned": c.overturned, "entered_into_pda": c.entered_into_pda,
            "case_steps": c.case_steps, "case_steps_on_time": c.case_steps_on_time,
            "spot_average": c.spot_average, "talks": c.talks,
            "checks_points": s.checks, "accuracy_points": s.accuracy, "timeliness_points": s.timeliness,
            "spot_points": s.spot, "penalty": s.penalty, "total": s.total,
        })
    return {"period": period, "rows": rows, "quota": rules.member_monthly_quota * len(period.months),
            "weights": {"checks": rules.performance_weight_checks, "accuracy": rules.performance_weight_accuracy,
                        "timeliness": rules.performance_weight_timeliness,
                        "spot": rules.performance_weight_spot_inspection,
                        "talk": rules.performance_penalty_per_talk}}


TEAM_HEADERS = ("名次", "队员", "片区", "核查人数", "交叉核查发现差错", "录入PDA", "变动事项环节", "按时完成环节",
                "飞行检查平均分", "约谈次数", "核查量得分", "准确率得分", "及时性得分", "飞行检查得分", "约谈扣分", "总分")


def team_rows_for_sheet(data: dict) -> list[list]:
    return [[r["rank"], r["name"], r["zone"], r["checked"], r["overturned"], r["entered_into_pda"], r["case_steps"],
             r["case_steps_on_time"], "" if r["spot_average"] is None else r["spot_average"], r["talks"],
             r["checks_points"], r["accuracy_points"], r["timeliness_points"],
             "" if r["spot_points"] is None else r["spot_points"], r["penalty"], r["total"]] for r in data["rows"]]


# -- the community police's year --------------------------------------------------------------------------------

def _officers() -> list[PortalUser]:
    return users_with_role(COMMUNITY_POLICE)


def police_year(year: int) -> dict:
    """Per community police officer: leads he found (reported or recorded by him; confirmed ones apart), the
    checks he led, the ranks of his committees in the year's approved months (and how often one was last), and
    the office's 酌情加分 with their reasons."""
    rules = current_rules()
    start, end = _bounds(rules_of.Period(rules_of.YEAR, year), rules)
    officers = _officers()
    names = {o.id: _name(o) for o in officers}

    leads: dict[str, list[int]] = {}
    for recorded_by, reporter, state, n in db.session.execute(
            select(CrimeLead.recorded_by, CrimeLead.reporter_name, CrimeLead.state, func.count())
            .where(CrimeLead.reported_at >= start, CrimeLead.reported_at < end)
            .group_by(CrimeLead.recorded_by, CrimeLead.reporter_name, CrimeLead.state)):
        for who in {recorded_by, reporter}:
            entry = leads.setdefault(who, [0, 0])
            entry[0] += n
            entry[1] += n if state == LEAD_CONFIRMED else 0
    led = dict(db.session.execute(
        select(VerificationRecord.police_user_id, func.count())
        .where(VerificationRecord.checked_on >= dt.date(year, 1, 1),
               VerificationRecord.checked_on <= dt.date(year, 12, 31),
               VerificationRecord.police_user_id.is_not(None))
        .group_by(VerificationRecord.police_user_id)).all())
    bonuses: dict[int, list] = {}
    for bonus in (db.session.query(PoliceBonus).filter(PoliceBonus.year == year)
                  .order_by(PoliceBonus.recorded_at, PoliceBonus.id)):
        bonuses.setdefault(bonus.officer_user_id, []).append(bonus)

    months = [m for m in range(1, 13)
              if (close := monthly.get_close(year, m)) is not None and close.state == monthly.STATE_APPROVED]
    ranks: dict[int, dict[int, list]] = {}
    lasts: dict[int, int] = {}
    for m in months:
        data = monthly.month_data(year, m)
        ranking = data.get("ranking") or []
        if not ranking:
            continue
        worst = max(r["rank"] for r in ranking)
        by_committee = {r["committee_id"]: r for r in ranking}
        # The officers of the month as approved (the snapshot keeps them), so later reassignments change nothing.
        for committee_id, people in (data.get("police") or {}).items():
            item = by_committee.get(int(committee_id))
            if item is None:
                continue
            for officer_id, _officer_name in people:
                ranks.setdefault(officer_id, {}).setdefault(m, []).append(f"{item['committee']}{item['rank']}")
                lasts[officer_id] = lasts.get(officer_id, 0) + (item["rank"] == worst)

    rows = []
    for officer in officers:
        found, confirmed = leads.get(names[officer.id], [0, 0])
        entries = bonuses.get(officer.id, [])
        rows.append({
            "officer_id": officer.id, "name": names[officer.id],
            "committees": "、".join(c.name for c in sorted(officer.committees, key=lambda c: (c.seq, c.id))),
            "leads": found, "leads_confirmed": confirmed, "checks_led": int(led.get(officer.id, 0)),
            "ranks": {m: "、".join(v) for m, v in ranks.get(officer.id, {}).items()},
            "times_last": lasts.get(officer.id, 0),
            "bonus": round(sum(b.points for b in entries), 1),
            "bonus_entries": [{"points": b.points, "reason": b.reason, "by": b.recorded_by,
                               "at": b.recorded_at} for b in entries],
        })
    return {"year": year, "months": months, "rows": rows, "max_points": rules.police_bonus_max_points}


POLICE_HEADERS = ("社区民警", "负责居民区", "发现线索", "其中经核实", "带队核查人数", "各月居民区名次", "末位次数",
                  "酌情加分", "加分理由")


def police_rows_for_sheet(data: dict) -> list[list]:
    return [[r["name"], r["committees"], r["leads"], r["leads_confirmed"], r["checks_led"],
             "；".join(f"{m}月 {r['ranks'][m]}" for m in sorted(r["ranks"])), r["times_last"], r["bonus"],
             "；".join(e["reason"] for e in r["bonus_entries"])] for r in data["rows"]]


def add_bonus(*, year: int, officer_id: Optional[int], points: Optional[float], reason: str, user):
    """The office's 酌情加分 for an officer's year: a community police officer, points within the rule, a reason.
    Checked before anything is added; the entry is written with an audit event in the same transaction."""
    rules = current_rules()
    today = clock.local_today(rules)
    if not rules_of.YEAR_MIN <= year <= today.year:
        raise UserFacingError(_("Choose a year that has begun."))
    officer = next((o for o in _officers() if o.id == officer_id), None) if officer_id is not None else None
    if officer is None:
        raise UserFacingError(_("Choose a community police officer from the list."))
    try:
        points = rules_of.check_bonus_points(points, rules)
    except ValueError:
        raise UserFacingError(_("Give points more than 0 and at most %(max)s, in steps of 0.5.",
                                max=rules.police_bonus_max_points)) from None
    reason = (reason or "").strip()
    if not reason:
        raise UserFacingError(_("Say why the points are added."))
    if len(reason) > 500:
        raise UserFacingError(_("At most %(n)s characters.", n=500))
    bonus = PoliceBonus(year=year, officer_user_id=officer.id, points=points, reason=reason,
                        recorded_by=_name(user)[:128], recorded_at=clock.utcnow())
    db.session.add(bonus)
    db.session.flush()
    record("police_bonus", model="PoliceBonus", record_id=bonus.id,
           detail=f"{year} {_name(officer)} +{points:g}: {reason}"[:2000], commit=False)

    notify(officer.id, f"{year}年度“最佳社区民警”评选：街道人口办为您酌情加分{points:g}分（{reason}）"[:500])
    return bonus
