"""The home page as a to-do list (issue 13 item 1): what the signed-in user must do, and what waits for his
committee or zone.

Two queries, whatever the role and the number of committees, so the page stays fast at 200,000 persons:

- ``_counts``: one UNION ALL of GROUP BY committee counts — forms to collect, forms to enter, overdue and due-today
  cases, declarations to process, window applicants, transfers to confirm, this month's checked persons (from
  verification_latest, the monthly table's own counting rule), registered persons and volunteers not yet visited
  in the running half-year — joined to the committees
  the user may see (app.access.scoping decides which);
- ``_items``: one UNION ALL of rows — the cases I hold (with their due time), my talks, my cross-check assignments,
  the close state of the month being closed and the zones' submissions, the open tasks that follow meetings'
  decisions (mine, or my committee's for its director and social workers), the open findings of spot inspections
  (飞行检查) for those who put them right, the special joint actions waiting for the police's application or joint
  visit (专项联勤联动) for the police, and (for the office) each scheduled job's last run, the same rows /health reads.

Dates and times leave here as naive UTC; the template shows them in Shanghai to the minute.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import DateTime, Integer, String, and_, case, cast, exists, func, literal, null, or_, select, union_all

from app.access import scoping
from app.access.roles import (ADMIN, ALL_SEEING_ROLES, COMMITTEE_DIRECTOR, COMMUNITY_POLICE, POLICE_STATION,
                              SOCIAL_WORKER, STREET_OFFICE, ZONE_ROLES)
from app.domain import case_flow, clock
from app.domain import jointaction as joint_clock
from app.extensions import db
from app.settings import current_rules
from app.changes.models import BlockLeader, ChangeCase, TransferRequest
from app.health import is_stale
from app.inspections.models import STATE_OPEN, InspectionFinding
from app.jointaction.models import APPLIED, ESCALATED, JointAction
from app.meetings.models import MeetingDecision
from app.meetings.service import open_tasks_clause
from app.models import Committee, House
from app.models.counts import CommitteeCount
from app.models.jobs import JobRun
from app.monthly.models import TARGET_COMMITTEE, MonthClose, RankingSetting, Talk, VerificationLatest, ZoneSubmission
from app.monthly.service import submission_deadline
from app.schedule import BEAT_SCHEDULE
from app.verification.models import (DECLARATION_PENDING, WINDOW_PENDING, CrossCheckAssignment, SelfDeclaration,
                                     WindowApplicant)
from app.volunteers.models import Volunteer, VolunteerVisit

# The kinds of count per committee (``_counts``); each card links to where the work is done.
COLLECT, ENTRY, OVERDUE, DUE_TODAY = "collect", "entry", "overdue", "due_today"
DECLARATIONS, WINDOW, TRANSFERS, CHECKED, PERSONS = "declarations", "window", "transfers", "checked", "persons"
VISITS = "visits"  # volunteers not yet visited (慰问) in the running half-year
COUNT_KINDS = (COLLECT, ENTRY, OVERDUE, DUE_TODAY, DECLARATIONS, WINDOW, TRANSFERS, CHECKED, PERSONS, VISITS)
LINKS = {
    COLLECT: "/changes/list/", ENTRY: "/changes/list/", OVERDUE: "/changes/overdue",
    DUE_TODAY: "/changes/overview/", DECLARATIONS: "/verification/workstation/declarations",
    WINDOW: "/verification/window/", TRANSFERS: "/changes/transfers/", CHECKED: "/verification/coverage/",
    PERSONS: "/persons/list/", VISITS: "/volunteers/",
}


# A typed NULL, so PostgreSQL can resolve the UNION's column types.
_NULL_INT = cast(null(), Integer)

# Who must act on what the inspections and the joint actions leave open: the inspected committee's director and
# social workers put findings right (the office follows them up); the police apply to the 城运平台 and visit.
FINDING_ROLES = frozenset({COMMITTEE_DIRECTOR, SOCIAL_WORKER, STREET_OFFICE, ADMIN})
JOINT_ROLES = frozenset({COMMUNITY_POLICE, POLICE_STATION, ADMIN})


@dataclass
class CommitteeRow:
    id: int
    name: str
    seq: int
    counts: dict = field(default_factory=dict)

    def __getitem__(self, kind: str) -> int:
        return self.counts.get(kind, 0)


@dataclass
class Home:
    role_names: set
    all_seeing: bool
    zone: bool
    committees: list  # CommitteeRow, table order
    totals: dict
    quota: int
    cases: list  # dicts: id, committee, stage, kind, address, due, overdue, due_today (overdue first)
    talks: list
    cross: list
    tasks: list  # dicts: id, meeting_id, text, due (date), overdue — the meetings' decisions I must carry out
    close_month: tuple  # (year, month) being closed now: the previous month
    close_state: Optional[str]  # None (not drafted yet), draft, approved
    submitted_zones: set
    my_zone_submitted: Optional[bool]
    submission_due: dt.date
    jobs: list  # office: {"name", "started_at", "status", "stale"}
    broker: Optional[str]  # office: ok / down / in-process
    # Open spot-inspection findings of my committees: {"id", "committee", "text", "due", "overdue"}, overdue first.
    findings: list = field(default_factory=list)
    # Joint actions waiting for an application or a visit: {"id", "committee", "stage", "due", "overdue"}.
    joint: list = field(default_factory=list)

    @property
    def under_quota(self) -> list:
        return [c for c in self.committees if c[CHECKED] < self.quota]

    @property
    def scheduler_warning(self) -> bool:
        return self.broker == "down" or any(j["stale"] or j["status"] == "error" or j["started_at"] is None
                                            for j in self.jobs)


def _due_expression(ChangeCase):
    """pending_due (app/changes/service.py) in SQL: the deadline a case waits on now."""
    collection = case(
        (and_(ChangeCase.key_area, ChangeCase.entry_due.is_not(None),
              ChangeCase.entry_due < ChangeCase.collection_due), ChangeCase.entry_due),
        else_=ChangeCase.collection_due)
    return case((ChangeCase.stage.in_(case_flow.AWAITING_COLLECTION), collection),
                (ChangeCase.stage.in_(case_flow.AWAITING_ENTRY), ChangeCase.entry_due), else_=null())


def _day_bounds(now: dt.datetime, rules) -> tuple[dt.datetime, dt.datetime]:
    today = clock.local_today(rules, clock.aware(now))
    start = clock.naive(dt.datetime.combine(today, dt.time.min, tzinfo=rules.zone))
    return start, start + dt.timedelta(days=1)


def _counts(ids, now: dt.datetime, rules) -> list:
    def restricted(query, column):
        if ids is None:
            return query
        return query.where(column.in_(sorted(ids) or [-1]))

    def per_committee(kind, column, *where):
        return restricted(select(column.label("cid"), literal(kind).label("kind"), func.count().label("n"))
                          .where(*where), column).group_by(column)

    due = _due_expression(ChangeCase)
    day_start, day_end = _day_bounds(now, rules)
    today = clock.local_today(rules, clock.aware(now))
    open_case = ChangeCase.stage.in_(case_flow.OPEN_STAGES)
    parts = union_all(
        per_committee(COLLECT, ChangeCase.committee_id, ChangeCase.stage.in_(case_flow.AWAITING_COLLECTION)),
        per_committee(ENTRY, ChangeCase.committee_id, ChangeCase.stage.in_(case_flow.AWAITING_ENTRY)),
        per_committee(OVERDUE, ChangeCase.committee_id, open_case, due < now),
        per_committee(DUE_TODAY, ChangeCase.committee_id, open_case, due >= now, due >= day_start, due < day_end),
        per_committee(DECLARATIONS, SelfDeclaration.committee_id, SelfDeclaration.status == DECLARATION_PENDING),
        per_committee(WINDOW, WindowApplicant.committee_id, WindowApplicant.status == WINDOW_PENDING),
        per_committee(TRANSFERS, TransferRequest.from_committee_id, TransferRequest.status == "pending"),
        per_committee(CHECKED, VerificationLatest.committee_id,
                      VerificationLatest.month == today.year * 100 + today.month),
        # Registered persons (active residences) from committee_count, kept by triggers (app/models/counts.py):
        # one row per committee instead of a COUNT(*) over 200,000 residences.
        restricted(select(CommitteeCount.committee_id.label("cid"), literal(PERSONS).label("kind"),
                          CommitteeCount.residences.label("n")).where(CommitteeCount.residences > 0),
                   CommitteeCount.committee_id),
        per_committee(VISITS, Volunteer.committee_id, Volunteer.active.is_(True), ~exists().where(
            VolunteerVisit.volunteer_id == Volunteer.id, VolunteerVisit.year == today.year,
            VolunteerVisit.half == (1 if today.month <= 6 else 2), VolunteerVisit.visited_on.is_not(None))),
    ).subquery()
    query = (select(Committee.id, Committee.name, Committee.seq, parts.c.kind, parts.c.n)
             .outerjoin(parts, parts.c.cid == Committee.id).order_by(Committee.seq, Committee.id))
    if ids is not None:
        query = query.where(Committee.id.in_(sorted(ids) or [-1]))
    return db.session.execute(query).all()


def _items(user, ids, own_ids, roles, close_month, office: bool) -> list:
    """Rows of (kind, id, committee_id, at, state, text, ref)."""
    uid = user.id
    year, month = close_month
    today = clock.local_today(current_rules())
    due = _due_expression(ChangeCase)
    columns = ("kind", "id", "committee_id", "at", "state", "text", "ref")

    def row(*values):
        return [v.label(name) for v, name in zip(values, columns)]

    # The cases I hold: holders() in app/changes/service.py in SQL — the block's leader while the form is out (the
    # committee's block leaders when the block has none), the assigned A/B worker once collected (the committee's
    # social workers when none is assigned).
    led_blocks = select(BlockLeader.block_id).where(BlockLeader.user_id == uid)
    block_has_leader = exists().where(BlockLeader.block_id == ChangeCase.block_id)
    mine = or_(
        and_(ChangeCase.stage.in_(case_flow.AWAITING_COLLECTION), or_(
            ChangeCase.block_id.in_(led_blocks),
            and_(literal("block_leader" in roles), ChangeCase.committee_id.in_(sorted(own_ids) or [-1]),
                 ~block_has_leader))),
        and_(ChangeCase.stage.in_(case_flow.AWAITING_ENTRY), or_(
            ChangeCase.assigned_worker_fk == uid,
            and_(literal("social_worker" in roles), ChangeCase.assigned_worker_fk.is_(None),
                 ChangeCase.committee_id.in_(sorted(own_ids) or [-1])))),
    )
    cases = scoping.restrict(
        select(*row(literal("case"), ChangeCase.id, ChangeCase.committee_id, due, ChangeCase.stage,
                    House.address, literal(0)))
        .outerjoin(House, House.id == ChangeCase.house_id).where(mine), ChangeCase.committee_id, user)
    # My talks this year, in force: mine as a member or an officer, or my own committee's.
    talk_mine = or_(Talk.member_user_id == uid, Talk.police_user_id == uid)
    if own_ids and not (roles & ALL_SEEING_ROLES) and COMMUNITY_POLICE not in roles:
        talk_mine = or_(talk_mine, and_(Talk.target == TARGET_COMMITTEE, Talk.committee_id.in_(sorted(own_ids))))
    talks = select(*row(literal("talk"), Talk.id, Talk.committee_id, Talk.created_at, Talk.kind, Talk.to_whom,
                        Talk.year * 100 + Talk.month)).where(
        Talk.year == today.year, Talk.superseded_at.is_(None), talk_mine)
    cross = select(*row(literal("cross"), CrossCheckAssignment.id, CrossCheckAssignment.committee_id,
                        CrossCheckAssignment.assigned_at, literal(""), literal(""), literal(0))).where(
        CrossCheckAssignment.user_id == uid, CrossCheckAssignment.year == today.year,
        CrossCheckAssignment.month == today.month)
    close = select(*row(literal("close"), MonthClose.id, _NULL_INT, MonthClose.approved_at, MonthClose.state,
                        literal(""), literal(0))).where(MonthClose.year == year, MonthClose.month == month)
    subs = select(*row(literal("submitted"), ZoneSubmission.zone_id, _NULL_INT, ZoneSubmission.submitted_at,
                       literal(""), ZoneSubmission.submitted_by, literal(0))).where(
        ZoneSubmission.year == year, ZoneSubmission.month == month)
    # The office may move the submission day (the monthly settings page): read with the rest.
    setting = select(*row(literal("setting"), RankingSetting.value, _NULL_INT, cast(null(), DateTime), literal(""),
                          RankingSetting.name, literal(0))).where(RankingSetting.name == "submission_deadline_day")
    # Tasks that follow a meeting's decision (app/meetings): the due date travels as ISO text in "state", so the
    # UNION's datetime column keeps one type on SQLite and PostgreSQL alike.
    tasks = select(*row(literal("task"), MeetingDecision.id, MeetingDecision.committee_id, MeetingDecision.created_at,
                        cast(MeetingDecision.due_on, String), MeetingDecision.text, MeetingDecision.meeting_id)).where(
        open_tasks_clause(user, own_ids, roles))
    parts = [cases, talks, cross, close, subs, setting, tasks]

    def in_scope(query, column):  # ``ids`` is app.access.scoping's answer, already read: no statement more
        return query if ids is None else query.where(column.in_(sorted(ids) or [-1]))

    if roles & FINDING_ROLES:
        # The due day travels as ISO text in the state column (a DATE cast to DATETIME is a number on SQLite).
        parts.append(in_scope(
            select(*row(literal("finding"), InspectionFinding.id, InspectionFinding.committee_id,
                        cast(null(), DateTime), cast(InspectionFinding.due_on, String), InspectionFinding.text,
                        literal(0))).where(InspectionFinding.state == STATE_OPEN),
            InspectionFinding.committee_id))
    if roles & JOINT_ROLES:
        since = case((JointAction.stage == ESCALATED, JointAction.escalated_on), else_=JointAction.applied_on)
        parts.append(in_scope(
            select(*row(literal("joint"), JointAction.id, JointAction.committee_id, cast(null(), DateTime),
                        JointAction.stage, cast(since, String), literal(0)))
            .where(JointAction.stage.in_((ESCALATED, APPLIED))), JointAction.committee_id))
    if office:
        parts.append(select(*row(literal("job"), literal(0), _NULL_INT, JobRun.started_at, JobRun.status,
                                 JobRun.name, literal(0))))
    return db.session.execute(union_all(*parts)).all()


def home_for(user, now: Optional[dt.datetime] = None, *, broker: Optional[str] = None) -> Home:
    """Everything the home page shows for ``user`` (two queries). ``broker`` is the office's broker state (the
    view asks app.health.broker_state, the same check /health makes)."""
    rules = current_rules()
    now = clock.naive(now) if now else clock.utcnow()
    roles = {r.name for r in getattr(user, "roles", [])}
    ids = scoping.visible_committee_ids(user)
    own_ids = frozenset(c.id for c in getattr(user, "committees", []))
    all_seeing = ids is None
    today = clock.local_today(rules, clock.aware(now))
    close_month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    day_start, day_end = _day_bounds(now, rules)

    committees: dict[int, CommitteeRow] = {}
    for cid, name, seq, kind, n in _counts(ids, now, rules):
        row = committees.setdefault(cid, CommitteeRow(cid, name, seq))
        if kind is not None:
            row.counts[kind] = int(n)
    rows = list(committees.values())
    totals = {kind: sum(r[kind] for r in rows) for kind in COUNT_KINDS}

    cases, talks, cross, tasks, jobs_seen, findings, joint = [], [], [], [], {}, [], []
    close_state, submitted = None, set()
    for kind, pk, cid, at, state, text, ref in _items(user, ids, own_ids, roles, close_month, all_seeing):
        if kind == "case":
            at = _as_datetime(at)
            cases.append({"id": pk, "committee": committees[cid].name if cid in committees else "",
                          "stage": state, "address": text, "due": at,
                          "overdue": at is not None and at < now,
                          "due_today": at is not None and now <= at and day_start <= at < day_end})
        elif kind == "talk":
            talks.append({"id": pk, "kind": state, "to_whom": text, "month": f"{ref // 100:04d}-{ref % 100:02d}"})
        elif kind == "cross":
            cross.append({"committee": committees[cid].name if cid in committees else "", "id": pk})
        elif kind == "task":
            due = dt.date.fromisoformat(str(state)[:10])
            tasks.append({"id": pk, "meeting_id": ref, "text": text, "due": due, "overdue": due < today})
        elif kind == "close":
            close_state = state
        elif kind == "submitted":
            submitted.add(pk)
        elif kind == "setting":
            rules = dataclasses.replace(rules, submission_deadline_day=int(pk))
        elif kind == "job":
            jobs_seen[text] = {"started_at": _as_datetime(at), "status": state}
        elif kind == "finding":
            due = dt.date.fromisoformat(str(state)[:10])
            findings.append({"id": pk, "committee": committees[cid].name if cid in committees else "",
                             "text": text, "due": due, "overdue": today > due})
        elif kind == "joint":
            since = dt.date.fromisoformat(str(text)[:10])
            due = joint_clock.due_on(state, since, since, rules)
            joint.append({"id": pk, "committee": committees[cid].name if cid in committees else "",
                          "stage": state, "due": due, "overdue": due is not None and today > due})
    # Overdue first (the longest overdue on top), then due today, then the rest by due time.
    far = dt.datetime.max
    cases.sort(key=lambda c: (not c["overdue"], not c["due_today"], c["due"] or far, c["id"]))
    talks.sort(key=lambda t: (t["month"], t["id"]), reverse=True)
    tasks.sort(key=lambda t: (t["due"], t["id"]))
    # Overdue first (the longest overdue on top), then by due day.
    findings.sort(key=lambda f: (not f["overdue"], f["due"], f["id"]))
    joint.sort(key=lambda j: (not j["overdue"], j["due"] or dt.date.max, j["id"]))
    jobs = []
    if all_seeing:
        for entry in BEAT_SCHEDULE.values():
            run = jobs_seen.get(entry["task"])
            started = run["started_at"] if run else None
            jobs.append({"name": entry["task"], "started_at": started, "status": run["status"] if run else None,
                         "stale": bool(started and is_stale(entry["schedule"], started))})
    zone_id = getattr(user, "zone_id", None)

    return Home(
        role_names=roles, all_seeing=all_seeing, zone=bool(roles & ZONE_ROLES), committees=rows, totals=totals,
        quota=rules.monthly_quota_per_committee, cases=cases, talks=talks, cross=cross, tasks=tasks, close_month=close_month,
        close_state=close_state, submitted_zones=submitted,
        my_zone_submitted=(zone_id in submitted) if zone_id and roles & ZONE_ROLES else None,
        submission_due=submission_deadline(*close_month, rules=rules), jobs=jobs, broker=broker,
        findings=findings, joint=joint,
    )


def _as_datetime(value):
    """SQLite hands a UNION's datetime column back as text (the column has no declared type there)."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value
