"""Transfers between committees (迁入/迁出). A person registered in one committee who moves into another is not
taken over by the receiving side: it asks, the releasing committee (its social workers or director; the street
office for a person of no committee) confirms or refuses with a reason, and only a confirmation ends the old
residence (核销) and opens the new one, in the caller's one transaction.

What each side sees: the requester learns only that the number is registered in another residential committee
(the request names the releasing committee to nobody on the receiving side); the releasing side sees its own
resident, the receiving committee's name and the move-in date, never the new address. Nothing here commits.

Other features call ``request_transfer`` (the change flow's entry step; the Excel importer for a row whose person
lives elsewhere) and ``pending_transfers_for`` (the home page's to-do list).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from app.access import scoping
from app.access.roles import COMMITTEE_DIRECTOR, SOCIAL_WORKER, STREET_OFFICE
from app.access.users import users_with_role
from app.changes.models import (
    TRANSFER_CONFIRMED,
    TRANSFER_PENDING,
    TRANSFER_REFUSED,
    TRANSFER_WITHDRAWN,
    ChangeCase,
    TransferRequest,
)
from app.changes.service import (
    LOOKUP_ELSEWHERE,
    CaseRefused,
    _stamp,
    record_case_persons,
    _user_id,
    display_name,
    holders,
    local_today,
    notify,
    record_lookup,
    utcnow,
)
from app.domain import case_flow
from app.extensions import db
from app.models import House, Person, PortalUser, Residence
from app.audit import recorder


def _deciders(committee_id: Optional[int]) -> list[int]:
    """Who is asked to release a person: the committee's social workers and director (the office when the person
    belongs to no committee, or the committee has nobody)."""
    ids: list[int] = []
    if committee_id is not None:
        for role in (SOCIAL_WORKER, COMMITTEE_DIRECTOR):
            ids += [u.id for u in users_with_role(role, committee_id=committee_id)]
    if not ids:
        ids = [u.id for u in users_with_role(STREET_OFFICE)]
    return sorted(set(ids))


def request_transfer(id_number: str, to_house_id: int, *, actor, entry_date: dt.date,
                     city_system: str | None = None, category: str | None = None,
                     case: ChangeCase | None = None) -> TransferRequest:
    """Ask the committee where ``id_number`` is registered to release him into ``to_house_id``.

    ``id_number`` must be a normalised number registered outside the actor's scope (CaseRefused
    "not_registered_elsewhere" otherwise: in scope the caller moves him itself; unknown, it registers him).
    With ``case`` (the change flow), the case waits in awaiting_transfer. Refuses a house outside the actor's
    scope, a future date, and a second pending request for the same person. Notifies the releasing side."""
    house = db.session.get(House, to_house_id) if to_house_id is not None else None
    if house is None or not scoping.can_see_committee(house.committee_id, actor):
        raise CaseRefused("house_required" if to_house_id is None else "house_out_of_scope")
    if entry_date is None:
        raise CaseRefused("entry_date_required")
    if entry_date > local_today():
        raise CaseRefused("future_date")
    match = scoping.find_by_natural_key(Person, Person.id_number, id_number, actor)
    if not match.elsewhere:
        raise CaseRefused("not_registered_elsewhere")
    pending = db.session.query(TransferRequest.id).filter(
        TransferRequest.person_id == match.row_id, TransferRequest.status == TRANSFER_PENDING).first()
    if pending is not None:
        raise CaseRefused("transfer_pending")
    request = TransferRequest(
        case_id=case.id if case is not None else None, person_id=match.row_id,
        from_committee_id=match.committee_id, to_committee_id=house.committee_id, to_house_id=house.id,
        entry_date=entry_date, city_system=city_system, category=category, status=TRANSFER_PENDING,
        requested_by_fk=_user_id(actor), requested_by_name=display_name(actor)[:128], requested_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    if case is not None:
        case.stage = case_flow.AWAITING_TRANSFER
        record_lookup(case, actor, LOOKUP_ELSEWHERE, id_number, person_id=match.row_id)
    text = f"迁移申请 #{request.id}：{house.committee.name}居民区申请将本居民区一名居民迁入，请确认或退回"
    for uid in _deciders(match.committee_id):
        notify(uid, text, f"/changes/transfers/{request.id}")
    _audit("transfer_request", request)
    return request


def pending_transfers_for(user):
    """The transfer requests ``user`` may decide, oldest first (a query: the home page may count or list it)."""
    query = db.session.query(TransferRequest).filter(TransferRequest.status == TRANSFER_PENDING)
    return scoping.restrict(query, TransferRequest.from_committee_id, user).order_by(TransferRequest.id)


def visible_transfer(transfer_id: int, user) -> Optional[TransferRequest]:
    """A request of the releasing side's scope (any status), or None."""
    query = db.session.query(TransferRequest).filter(TransferRequest.id == transfer_id)
    return scoping.restrict(query, TransferRequest.from_committee_id, user).one_or_none()


def transfer_of_case(case: ChangeCase) -> Optional[TransferRequest]:
    """The case's latest transfer request (what the receiving side may see of it: status, dates, reason)."""
    return (db.session.query(TransferRequest).filter(TransferRequest.case_id == case.id)
            .order_by(TransferRequest.id.desc()).first())


def _check_decider(request: TransferRequest, actor) -> None:
    # A person of no committee (from_committee_id None) is decided by all-seeing users only (can_see_committee).
    if not scoping.can_see_committee(request.from_committee_id, actor):
        raise CaseRefused("out_of_scope")
    if request.status != TRANSFER_PENDING:
        raise CaseRefused("transfer_decided")


def _decide(request: TransferRequest, actor, status: str, reason: str) -> None:
    request.status = status
    request.decided_by_fk = _user_id(actor)
    request.decided_by_name = display_name(actor)[:128]
    request.decided_at = utcnow()
    request.reason = reason[:500] if reason else None


def _receivers(request: TransferRequest) -> list[int]:
    """The receiving side: who asked, and whoever holds the case now (AB角)."""
    ids = {request.requested_by_fk} if request.requested_by_fk else set()
    if request.case is not None:
        ids.update(holders(request.case))
        if request.case.assigned_worker_fk:
            ids.add(request.case.assigned_worker_fk)
    return sorted(i for i in ids if i)


def confirm_transfer(request: TransferRequest, actor):
    """The releasing side confirms: its residence ends on the move-in date (核销, with the reason), the new one
    opens at the receiving house, the case is entered. Returns the new residence."""
    _check_decider(request, actor)
    person = request.person
    current = person.active_residence
    ended = None
    if current is not None:
        if request.from_committee_id is not None and current.committee_id != request.from_committee_id:
            raise CaseRefused("transfer_stale")
        if request.entry_date < current.start_date:
            raise CaseRefused("date_before_start")
        current.end_date = request.entry_date
        current.end_reason = f"迁至{request.to_committee.name}居民区（迁移申请 #{request.id}）"[:255]
        ended = current
        db.session.flush()  # the old residence is closed before the new one opens (one active per person)
    if request.category:
        person.category = request.category
    residence = Residence(person_id=person.id, house_id=request.to_house_id, start_date=request.entry_date)
    db.session.add(residence)
    db.session.flush()
    _decide(request, actor, TRANSFER_CONFIRMED, "")
    request.ended_residence_id = ended.id if ended is not None else None
    request.new_residence_id = residence.id
    case = request.case
    if case is not None and case.stage == case_flow.AWAITING_TRANSFER:
        # The receiving worker entered it when asking; the entry counts from the confirmation.
        requester = db.session.get(_user_model(), request.requested_by_fk) if request.requested_by_fk else None
        _stamp(case, "entered", requester or actor, utcnow())
        case.city_system = request.city_system
        case.entry_date = request.entry_date
        case.residence_id = residence.id
        case.person_id = person.id
        case.stage = case_flow.ENTERED
        record_case_persons(case, [person.id], actor)
    text = f"迁移申请 #{request.id} 已由迁出居民区确认，居住登记已迁入"
    for uid in _receivers(request):
        notify(uid, text, f"/changes/show/{case.id}" if case is not None else None)
    _audit("transfer_confirm", request)
    return residence


def refuse_transfer(request: TransferRequest, actor, reason: str) -> None:
    """The releasing side refuses, with a reason: nothing of the person changes; the case goes back to its
    committee (form collected) with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseRefused("refusal_reason_required")
    _check_decider(request, actor)
    _decide(request, actor, TRANSFER_REFUSED, reason)
    case = request.case
    if case is not None and case.stage == case_flow.AWAITING_TRANSFER:
        case.stage = case_flow.FORM_COLLECTED
    text = f"迁移申请 #{request.id} 被迁出居民区退回：{reason}"
    for uid in _receivers(request):
        notify(uid, text, f"/changes/show/{case.id}" if case is not None else None)
    _audit("transfer_refuse", request)


def withdraw_for_case(case: ChangeCase, actor) -> None:
    """The receiving side withdrew its case: its pending request is withdrawn too (the releasing side is told)."""
    request = (db.session.query(TransferRequest)
               .filter(TransferRequest.case_id == case.id, TransferRequest.status == TRANSFER_PENDING).one_or_none())
    if request is None:
        return
    _decide(request, actor, TRANSFER_WITHDRAWN, case.withdrawn_reason or "")
    for uid in _deciders(request.from_committee_id):
        notify(uid, f"迁移申请 #{request.id} 已由迁入居民区撤回", f"/changes/transfers/{request.id}")
    _audit("transfer_withdraw", request)


def _user_model():
    return PortalUser


def _audit(action: str, request: TransferRequest) -> None:
    recorder.record(action, model="TransferRequest", record_id=request.id, committee_id=request.from_committee_id,
                    detail=f"person=#{request.person_id} from={request.from_committee_id} "
                           f"to={request.to_committee_id} status={request.status}", commit=False)
