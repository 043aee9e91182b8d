"""Trainings and meetings: record, scope, decisions that become tasks (notified, on the assignee's home page), the
year view of trainings per zone. Services add to the session and never commit."""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Iterable, Optional

from flask import current_app
from sqlalchemy import exists, false, func, or_, select

from app.access import scoping
from app.domain import clock
from app.domain import volunteers as rules_of
from app.domain.volunteers import MeetingRefused
from app.extensions import db
from app.meetings.models import (
    Meeting, MeetingCommittee, MeetingDecision, Training, TrainingAttendee, TrainingMaterial,
)
from app.models import Committee, PortalUser, Zone
from app.settings import current_rules
from app.access.roles import COMMITTEE_DIRECTOR, SOCIAL_WORKER
from app.documents.pdf import write_pdf_atomically
from app.models.access import user_committee
from app.notifications.service import committee_users, notify_many

# Materials: kinds of file a training hands out; anything else (an executable, a web page) is refused.
MATERIAL_SUFFIXES = frozenset({".pdf", ".doc", ".docx", ".ppt", ".pptx", ".xls", ".xlsx", ".txt", ".jpg",
                               ".jpeg", ".png"})


actor_name = rules_of.person_name


def _text(value, code: str, limit: int, required: bool = True) -> Optional[str]:
    return rules_of.cleaned(value, code, limit, MeetingRefused, required)


def _long_text(value, limit: int = 20000) -> str:
    """Minutes: several lines kept as typed (control characters other than line breaks refused)."""
    text = (value or "").replace("\r\n", "\n").strip()
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise MeetingRefused("minutes_characters")
    if len(text) > limit:
        raise MeetingRefused("too_long", limit=limit)
    return text


def _not_future(day: Optional[dt.date]) -> dt.date:
    if day is None:
        raise MeetingRefused("date_required")
    if day > clock.local_today(current_rules()):
        raise MeetingRefused("date_in_future")
    return day


# -- zones -----------------------------------------------------------------------------------------------------------

def visible_zone_ids(user) -> Optional[frozenset[int]]:
    """None: every zone; else the zones of the committees ``user`` sees (a zone leader: his zone)."""
    ids = scoping.visible_committee_ids(user)
    if ids is None:
        return None
    if not ids:
        return frozenset()
    return frozenset(z for z in db.session.scalars(select(Committee.zone_id).where(Committee.id.in_(sorted(ids))))
                     if z is not None)


def visible_zones(user) -> list[Zone]:
    ids = visible_zone_ids(user)
    query = db.session.query(Zone).order_by(Zone.id)
    if ids is not None:
        query = query.filter(Zone.id.in_(sorted(ids)) if ids else false())
    return query.all()


def zone_staff(zone_id: int) -> list[PortalUser]:
    """Who may attend a zone's training: active accounts of the zone (its leader and team members) or working in
    one of its committees."""
    in_committee = exists().where(user_committee.c.user_id == PortalUser.id,
                                  user_committee.c.committee_id.in_(select(Committee.id)
                                                                    .where(Committee.zone_id == zone_id)))
    return (db.session.query(PortalUser).filter(PortalUser.active.is_(True),
                                                or_(PortalUser.zone_id == zone_id, in_committee))
            .order_by(PortalUser.username, PortalUser.id).all())


# -- trainings -------------------------------------------------------------------------------------------------------

def get_training(training_id: int, user) -> Training:
    row = db.session.get(Training, training_id)
    zones = visible_zone_ids(user)
    if row is None or (zones is not None and row.zone_id not in zones):
        raise LookupError(training_id)
    return row


def add_training(*, zone_id: Optional[int], held_on: Optional[dt.date], topic, place, attendee_ids: Iterable[int],
                 user) -> Training:
    zones = visible_zone_ids(user)
    if zone_id is None or db.session.get(Zone, zone_id) is None or (zones is not None and zone_id not in zones):
        raise MeetingRefused("zone_not_yours")
    held_on = _not_future(held_on)
    topic = _text(topic, "topic", 200)
    place = _text(place, "place", 200, required=False)
    wanted = list(dict.fromkeys(i for i in attendee_ids if i is not None))
    if not wanted:
        raise MeetingRefused("training_without_attendees")
    staff = {u.id: u for u in zone_staff(zone_id)}
    if any(i not in staff for i in wanted):
        raise MeetingRefused("attendee_not_zone_staff")
    training = Training(zone_id=zone_id, held_on=held_on, topic=topic, place=place, created_by=actor_name(user))
    training.attendees = [TrainingAttendee(user_id=i, name=actor_name(staff[i])) for i in wanted]
    db.session.add(training)
    db.session.flush()
    return training


def trainings(year: int, user) -> list[Training]:
    query = db.session.query(Training).filter(Training.held_on >= dt.date(year, 1, 1),
                                              Training.held_on <= dt.date(year, 12, 31))
    zones = visible_zone_ids(user)
    if zones is not None:
        query = query.filter(Training.zone_id.in_(sorted(zones)) if zones else false())
    return query.order_by(Training.held_on.desc(), Training.id.desc()).all()


def year_view(year: int, user) -> list[dict]:
    """Per zone in scope: the year's trainings, the plan's minimum and the flag (short by the last quarter)."""
    rules = current_rules()
    today = clock.local_today(rules)
    held = dict(db.session.execute(
        select(Training.zone_id, func.count(Training.id))
        .where(Training.held_on >= dt.date(year, 1, 1), Training.held_on <= dt.date(year, 12, 31))
        .group_by(Training.zone_id)).all())
    return [{"zone": z, "count": int(held.get(z.id, 0)), "minimum": rules.trainings_per_zone_per_year,
             "flagged": rules_of.trainings_flagged(int(held.get(z.id, 0)), year, today, rules)}
            for z in visible_zones(user)]


def materials_dir() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"]) / "materials"


def add_material(training_id: int, filename: str, stream, user) -> TrainingMaterial:
    """Keep an uploaded file for a training: its kind by suffix, at most MATERIAL_MAX_MB, written atomically."""
    training = get_training(training_id, user)
    name = _text(Path(filename or "").name, "filename", 200)
    suffix = Path(name).suffix.lower()
    if suffix not in MATERIAL_SUFFIXES:
        raise MeetingRefused("material_kind", kinds="、".join(sorted(s.lstrip(".") for s in MATERIAL_SUFFIXES)))
    limit_mb = int(current_app.config.get("MATERIAL_MAX_MB", 10))
    data = stream.read(limit_mb * 1024 * 1024 + 1)
    if len(data) > limit_mb * 1024 * 1024:
        raise MeetingRefused("material_too_large", mb=limit_mb)
    if not data:
        raise MeetingRefused("material_empty")
    relative = f"materials/{training.id}/{uuid.uuid4().hex}{suffix}"
    write_pdf_atomically(data, Path(current_app.config["DOCUMENTS_DIR"]) / relative)  # any bytes, written atomically
    row = TrainingMaterial(training_id=training.id, filename=name, file_path=relative, size_bytes=len(data),
                           uploaded_by=actor_name(user))
    db.session.add(row)
    return row


def material_file(material_id: int, user) -> tuple[TrainingMaterial, Path]:
    row = db.session.get(TrainingMaterial, material_id)
    if row is None:
        raise LookupError(material_id)
    get_training(row.training_id, user)
    base = Path(current_app.config["DOCUMENTS_DIR"]).resolve()
    path = (base / row.file_path).resolve()
    if base not in path.parents or not path.is_file():
        raise LookupError(material_id)
    return row, path


# -- meetings --------------------------------------------------------------------------------------------------------

def _meeting_scope(query, user):
    ids = scoping.visible_committee_ids(user)
    if ids is None:
        return query
    if not ids:
        return query.filter(false())
    return query.filter(Meeting.committees.any(MeetingCommittee.committee_id.in_(sorted(ids))))


def get_meeting(meeting_id: int, user) -> Meeting:
    row = _meeting_scope(db.session.query(Meeting).filter(Meeting.id == meeting_id), user).one_or_none()
    if row is None:
        raise LookupError(meeting_id)
    return row


def meetings(user, kind: Optional[str] = None) -> list[Meeting]:
    query = _meeting_scope(db.session.query(Meeting), user)
    if kind:
        query = query.filter(Meeting.kind == kind)
    return query.order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(500).all()


def _all_seeing(user) -> bool:
    return scoping.visible_committee_ids(user) is None


def record_meeting(*, kind: str, held_on: Optional[dt.date], title, attendance, minutes,
                   committee_ids: Iterable[int] = (), block_name=None, year: Optional[int] = None,
                   quarter: Optional[int] = None, decisions: Iterable[dict] = (), user) -> Meeting:
    """A meeting with its minutes and decisions; a decision with ``task`` set becomes a task (assignee and due
    date). Everything is checked before anything is added: a refusal leaves nothing behind."""
    if kind not in rules_of.MEETING_KINDS:
        raise MeetingRefused("unknown_kind")
    held_on = _not_future(held_on)
    committee_ids = list(dict.fromkeys(i for i in committee_ids if i is not None))
    for cid in committee_ids:
        if db.session.get(Committee, cid) is None or not scoping.can_see_committee(cid, user):
            raise MeetingRefused("committee_not_yours")
    if kind == rules_of.LEADING_GROUP:
        if not _all_seeing(user):
            raise MeetingRefused("leading_group_office_only")
        committee_ids = []
    elif kind == rules_of.JOINT:
        if not committee_ids:
            raise MeetingRefused("joint_needs_committees")
        block_name = _text(block_name, "block_name", 100)
    elif kind == rules_of.QUARTERLY_REVIEW:
        if len(committee_ids) != 1:
            raise MeetingRefused("review_needs_one_committee")
        year = year or held_on.year
        quarter = quarter or rules_of.quarter_of(held_on)
        if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
            raise MeetingRefused("unknown_quarter")
        # The review is held in the quarter's last week, after the quarter began: not before it.
        if held_on < dt.date(year, 3 * (quarter - 1) + 1, 1):
            raise MeetingRefused("review_before_quarter")
        duplicate = db.session.scalar(select(Meeting.id).join(MeetingCommittee).where(
            Meeting.kind == kind, Meeting.year == year, Meeting.quarter == quarter,
            MeetingCommittee.committee_id == committee_ids[0]))
        if duplicate is not None:
            raise MeetingRefused("review_recorded")
    if kind != rules_of.QUARTERLY_REVIEW:
        year = quarter = None
    if kind != rules_of.JOINT:
        block_name = None
    meeting = Meeting(kind=kind, held_on=held_on, title=_text(title, "title", 200),
                      attendance=_text(attendance, "attendance", 1000), minutes=_long_text(minutes),
                      block_name=block_name, year=year, quarter=quarter, created_by=actor_name(user))
    meeting.committees = [MeetingCommittee(committee_id=cid) for cid in committee_ids]
    made = [_decision(meeting, d, user) for d in decisions if (d.get("text") or "").strip() or d.get("task")]
    db.session.add(meeting)
    db.session.flush()
    for decision in made:
        _notify_task(decision)
    return meeting


def add_decision(meeting_id: int, decision: dict, user) -> MeetingDecision:
    meeting = get_meeting(meeting_id, user)
    row = _decision(meeting, decision, user)
    db.session.flush()
    _notify_task(row)
    return row


def _decision(meeting: Meeting, d: dict, user) -> MeetingDecision:
    """One decision of ``meeting``; with ``task``: a committee (of the meeting; any for the 领导小组) or a person (in
    scope of the meeting's committees) and a due date not before the meeting."""
    text = _text(d.get("text"), "decision", 500)
    row = MeetingDecision(text=text)
    if d.get("task"):
        committee_id, user_id = d.get("committee_id"), d.get("assignee_user_id")
        if committee_id is None and user_id is None:
            raise MeetingRefused("task_without_assignee")
        meeting_committees = set(meeting.committee_ids)
        if committee_id is not None:
            committee = db.session.get(Committee, committee_id)
            if committee is None or not scoping.can_see_committee(committee_id, user) or (
                    meeting_committees and committee_id not in meeting_committees):
                raise MeetingRefused("assignee_not_in_meeting")
            row.committee_id = committee_id
        if user_id is not None:
            person = db.session.get(PortalUser, user_id)
            if person is None or not person.active or not _may_be_assigned(person, meeting_committees, user):
                raise MeetingRefused("assignee_not_in_meeting")
            row.assignee_user_id, row.assignee_name = person.id, actor_name(person)
        due = d.get("due_on") or meeting.held_on + dt.timedelta(days=current_rules().meeting_task_due_days)
        rules_of.check_dates_in_order(meeting.held_on, due, "due_before_meeting")
        row.due_on = due
    meeting.decisions.append(row)
    return row


def _may_be_assigned(person, meeting_committees: set[int], user) -> bool:
    """A person's task goes to someone of the meeting's committees (or their zone); the 领导小组 (no committees)
    may task anyone the recording user's scope reaches."""
    theirs = scoping.visible_committee_ids(person)
    if not meeting_committees:
        mine = scoping.visible_committee_ids(user)
        return mine is None or theirs is None or bool(set(theirs) & set(mine))
    return theirs is None or bool(set(theirs) & meeting_committees)


def _notify_task(decision: MeetingDecision) -> None:
    if not decision.is_task:
        return
    if decision.assignee_user_id is not None:
        people = [decision.assignee_user_id]
    else:
        people = (committee_users(decision.committee_id, COMMITTEE_DIRECTOR)
                  + committee_users(decision.committee_id, SOCIAL_WORKER))
    text = f"会议决定事项：{decision.text[:80]}（{decision.due_on.isoformat()}前完成）"
    notify_many(people, text, f"/meetings/show/{decision.meeting_id}", committee_id=decision.committee_id)


def _task_is_mine(decision: MeetingDecision, user) -> bool:
    if decision.assignee_user_id is not None:
        return decision.assignee_user_id == user.id or _all_seeing(user)
    return scoping.can_see_committee(decision.committee_id, user)


def complete_task(decision_id: int, note, user) -> MeetingDecision:
    decision = db.session.get(MeetingDecision, decision_id)
    if decision is None:
        raise LookupError(decision_id)
    try:
        get_meeting(decision.meeting_id, user)
    except LookupError:
        if decision.assignee_user_id != user.id:
            raise
    if not decision.is_task:
        raise MeetingRefused("not_a_task")
    if not _task_is_mine(decision, user):
        raise MeetingRefused("task_not_yours")
    if decision.done_at is not None:
        raise MeetingRefused("task_done")
    decision.done_at, decision.done_by = clock.utcnow(), actor_name(user)
    decision.done_note = _text(note, "note", 500, required=False)
    return decision


def review_meeting_for(committee_id: Optional[int], year: int, quarter: int) -> Optional[Meeting]:
    """The quarterly review meeting recorded for a committee's quarter (the review pack prints it)."""
    if committee_id is None:
        return None
    return (db.session.query(Meeting).join(MeetingCommittee)
            .filter(Meeting.kind == rules_of.QUARTERLY_REVIEW, Meeting.year == year, Meeting.quarter == quarter,
                    MeetingCommittee.committee_id == committee_id).first())


def open_tasks_clause(user, own_committee_ids, roles):
    """SQL condition: open tasks that are ``user``'s to do — his own, or his committee's when he is its director
    or social worker (the home page reads this in its one query of items)."""
    mine = MeetingDecision.assignee_user_id == user.id
    if own_committee_ids and roles & {COMMITTEE_DIRECTOR, SOCIAL_WORKER}:
        mine = or_(mine, (MeetingDecision.assignee_user_id.is_(None)
                          & MeetingDecision.committee_id.in_(sorted(own_committee_ids))))
    return mine & MeetingDecision.done_at.is_(None) & MeetingDecision.due_on.is_not(None)
