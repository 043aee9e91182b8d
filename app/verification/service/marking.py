"""The sweep's marks: a registered person correct or 应消未消 (should be cancelled), someone found unregistered
(应登未登); the team on the visit; the change case a finding opens."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.access.users import users_with_role
from app.audit import recorder
from app.changes import service as changes
from app.changes.models import ChangeCase
from app.domain import case_flow
from app.domain.idnumber import mask_id_number, parse_id_number
from app.domain.monthly_table import (
    CORRECT,
    CROSS_CHECK,
    MONTHLY_CHECK,
    SELF_DECLARED_CHECK,
    SHOULD_CANCEL,
    SHOULD_REGISTER,
    WINDOW_CHECK,
)
from app.extensions import db
from app.jointaction.models import JointAction
from app.models import Committee, House, Person, PortalUser, Residence
from app.settings import current_rules
from app.verification.models import SHIFTS, RosterShift, VerificationRecord, utcnow
from app.verification.service.reach import (
    VerificationRefused,
    assignment_for,
    local_today,
    may_verify,
    role_names,
)
from app.verification.service.roster import is_on_roster


@dataclass
class Team:
    """Who is on the visit: the shift, the police officer, the other members, the PDA flag."""

    shift: Optional[str] = None
    police_user_id: Optional[int] = None
    member_ids: list[int] = field(default_factory=list)
    entered_into_pda: bool = False
    # No officer chosen yet on this visit (not even "none"): the committee's own officer leads it
    # (default_officer_id), as the plan has the community police lead every verification.
    police_by_default: bool = False


def kind_for(user, committee_id: int, day: dt.date, requested: str) -> str:
    """Monthly unless the user is on an assigned cross check in that committee (then it is a cross check, counted
    apart); window / self-declared checks keep their kind."""
    if requested in (WINDOW_CHECK, SELF_DECLARED_CHECK):
        return requested
    if assignment_for(user, committee_id, day) is not None:
        return CROSS_CHECK
    return MONTHLY_CHECK


def _users(ids) -> list:
    ids = sorted({int(i) for i in ids if i})
    return db.session.query(PortalUser).filter(PortalUser.id.in_(ids)).all() if ids else []


def may_lead(police, committee) -> bool:
    """``police`` is community police of this committee or of its zone (the officers a visit may name)."""
    return (police is not None and "community_police" in role_names(police)
            and (police.zone_id == committee.zone_id or any(c.id == committee.id for c in police.committees)))


def default_officer_id(committee, day: dt.date, shift: Optional[str]) -> Optional[int]:
    """The officer a visit starts with: the one the duty roster names for the zone's group that day and shift,
    else the committee's own community police officer (the first by user name, when it has several); None when
    neither may lead here (may_lead)."""

    rostered = db.session.scalars(select(RosterShift.police_user_id).where(
        RosterShift.zone_id == committee.zone_id, RosterShift.day == day, RosterShift.shift == (shift or "day"),
        RosterShift.police_user_id.is_not(None)).limit(1)).first()
    candidates = [db.session.get(PortalUser, rostered)] if rostered else []
    candidates += users_with_role("community_police", committee_id=committee.id)
    return next((u.id for u in candidates if may_lead(u, committee)), None)


def check_team(user, committee, day: dt.date, team: Team) -> None:
    """The team named on a visit must be able to be there: the officer is community police of this committee or
    of its zone; each member is a coordination team member of the committee's zone, or assigned to this
    committee's cross check that month. Anything else (another committee's officer, any user id typed into the
    form) is refused, so a record never names people who were not entitled to be on it."""
    def _get(user_id):
        # An id beyond 64 bits names nobody (and must not reach the database as a parameter).
        return db.session.get(PortalUser, user_id) if isinstance(user_id, int) and 0 < user_id < 2 ** 63 else None

    if team.police_user_id is not None and not may_lead(_get(team.police_user_id), committee):
        raise VerificationRefused("police_not_here")
    for member_id in team.member_ids or []:
        if member_id == getattr(user, "id", None):
            continue  # the one recording is not a member of his own record
        member = _get(member_id)
        if member is None or "team_member" not in role_names(member):
            raise VerificationRefused("not_team_member_here", name=getattr(member, "username", ""))
        if member.zone_id != committee.zone_id and assignment_for(member, committee.id, day) is None:
            raise VerificationRefused("member_not_here", name=member.username)


def new_record(user, *, committee, house_id, day, result, kind, team: Team, person_id=None, found_name=None,
                found_id_number=None, note=None) -> VerificationRecord:
    if team.shift is not None and team.shift not in SHIFTS:
        raise VerificationRefused("bad_shift")
    if team.police_by_default and team.police_user_id is None:
        team = replace(team, police_user_id=default_officer_id(committee, day, team.shift))
    check_team(user, committee, day, team)
    zones = {committee.zone_id, getattr(user, "zone_id", None)}
    record = VerificationRecord(
        checked_on=day, checked_at=utcnow(), committee_id=committee.id, house_id=house_id, person_id=person_id,
        found_name=found_name, found_id_number=found_id_number, result=result, kind=kind, shift=team.shift,
        police_user_id=team.police_user_id, recorded_by_fk=user.id, entered_into_pda=bool(team.entered_into_pda),
        on_roster=is_on_roster(zones, day, team.shift), note=note,
    )
    members = [u for u in _users(team.member_ids) if u.id != user.id]
    if members:
        record.members = members
    db.session.add(record)
    return record


def flush_unique(record) -> None:
    """Flush; a duplicate mark (the partial unique indexes) becomes a clear refusal, the session stays usable."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise VerificationRefused("already_marked", status=409) from exc


def open_case_or_none(committee_id, house_id, kind, *, actor, source, person_id=None, people_note="", note=""):
    """open_case of the change flow; an assigned cross-checker outside the committee's scope cannot open one
    there (the change flow scopes its actor), so the finding stays on the record for the committee to take up."""
    try:
        with db.session.begin_nested():
            return changes.open_case(committee_id, house_id, kind, actor=actor, source=source, person_id=person_id,
                                     people_note=people_note, note=note)
    except changes.CaseRefused as exc:
        if exc.code in ("out_of_scope", "person_out_of_scope"):
            return None
        raise VerificationRefused("case_refused", code=exc.code) from exc


def mark_person(user, person_id: int, result: str, *, team: Team, kind: str = MONTHLY_CHECK,
                day: dt.date | None = None) -> VerificationRecord:
    """One tap: a registered person checked at his house, correct or 应消未消 (should be cancelled). 应消未消 opens
    a move-out case for the person. Refuses a person without an active residence, a committee the user may not
    verify in, and a second mark of the same person on the same day with the same kind."""
    if result not in (CORRECT, SHOULD_CANCEL):
        raise VerificationRefused("bad_result")
    day = day or local_today()
    residence = (db.session.query(Residence)
                 .filter(Residence.person_id == person_id, Residence.end_date.is_(None)).one_or_none())
    if residence is None:
        raise VerificationRefused("no_person")
    if not may_verify(user, residence.committee_id, day):
        raise VerificationRefused("out_of_scope")
    committee = db.session.get(Committee, residence.committee_id)
    kind = kind_for(user, committee.id, day, kind)
    duplicate = db.session.scalar(select(VerificationRecord.id).where(
        VerificationRecord.person_id == person_id, VerificationRecord.checked_on == day,
        VerificationRecord.kind == kind))
    if duplicate is not None:
        raise VerificationRefused("already_marked", status=409)
    record = new_record(user, committee=committee, house_id=residence.house_id, day=day, result=result, kind=kind,
                         team=team, person_id=person_id)
    flush_unique(record)
    if result == SHOULD_CANCEL:
        case = open_case_or_none(committee.id, residence.house_id, "move_out", actor=user, source="verification",
                          person_id=person_id, note=case_note(kind))
        if case is not None:
            db.session.flush()
            record.change_case_id = case.id
    return record


def case_note(kind: str) -> str:
    labels = {MONTHLY_CHECK: _("Found in the monthly verification"), CROSS_CHECK: _("Found in a cross check"),
              WINDOW_CHECK: _("Found verifying a window case"),
              SELF_DECLARED_CHECK: _("Found checking a self-declaration")}
    return str(labels.get(kind, ""))


def check_id_number(value: str, today: dt.date | None = None):
    """The parsed ID number (sex, birth date derived) or InvalidIdNumber (translated by app.errors)."""
    return parse_id_number(value or "", today or local_today())


def mark_found(user, house_id: int, name: str, id_number: str, *, team: Team, kind: str = MONTHLY_CHECK,
               day: dt.date | None = None) -> VerificationRecord:
    """应登未登: someone found living at ``house_id`` who is not registered there. Opens a move-in case."""
    day = day or local_today()
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise VerificationRefused("bad_name")
    info = check_id_number(id_number, day)  # InvalidIdNumber propagates: the view shows app.errors' message
    house = db.session.get(House, house_id) if house_id is not None else None
    if house is None:
        raise VerificationRefused("no_house")
    if not may_verify(user, house.committee_id, day):
        raise VerificationRefused("out_of_scope")
    registered_here = db.session.scalar(
        select(Residence.id).join(Person, Person.id == Residence.person_id)
        .where(Person.id_number == info.number, Residence.house_id == house.id, Residence.end_date.is_(None)))
    if registered_here is not None:
        raise VerificationRefused("registered_here")
    kind = kind_for(user, house.committee_id, day, kind)
    duplicate = db.session.scalar(select(VerificationRecord.id).where(
        VerificationRecord.found_id_number == info.number, VerificationRecord.checked_on == day,
        VerificationRecord.kind == kind))
    if duplicate is not None:
        raise VerificationRefused("already_marked", status=409)
    record = new_record(user, committee=house.committee, house_id=house.id, day=day, result=SHOULD_REGISTER,
                         kind=kind, team=team, found_name=name, found_id_number=info.number)
    flush_unique(record)
    case = open_case_or_none(house.committee_id, house.id, "move_in", actor=user, source="verification",
                      people_note=f"{name} {mask_id_number(info.number)}", note=case_note(kind))
    if case is not None:
        db.session.flush()
        record.change_case_id = case.id
    return record


# -- undoing a wrong tap -------------------------------------------------------------------------------------------

SWEEP_KINDS = (MONTHLY_CHECK, CROSS_CHECK)


def undo_deadline(record: VerificationRecord, rules=None) -> Optional[dt.datetime]:
    """Until when (naive UTC) the author may undo this mark; None when it can never be undone (not a tap on a
    registered person in the sweep, or undo turned off)."""
    if record.person_id is None:
        return None
    return sweep_undo_deadline(record.kind, record.checked_at, rules)


def sweep_undo_deadline(kind: str, checked_at: Optional[dt.datetime], rules=None) -> Optional[dt.datetime]:
    minutes = (rules or current_rules()).sweep_undo_minutes
    if minutes <= 0 or kind not in SWEEP_KINDS or checked_at is None:
        return None
    return checked_at + dt.timedelta(minutes=minutes)


def undo_mark(user, record_id: Optional[int]) -> VerificationRecord:
    """Take back one's own sweep mark (a wrong 应消未消 tap above all) within RULE_SWEEP_UNDO_MINUTES: the record
    goes, and the cancellation case it opened is withdrawn, as long as nobody has acted on that case yet (still
    "reported": no form handed out). Refuses another worker's mark, a mark past the window, a mark something else
    now rests on (a joint action), and a case already acted on; each says why. Audited. Returns the (deleted)
    record; the caller commits."""

    record = db.session.get(VerificationRecord, record_id) if isinstance(record_id, int) else None
    if record is None or not may_verify(user, record.committee_id, record.checked_on):
        raise VerificationRefused("no_mark", status=404)
    if record.recorded_by_fk != getattr(user, "id", None):
        raise VerificationRefused("undo_not_yours", status=409)
    deadline = undo_deadline(record)
    if deadline is None:
        raise VerificationRefused("undo_not_sweep", status=409)
    if utcnow() > deadline:
        raise VerificationRefused("undo_too_late", status=409, minutes=current_rules().sweep_undo_minutes)
    if db.session.scalar(select(JointAction.id).where(JointAction.verification_record_id == record.id)
                         .limit(1)) is not None:
        raise VerificationRefused("undo_in_use", status=409)
    case = db.session.get(ChangeCase, record.change_case_id) if record.change_case_id else None
    if case is not None and case.stage != case_flow.WITHDRAWN:
        if case.stage != case_flow.REPORTED or case.handed_out_at is not None:
            raise VerificationRefused("undo_case_acted", status=409, case=case.id)
        try:
            changes.advance(case, case_flow.WITHDRAW, user,
                            reason=_("The verification mark that opened this case was undone (a wrong tap)."))
        except changes.CaseRefused as exc:
            raise VerificationRefused("undo_case_acted", status=409, case=case.id) from exc
    recorder.record("verification_mark_undone", model="VerificationRecord", record_id=record.id,
                    committee_id=record.committee_id, commit=False,
                    detail=f"person={record.person_id} result={record.result} day={record.checked_on.isoformat()}"
                           + (f" case=#{case.id} withdrawn" if case is not None else ""))
    db.session.delete(record)
    db.session.flush()
    return record
