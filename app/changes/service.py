"""The change flow's transactions. No ``g.user``: every function takes the acting user explicitly, and scoping
goes through app.access.scoping. Nothing here commits unless its docstring says so: the caller commits (one request = one
transaction, so a refusal leaves nothing half-saved).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from app.access import scoping
from app.domain.refusal import Refused
from app.changes.models import (
    BlockLeader, CITY_SYSTEMS, ChangeCase, ChangeCasePerson, CommitteeWorkers, EntryIdAttempt, KINDS, KIND_MOVE_IN, KIND_MOVE_OUT,
    SELF_DECLARATION_REPORTER, SOURCES, utcnow,
)
from app.domain import case_flow, clock, deadlines
from app.domain.rules import Rules
from app.extensions import db
from app.access.roles import SOCIAL_WORKER
from app.access.users import display_name as staff_display_name, users_with_role
from app.settings import current_rules, local_today
from app.domain.idnumber import InvalidIdNumber, mask_id_number, normalise_identifier, parse_id_number
from app.models import Committee, House, Person, Residence
from app.models.population import CATEGORIES, ID_TYPE_RESIDENT
from app.audit import recorder
from app.notifications.service import notify as _notify, notify_many, zone_leaders_of_committee

UTC = dt.timezone.utc


class CaseRefused(Refused):
    """A request the flow refuses; ``code`` is translated by the views (see app.changes.messages)."""


# -- helpers -----------------------------------------------------------------------------------------------------



def aware(naive_utc: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """A stored naive-UTC datetime as an aware one (what app.domain.deadlines expects)."""
    if naive_utc is None:
        return None
    return naive_utc.replace(tzinfo=UTC) if naive_utc.tzinfo is None else naive_utc


def naive(aware_dt: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """An aware datetime as naive UTC, the way the portal stores times."""
    if aware_dt is None:
        return None
    if aware_dt.tzinfo is None:
        return aware_dt
    return aware_dt.astimezone(UTC).replace(tzinfo=None)


def display_name(user) -> str:
    """Who did it: the staff member (app/access/users.py), or the resident's own declaration."""
    return staff_display_name(user) if user is not None else SELF_DECLARATION_REPORTER


def _user_id(user) -> Optional[int]:
    return getattr(user, "id", None) if user is not None else None


def worker_for(committee_id: int) -> Optional[int]:
    """The social worker who holds new work of a committee: A, or B while A is away (AB角). When both are away
    the work stays with A (the committee is flagged on the overview)."""
    row = db.session.query(CommitteeWorkers).filter_by(committee_id=committee_id).one_or_none()
    if row is None:
        return None
    if row.worker_a_fk and not row.a_away:
        return row.worker_a_fk
    if row.worker_b_fk and not row.b_away:
        return row.worker_b_fk
    return row.worker_a_fk or row.worker_b_fk


def block_leader_for(block_id: Optional[int]) -> Optional[int]:
    if block_id is None:
        return None
    row = db.session.get(BlockLeader, block_id)
    return row.user_id if row is not None else None


def compute_dues(case: ChangeCase, rules: Rules) -> None:
    """Set collection_due and entry_due (naive UTC) from the case's report/collection times and key area."""
    reported = aware(case.reported_at)
    case.collection_due = naive(deadlines.collection_due(reported, case.key_area, rules))
    if case.key_area and rules.key_area_same_day:
        case.entry_due = naive(deadlines.entry_due(reported, None, True, rules))
    elif case.collected_at is not None:
        case.entry_due = naive(deadlines.entry_due(reported, aware(case.collected_at), False, rules))
    else:
        case.entry_due = None


# -- opening a case ------------------------------------------------------------------------------------------------

def open_case(
    committee_id: int,
    house_id: int | None,
    kind: str,
    *,
    actor,
    source: str,
    person_id: int | None = None,
    people_note: str = "",
    note: str = "",
    reported_at: dt.datetime | None = None,
    submission_token: str | None = None,
) -> ChangeCase:
    """Record a change report (变动报告). ``actor`` may be None only for the public self-declaration page.

    Refuses (CaseRefused) an unknown kind/source, a committee or house outside the actor's scope, a house of
    another committee, a person outside the actor's scope and a report time in the future. Adds the case to the
    session; commits nothing.
    """
    if kind not in KINDS:
        raise CaseRefused("bad_kind")
    if source not in SOURCES:
        raise CaseRefused("bad_source")
    if actor is None and source != "self_declaration":
        raise CaseRefused("no_actor")
    committee = db.session.get(Committee, committee_id) if committee_id is not None else None
    if committee is None:
        raise CaseRefused("no_committee")
    if actor is not None and not scoping.can_see_committee(committee.id, actor):
        raise CaseRefused("out_of_scope")
    house = None
    if house_id is not None:
        house = db.session.get(House, house_id)
        if house is None or house.committee_id != committee.id:
            raise CaseRefused("house_out_of_scope")
    if person_id is not None:
        person = db.session.get(Person, person_id)
        if person is None or (actor is not None and not scoping.can_see_committee(person.committee_id, actor)):
            raise CaseRefused("person_out_of_scope")
    now = utcnow()
    if reported_at is None:
        reported_at = now
    reported_at = naive(reported_at)
    if reported_at > now + dt.timedelta(minutes=5):
        raise CaseRefused("future_date")
    if submission_token:
        if db.session.query(ChangeCase.id).filter_by(submission_token=submission_token).first() is not None:
            raise CaseRefused("double_submission")

    rules = current_rules()
    key_area = bool(committee.key_area or (house is not None and house.key_area))
    block_id = house.building.block_id if house is not None and house.building is not None else None
    case = ChangeCase(
        committee_id=committee.id,
        house_id=house.id if house is not None else None,
        kind=kind,
        source=source,
        person_id=person_id,
        people_note=(people_note or "").strip()[:500],
        note=(note or "").strip(),
        reported_by_fk=_user_id(actor),
        reported_by_name=display_name(actor)[:128],
        reported_at=reported_at,
        key_area=key_area,
        stage=case_flow.REPORTED,
        block_id=block_id,
        assigned_worker_fk=worker_for(committee.id),
        submission_token=submission_token or None,
    )
    compute_dues(case, rules)
    db.session.add(case)
    db.session.flush()  # the case's id, for the notification's link
    _hand_off(case, "报告待发放表格")
    return case


def _case_place(case: ChangeCase) -> str:
    return case.house.address if case.house is not None else case.committee.name


def _hand_off(case: ChangeCase, what: str, user_ids: list[int] | None = None) -> int:
    """Tell whoever must act next (default: holders(case)) that the case is theirs now (issue 13 item 2)."""
    ids = holders(case) if user_ids is None else user_ids
    # Stored text is Chinese (the portal's language): a notification is read later, in any request's locale.
    text = f"变动报告 #{case.id}（{_case_place(case)}）：{what}"
    return notify_many(ids, text, f"/changes/show/{case.id}", committee_id=case.committee_id)


# -- moving a case through the flow --------------------------------------------------------------------------------

def visible_case(case_id: int, user) -> Optional[ChangeCase]:
    return scoping.scoped_query(ChangeCase, user).filter(ChangeCase.id == case_id).one_or_none()


def _stamp(case: ChangeCase, prefix: str, actor, when: dt.datetime) -> None:
    setattr(case, f"{prefix}_at", when)
    setattr(case, f"{prefix}_by_fk", _user_id(actor))
    setattr(case, f"{prefix}_by_name", display_name(actor)[:128])


def _step_time(when: Optional[dt.datetime], case: ChangeCase) -> dt.datetime:
    now = utcnow()
    when = naive(when) if when is not None else now
    if when > now + dt.timedelta(minutes=5):
        raise CaseRefused("future_date")
    if when < case.reported_at:
        raise CaseRefused("before_report")
    return when


def advance(
    case: ChangeCase,
    action: str,
    actor,
    *,
    when: dt.datetime | None = None,
    reason: str = "",
    city_system: str | None = None,
    entry_date: dt.date | None = None,
    person_data: dict | None = None,
    persons: list[dict] | None = None,
) -> ChangeCase:
    """Apply one stage action to ``case`` (already loaded through the actor's scope). Entering/cancelling also
    writes the Person/Residence — of one person (``person_data``) or of each of ``persons`` (a family on one
    form); everything goes into the session, the caller commits (or rolls back on CaseRefused: nothing
    half-saved, whichever person was refused)."""
    if not scoping.can_see_committee(case.committee_id, actor):
        raise CaseRefused("out_of_scope")
    try:
        target = case_flow.next_stage(case.stage, action, case.kind, reason)
    except case_flow.Refusal as exc:
        raise CaseRefused(exc.code) from None
    rules = current_rules()
    when = _step_time(when, case)
    if action == case_flow.HAND_OUT:
        _stamp(case, "handed_out", actor, when)
    elif action == case_flow.COLLECT:
        if case.handed_out_at is None:
            _stamp(case, "handed_out", actor, when)
        _stamp(case, "collected", actor, when)
        compute_dues(case, rules)
        # The form now waits for the social worker: whoever holds the committee's entry work today (AB角).
        case.assigned_worker_fk = worker_for(case.committee_id) or case.assigned_worker_fk
    elif action in (case_flow.ENTER, case_flow.CANCEL):
        if city_system not in CITY_SYSTEMS:
            raise CaseRefused("city_system_required")
        if entry_date is None:
            raise CaseRefused("entry_date_required")
        if entry_date > local_today(rules):
            raise CaseRefused("future_date")
        rows = entry_rows(persons if persons is not None else [person_data or {}])
        if len(rows) > 1:
            residence = _apply_many(case, entry_date, rows, reason, actor, city_system)
        else:
            residence = _apply_to_register(case, entry_date, rows[0] if rows else (person_data or {}), reason,
                                           actor, city_system)
        if case.stage == case_flow.AWAITING_TRANSFER:
            return case  # the releasing committee decides; the entry is stamped on its confirmation
        if len(rows) <= 1 and case.person_id is not None:
            record_case_persons(case, [case.person_id], actor)
        _stamp(case, "entered", actor, when)
        case.city_system = city_system
        case.entry_date = entry_date
        case.residence_id = residence.id if residence is not None else None
    elif action == case_flow.CLOSE:
        _stamp(case, "closed", actor, when)
    elif action == case_flow.WITHDRAW:
        _stamp(case, "withdrawn", actor, when)
        case.withdrawn_reason = reason.strip()[:500]
        if case.stage == case_flow.AWAITING_TRANSFER:
            # Inside: transfers builds on this module's helpers (it imports them at its top).
            from app.changes import transfers  # inside: transfers imports this module at its top

            transfers.withdraw_for_case(case, actor)
    case.stage = target
    if action == case_flow.COLLECT:
        _hand_off(case, "表格已采集，待录入")
    elif action in (case_flow.ENTER, case_flow.CANCEL) and case.reported_by_fk:
        _hand_off(case, "已录入/核销" if action == case_flow.ENTER else "已核销", [case.reported_by_fk])
    return case


# Outcomes of typing an ID number at entry, as the audit trail records them. The refused ones, and a number
# registered in another committee, count against the case's and the worker's attempts (so a case cannot be
# used to test numbers one after the other).
LOOKUP_IN_SCOPE = "in_scope"
LOOKUP_NEW = "new"
LOOKUP_ELSEWHERE = "elsewhere"
LOOKUP_INVALID = "invalid"
LOOKUP_MISMATCH = "mismatch"
LOOKUP_NOT_HERE = "not_here"
COUNTED_LOOKUPS = (LOOKUP_ELSEWHERE, LOOKUP_INVALID, LOOKUP_MISMATCH, LOOKUP_NOT_HERE)
LOOKUP_AUDIT_ACTION = "entry_id_lookup"


def _attempt_limits() -> tuple[int, int]:
    from flask import current_app

    return (int(current_app.config.get("CHANGE_ENTRY_ID_ATTEMPTS_PER_CASE", 3)),
            int(current_app.config.get("CHANGE_ENTRY_ID_ATTEMPTS_PER_DAY", 10)))


def _counted_attempts(case_id: int, actor) -> tuple[int, int]:
    """(attempts on this case, attempts by ``actor`` today, Shanghai day) that the limits count."""
    from sqlalchemy import func


    on_case = db.session.scalar(
        db.select(func.count(EntryIdAttempt.id)).where(EntryIdAttempt.case_id == case_id)) or 0
    rules = current_rules()
    day_start = naive(dt.datetime.combine(clock.local_today(rules), dt.time.min, tzinfo=rules.zone))
    by_actor = db.session.scalar(db.select(func.count(EntryIdAttempt.id)).where(
        EntryIdAttempt.user_id == _user_id(actor), EntryIdAttempt.at >= day_start)) or 0
    return on_case, by_actor


def record_lookup(case: ChangeCase, actor, outcome: str, number: str = "", person_id: int | None = None) -> None:
    """One typed ID number in the audit trail (masked; the person only for the office's eyes), and, when it
    counts, in the attempts. Goes into the session: the view commits it with the step, or alone after rolling a
    refused step back."""
    detail = f"{outcome} {mask_id_number(number) if number else '-'}"
    if person_id is not None:
        detail += f" person=#{person_id}"
    recorder.record(LOOKUP_AUDIT_ACTION, model="ChangeCase", record_id=case.id, committee_id=case.committee_id,
                    detail=detail, commit=False)
    if outcome in COUNTED_LOOKUPS:
        db.session.add(EntryIdAttempt(case_id=case.id, user_id=_user_id(actor), at=utcnow(), outcome=outcome))


def _refuse_lookup(code: str, outcome: str, number: str, **params):
    exc = CaseRefused(code, **params)
    exc.lookup = (outcome, number)  # the view records it after the rollback (see record_refused_lookup)
    return exc


def record_refused_lookup(case: ChangeCase, exc: CaseRefused, actor) -> bool:
    """After a refused entry step was rolled back: keep its typed number in the audit trail. True if recorded."""
    lookup = getattr(exc, "lookup", None)
    if lookup is None:
        return False
    record_lookup(case, actor, *lookup)
    return True


_CASE_PERSON = object()  # "the person the case names", the default binding of an entry row


def _find_person(case: ChangeCase, person_data: dict, actor, bound_person_id=_CASE_PERSON):
    """The person the entry is about, looked up through the actor's scope only: (person or None, match).

    ``match.elsewhere`` = the typed number is registered in a committee the actor does not see; nothing of that
    person is loaded. A case that already names its person accepts only that person's number: any other number
    (unknown, another resident, registered elsewhere) gets the same refusal, so the answer tells nothing. Every
    typed number is audited; past the limits (per case, per worker and day) no number is looked up at all.
    ``bound_person_id``: the person this row must be (default: the case's; None for the further rows of a family)."""
    bound = case.person_id if bound_person_id is _CASE_PERSON else bound_person_id
    number = (person_data.get("id_number") or "").strip()
    id_type = person_data.get("id_type") or ID_TYPE_RESIDENT
    if number:
        per_case, per_day = _attempt_limits()
        on_case, by_actor = _counted_attempts(case.id, actor)
        if on_case >= per_case or by_actor >= per_day:
            raise CaseRefused("too_many_attempts")
        if id_type == ID_TYPE_RESIDENT:
            try:
                number = parse_id_number(number, local_today()).number
            except InvalidIdNumber as exc:
                raise _refuse_lookup("bad_id_number", LOOKUP_INVALID, "", reason=exc.code) from None
        person_data["id_number"] = number
        match = scoping.find_by_natural_key(Person, Person.id_number, number, actor)
        if bound is not None:
            if match.row_id != bound or not match.found:
                raise _refuse_lookup("person_mismatch", LOOKUP_MISMATCH, number)
            record_lookup(case, actor, LOOKUP_IN_SCOPE, number)
            return match.row, match
        if match.found:
            record_lookup(case, actor, LOOKUP_IN_SCOPE, number)
            return match.row, match
        if match.elsewhere:
            return None, match  # the caller records it (a transfer, or a refusal)
        return None, match
    if bound is not None:
        person = db.session.get(Person, bound)
        if person is None or not scoping.can_see_committee(person.committee_id, actor):
            raise CaseRefused("person_out_of_scope")
        return person, None
    return None, None


def _apply_to_register(case: ChangeCase, entry_date: dt.date, person_data: dict, reason: str, actor,
                       city_system: str | None = None, *, bound_person_id=_CASE_PERSON, row: int | None = None):
    """Create/update the Person and open or end (核销) the Residence. Returns the residence written, if any.

    A move-in of a person registered in another committee writes nothing of him: it becomes a transfer request
    (app.changes.transfers) and the case waits (``case.stage`` is set to awaiting_transfer here)."""
    person, match = _find_person(case, person_data, actor, bound_person_id)
    number = person_data.get("id_number") or ""
    if person is None and match is not None and match.elsewhere:
        if row is not None:
            # A transfer moves one person and makes his case wait for the releasing committee: not a family's.
            raise _refuse_lookup("transfer_single_person", LOOKUP_ELSEWHERE, number, row=row)
        if case.kind != KIND_MOVE_IN:
            # Only the committee where he is registered changes or cancels his registration.
            raise _refuse_lookup("registered_elsewhere" if case.kind != KIND_MOVE_OUT else "not_registered_here",
                                 LOOKUP_ELSEWHERE, number)
        category = person_data.get("category") or None
        if category is not None and category not in CATEGORIES:
            raise CaseRefused("bad_category")
        from app.changes import transfers

        transfers.request_transfer(number, case.house_id, actor=actor, entry_date=entry_date,
                                   city_system=city_system, category=category, case=case)
        return None
    if case.kind == KIND_MOVE_OUT:
        if person is None and number:
            raise _refuse_lookup("not_registered_here", LOOKUP_NOT_HERE, number)
        if person is None:
            raise CaseRefused("person_required")
        residence = person.active_residence
        if residence is None:
            raise CaseRefused("no_active_residence")
        if residence.committee_id != case.committee_id:
            raise CaseRefused("no_active_residence")
        if entry_date < residence.start_date:
            raise CaseRefused("date_before_start")
        residence.end_date = entry_date
        residence.end_reason = (reason.strip() or f"迁出（变动报告 #{case.id}）")[:255]
        case.person_id = person.id
        return residence

    category = person_data.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise CaseRefused("bad_category")
    if person is None:
        name = (person_data.get("name") or "").strip()
        if not name or not person_data.get("id_number"):
            raise CaseRefused("person_required")
        if category is None:
            raise CaseRefused("category_required")
        person = Person(name=name[:64], id_type=person_data.get("id_type") or ID_TYPE_RESIDENT,
                        id_number=person_data["id_number"], category=category)
        if person.id_type != ID_TYPE_RESIDENT:
            raise CaseRefused("resident_id_only")
        db.session.add(person)
        db.session.flush()
        record_lookup(case, actor, LOOKUP_NEW, person.id_number)
    elif category is not None:
        person.category = category
    for field in ("phone", "registered_address"):
        value = (person_data.get(field) or "").strip()
        if value:
            setattr(person, field, value[:255 if field == "registered_address" else 32])
    db.session.flush()
    case.person_id = person.id
    if case.kind != KIND_MOVE_IN:
        return None
    if case.house_id is None:
        raise CaseRefused("house_required")
    house = db.session.get(House, case.house_id)
    current = person.active_residence
    if current is not None and current.house_id == house.id:
        return current
    if current is not None:
        if entry_date < current.start_date:
            raise CaseRefused("date_before_start")
        current.end_date = entry_date
        current.end_reason = f"迁至{house.address}（变动报告 #{case.id}）"[:255]
        db.session.flush()  # the old residence is closed before the new one opens (one active per person)
    residence = Residence(person_id=person.id, house_id=house.id, start_date=entry_date)
    db.session.add(residence)
    db.session.flush()
    return residence


ENTRY_FIELDS = ("name", "id_number", "category", "phone", "registered_address")


def entry_rows(rows: list[dict]) -> list[dict]:
    """The person rows of an entry form that carry anything but a category (an empty row added by mistake is not
    a person), as plain dicts of stripped strings."""
    cleaned = [{**r, **{k: (str(r.get(k) or "")).strip() for k in ENTRY_FIELDS}} for r in rows]
    return [r for r in cleaned if any(r[k] for k in ENTRY_FIELDS if k != "category")]


def _apply_many(case: ChangeCase, entry_date: dt.date, rows: list[dict], reason: str, actor,
                city_system: str | None):
    """Several persons on one form: each row as ``_apply_to_register`` does it, all or none (a refusal names the
    row: the caller rolls everything back). Row 1 is the person the case names, if it names one; a person
    registered in another committee is refused (a transfer handles one person per case). Returns row 1's
    residence."""
    seen_numbers: dict[str, int] = {}
    for position, row in enumerate(rows, start=1):
        number = normalise_identifier(row.get("id_number"))
        if number and number in seen_numbers:
            raise CaseRefused("duplicate_in_entry", row=position, first=seen_numbers[number])
        if number:
            seen_numbers[number] = position
    bound_first = case.person_id
    first_residence, person_ids = None, []
    for position, row in enumerate(rows, start=1):
        try:
            residence = _apply_to_register(case, entry_date, dict(row), reason, actor, city_system,
                                           bound_person_id=bound_first if position == 1 else None, row=position)
        except CaseRefused as exc:
            exc.params.setdefault("row", position)
            raise
        if case.person_id in person_ids:
            raise CaseRefused("duplicate_in_entry", row=position, first=person_ids.index(case.person_id) + 1)
        person_ids.append(case.person_id)
        if position == 1:
            first_residence = residence
    case.person_id = person_ids[0]
    record_case_persons(case, person_ids, actor)
    return first_residence


def record_case_persons(case: ChangeCase, person_ids: list[int], actor) -> None:
    """The case's persons (in the order typed), each one audited with the case. Into the session only."""
    known = {pid for (pid,) in db.session.query(ChangeCasePerson.person_id).filter_by(case_id=case.id)}
    start = len(known)
    for offset, person_id in enumerate(p for p in person_ids if p not in known):
        db.session.add(ChangeCasePerson(case_id=case.id, person_id=person_id, position=start + offset + 1))
        person = db.session.get(Person, person_id)
        recorder.record("case_person", model="ChangeCase", record_id=case.id, committee_id=case.committee_id,
                        detail=f"{case.kind} person=#{person_id} {mask_id_number(person.id_number or '')}".strip(),
                        commit=False)
    db.session.flush()


def case_person_list(case: ChangeCase) -> list:
    """The persons of a case: its rows, or (cases entered before several persons were possible) the one it names."""
    persons = [row.person for row in case.case_persons]
    if not persons and case.person is not None:
        persons = [case.person]
    return persons


# -- AB角 ---------------------------------------------------------------------------------------------------------

def social_workers_of(committee_id: int) -> list:
    """Accounts with the social_worker role working in ``committee_id`` (candidates for A and B)."""
    return users_with_role(SOCIAL_WORKER, committee_id=committee_id)


def set_workers(committee_id: int, *, worker_a: int | None, worker_b: int | None, a_away: bool, b_away: bool,
                actor) -> int:
    """Name a committee's A and B social worker and who is away. Open cases held by an away worker move to the
    other one. Returns how many cases moved. Commits nothing."""
    if not scoping.can_see_committee(committee_id, actor):
        raise CaseRefused("out_of_scope")
    candidates = {u.id for u in social_workers_of(committee_id)}
    for uid in (worker_a, worker_b):
        if uid is not None and uid not in candidates:
            raise CaseRefused("not_a_social_worker")
    if worker_a is not None and worker_a == worker_b:
        raise CaseRefused("same_worker")
    row = db.session.query(CommitteeWorkers).filter_by(committee_id=committee_id).one_or_none()
    if row is None:
        row = CommitteeWorkers(committee_id=committee_id)
        db.session.add(row)
    row.worker_a_fk, row.worker_b_fk = worker_a, worker_b
    row.a_away, row.b_away = bool(a_away and worker_a), bool(b_away and worker_b)
    db.session.flush()
    return reassign_open_cases(committee_id)


def reassign_open_cases(committee_id: int) -> int:
    """Open cases of an away (or no longer named) worker go to whoever holds the committee's work now."""
    row = db.session.query(CommitteeWorkers).filter_by(committee_id=committee_id).one_or_none()
    holder = worker_for(committee_id)
    if row is None or holder is None:
        return 0
    present = {uid for uid, away in ((row.worker_a_fk, row.a_away), (row.worker_b_fk, row.b_away))
               if uid is not None and not away}
    moved = 0
    cases = (
        db.session.query(ChangeCase)
        .filter(ChangeCase.committee_id == committee_id, ChangeCase.stage.in_(case_flow.OPEN_STAGES))
        .all()
    )
    for case in cases:
        if case.assigned_worker_fk not in present and case.assigned_worker_fk != holder:
            case.assigned_worker_fk = holder
            moved += 1
    return moved


AB_NO_ROW = "no_ab"
AB_NO_B = "no_b"
AB_NO_A = "no_a"
AB_BOTH_AWAY = "both_away"


def ab_flags(committee_ids=None) -> dict[int, str]:
    """Committees whose entry could stop: no A/B named, no B, or both away. {committee_id: flag code}."""
    query = db.session.query(Committee.id)
    if committee_ids is not None:
        query = query.filter(Committee.id.in_(sorted(committee_ids)))
    rows = {r.committee_id: r for r in db.session.query(CommitteeWorkers).all()}
    flags = {}
    for (cid,) in query.all():
        row = rows.get(cid)
        if row is None or (row.worker_a_fk is None and row.worker_b_fk is None):
            flags[cid] = AB_NO_ROW
        elif row.worker_a_fk is None:
            flags[cid] = AB_NO_A
        elif row.worker_b_fk is None:
            flags[cid] = AB_NO_B
        elif row.a_away and row.b_away:
            flags[cid] = AB_BOTH_AWAY
    return flags


# -- the clock: who holds a case, what is due, what is late ------------------------------------------------------

def pending_due(case: ChangeCase) -> Optional[dt.datetime]:
    """The deadline the case is waiting on now (naive UTC), None when nothing is pending."""
    if case.stage in case_flow.AWAITING_COLLECTION:
        if case.key_area and case.entry_due is not None:
            return min(case.collection_due, case.entry_due)
        return case.collection_due
    if case.stage in case_flow.AWAITING_ENTRY:
        return case.entry_due
    return None


def is_overdue_now(case: ChangeCase, now: dt.datetime | None = None) -> bool:
    due = pending_due(case)
    return due is not None and (naive(now) if now else utcnow()) > due


def holders(case: ChangeCase) -> list[int]:
    """Who must act next: the block leader(s) while the form is out, the A/B social worker once collected."""
    if case.stage in case_flow.AWAITING_COLLECTION:
        leader = block_leader_for(case.block_id)
        if leader is not None:
            return [leader]
        return committee_role_users(case.committee_id, "block_leader")
    if case.stage in case_flow.AWAITING_ENTRY:
        if case.assigned_worker_fk:
            return [case.assigned_worker_fk]
        return committee_role_users(case.committee_id, "social_worker")
    return []


def committee_role_users(committee_id: int, role_name: str) -> list[int]:
    return [u.id for u in users_with_role(role_name, committee_id=committee_id)]


def notify(user_id: int, text: str, link: str | None = None, *, once: bool = False) -> bool:
    # Kept for existing callers; notifications live in app/notifications/ (issue 13).
    return _notify(user_id, text, link, once=once)


def check_overdue(now: dt.datetime | None = None) -> dict:
    """The daily check: mark open cases newly seen overdue and notify whoever holds them. Idempotent (a case is
    marked and notified once per deadline). Commits nothing. Returns {"collection": n, "entry": m, "notified": k}."""
    now = naive(now) if now else utcnow()
    counts = {"collection": 0, "entry": 0, "notified": 0}
    cases = (
        db.session.query(ChangeCase)
        .filter(ChangeCase.stage.in_(case_flow.OPEN_STAGES))
        .order_by(ChangeCase.id)
        .all()
    )
    for case in cases:
        which = None
        if case.stage in case_flow.AWAITING_COLLECTION and case.collection_overdue_at is None \
                and now > case.collection_due:
            case.collection_overdue_at = now
            which = "collection"
        entry_late = case.entry_due is not None and now > case.entry_due and case.entry_overdue_at is None
        if entry_late and (case.stage in case_flow.AWAITING_ENTRY or case.key_area):
            case.entry_overdue_at = now
            which = which or "entry"
            counts["entry"] += 1
        if which == "collection":
            counts["collection"] += 1
        if which is None:
            continue
        what = f"已超期：{'表格未按时采集' if which == 'collection' else '未按时录入/核销'}"
        # Overdue goes to the holder and to the committee's director (issue 13 item 2).
        counts["notified"] += _hand_off(case, what, holders(case) + committee_role_users(case.committee_id,
                                                                                         "committee_director"))
    counts["escalated"] = _escalate_to_zone(cases, now)
    return counts


def _escalate_to_zone(cases: list[ChangeCase], now: dt.datetime) -> int:
    """A case still pending one day after it was marked overdue goes to the zone leader, once per deadline."""
    sent = 0
    for case in cases:
        for which, marked in (("collection", case.collection_overdue_at), ("entry", case.entry_overdue_at)):
            pending = case.stage in (case_flow.AWAITING_COLLECTION if which == "collection"
                                     else case_flow.OPEN_STAGES)
            if marked is None or not pending or now < marked + dt.timedelta(days=1):
                continue
            text = (f"变动报告 #{case.id}（{_case_place(case)}）超期已逾一天："
                    f"{'表格未采集' if which == 'collection' else '未录入/核销'}")
            sent += notify_many(zone_leaders_of_committee(case.committee_id), text,
                                f"/changes/show/{case.id}?overdue={which}", once=True)
    return sent


def local_month_bounds(year: int, month: int, rules: Rules) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar month in local time, as naive UTC."""
    start = dt.datetime(year, month, 1, tzinfo=rules.zone)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=rules.zone)
    return naive(start), naive(end)


def overdue_counts(year: int, month: int, *, now: dt.datetime | None = None, user=None) -> dict[int, dict]:
    """Per committee, the changes reported in that (local) month, not withdrawn: {"total": n, "on_time": m,
    "overdue": n - m}. "On time" = collected and entered within both deadlines (a step still pending counts as on
    time while its deadline has not passed at ``now``). ``on_time / total`` is the ranking's timeliness share.
    ``user`` limits to the user's scope (default: every committee — the ranking is street-wide)."""
    rules = current_rules()
    start, end = local_month_bounds(year, month, rules)
    now_aware = aware(naive(now) if now else utcnow())
    query = db.session.query(ChangeCase).filter(
        ChangeCase.reported_at >= start, ChangeCase.reported_at < end, ChangeCase.stage != case_flow.WITHDRAWN
    )
    if user is not None:
        query = scoping.restrict(query, ChangeCase.committee_id, user)
    out: dict[int, dict] = {}
    for case in query.order_by(ChangeCase.id):
        entry = out.setdefault(case.committee_id, {"total": 0, "on_time": 0, "overdue": 0})
        entry["total"] += 1
        on_time = deadlines.is_on_time(aware(case.reported_at), aware(case.collected_at), aware(case.entered_at),
                                       case.key_area, now_aware, rules)
        entry["on_time" if on_time else "overdue"] += 1
    return out


def overview(user, now: dt.datetime | None = None) -> dict:
    """The office/committee overview: per visible committee, open cases by stage, due today, overdue, the
    median hours from report to entry this month, and the AB flag."""
    import statistics


    rules = current_rules()
    now = naive(now) if now else utcnow()
    today = aware(now).astimezone(rules.zone).date()
    day_start = naive(dt.datetime.combine(today, dt.time.min, tzinfo=rules.zone))
    day_end = day_start + dt.timedelta(days=1)
    month_start, month_end = local_month_bounds(today.year, today.month, rules)
    ids = scoping.visible_committee_ids(user)
    committees = scoping.scoped_query(Committee, user).order_by(Committee.seq).all()
    rows = {c.id: {"committee": c, "stages": {s: 0 for s in case_flow.OPEN_STAGES}, "due_today": 0,
                   "overdue": 0, "durations": [], "open": 0} for c in committees}
    open_cases = scoping.restrict(
        db.session.query(ChangeCase).filter(ChangeCase.stage.in_(case_flow.OPEN_STAGES)),
        ChangeCase.committee_id, user).all()
    for case in open_cases:
        row = rows.get(case.committee_id)
        if row is None:
            continue
        row["open"] += 1
        row["stages"][case.stage] += 1
        due = pending_due(case)
        if due is not None and now > due:
            row["overdue"] += 1
        elif due is not None and day_start <= due < day_end:
            row["due_today"] += 1
    entered = scoping.restrict(
        db.session.query(ChangeCase.committee_id, ChangeCase.reported_at, ChangeCase.entered_at).filter(
            ChangeCase.entered_at >= month_start, ChangeCase.entered_at < month_end),
        ChangeCase.committee_id, user).all()
    for cid, reported, done in entered:
        if cid in rows:
            rows[cid]["durations"].append((done - reported).total_seconds() / 3600)
    flags = ab_flags(ids)
    all_durations = []
    for cid, row in rows.items():
        all_durations += row["durations"]
        row["median_hours"] = round(statistics.median(row["durations"]), 1) if row["durations"] else None
        row["ab_flag"] = flags.get(cid)
    total = {
        "stages": {s: sum(r["stages"][s] for r in rows.values()) for s in case_flow.OPEN_STAGES},
        "open": sum(r["open"] for r in rows.values()),
        "due_today": sum(r["due_today"] for r in rows.values()),
        "overdue": sum(r["overdue"] for r in rows.values()),
        "median_hours": round(statistics.median(all_durations), 1) if all_durations else None,
    }
    return {"rows": list(rows.values()), "total": total, "today": today, "all": ids is None}
