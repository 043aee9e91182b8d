"""The guards' daily visitor log (外来人员登记): one VisitorDay per estate and local day, holding its visitors.

A guard submits for the active estates of his committees. An ID number, if given, is validated and stored masked
(the log only needs to recognise a returning visitor, not to identify him: the full number stays on paper); a
phone number is stored masked as well. A day on which an active estate submitted nothing is flagged the next
morning by the daily check (``missing_logs``).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_babel import gettext as _

from app.access import scoping
from app.changes.models import Estate, Visitor, VisitorDay, utcnow
from app.changes.service import (CaseRefused, committee_role_users, current_rules, display_name, local_today, naive,
                                 notify, worker_for)
from app.domain.idnumber import InvalidIdNumber, mask_id_number, mask_phone, parse_id_number
from app.extensions import db
from app.models import House


def estates_for(user) -> list[Estate]:
    return (scoping.scoped_query(Estate, user).filter(Estate.active.is_(True))
            .order_by(Estate.committee_id, Estate.name, Estate.id).all())


def log_day(estate_id: int, day: dt.date, actor) -> VisitorDay:
    """The estate's log of ``day`` (created if missing): creating it is the day's submission."""
    estate = scoping.scoped_query(Estate, actor).filter(Estate.id == estate_id, Estate.active.is_(True)).one_or_none()
    if estate is None:
        raise CaseRefused("out_of_scope")
    if day > local_today():
        raise CaseRefused("future_date")
    row = db.session.query(VisitorDay).filter_by(estate_id=estate.id, day=day).one_or_none()
    if row is None:
        row = VisitorDay(estate_id=estate.id, committee_id=estate.committee_id, day=day,
                         submitted_by_fk=getattr(actor, "id", None), submitted_by_name=display_name(actor)[:128],
                         submitted_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return row


def add_visitor(estate_id: int, day: dt.date, actor, *, name: str, id_number: str = "", phone: str = "",
                house_id: int | None = None, visited_note: str = "", time_in: Optional[dt.datetime] = None,
                time_out: Optional[dt.datetime] = None, reason: str = "") -> Visitor:
    """Add one visitor to the estate's log of ``day``. Times are naive UTC. Commits nothing."""
    name = (name or "").strip()
    if not name:
        raise CaseRefused("visitor_name_required")
    id_number, phone = (id_number or "").strip(), (phone or "").strip()
    if not id_number and not phone:
        raise CaseRefused("id_or_phone_required")
    masked_id = None
    if id_number:
        try:
            masked_id = mask_id_number(parse_id_number(id_number, local_today()).number)
        except InvalidIdNumber as exc:
            raise CaseRefused("bad_id_number", reason=exc.code) from None
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
        raise CaseRefused("bad_phone")
    now = utcnow()
    for t in (time_in, time_out):
        if t is not None and naive(t) > now + dt.timedelta(minutes=5):
            raise CaseRefused("future_date")
    if time_in and time_out and time_out < time_in:
        raise CaseRefused("time_out_before_in")
    log = log_day(estate_id, day, actor)
    if house_id is not None:
        house = db.session.get(House, house_id)
        if house is None or house.committee_id != log.committee_id:
            raise CaseRefused("house_out_of_scope")
    visitor = Visitor(log_day_id=log.id, committee_id=log.committee_id, name=name[:64], id_number_masked=masked_id,
                      phone_masked=mask_phone(phone) if phone else None, house_id=house_id,
                      visited_note=(visited_note or "").strip()[:128] or None, time_in=naive(time_in),
                      time_out=naive(time_out), reason=(reason or "").strip()[:255], created_at=now,
                      created_by_fk=getattr(actor, "id", None))
    db.session.add(visitor)
    return visitor


def missing_logs(day: dt.date, user=None) -> list[Estate]:
    """Active estates (in ``user``'s scope; None = all) with no submission for ``day``."""
    query = db.session.query(Estate).filter(Estate.active.is_(True))
    if user is not None:
        query = scoping.restrict(query, Estate.committee_id, user)
    submitted = {eid for (eid,) in db.session.query(VisitorDay.estate_id).filter(VisitorDay.day == day)}
    return [e for e in query.order_by(Estate.committee_id, Estate.name, Estate.id) if e.id not in submitted]


def flag_missing_logs(day: dt.date | None = None) -> int:
    """The morning flag: tell each committee's social workers which estates logged nothing yesterday. Once per
    estate and day (re-running the check adds nothing). Commits nothing. Returns notifications written."""
    day = day or (local_today(current_rules()) - dt.timedelta(days=1))
    written = 0
    for estate in missing_logs(day):
        text = _("%(committee)s %(estate)s: no visitor log was submitted for %(day)s.",
                 committee=estate.committee.name, estate=estate.name, day=day.isoformat())
        link = f"/visitors/days?day={day.isoformat()}&estate={estate.id}"
        holder = worker_for(estate.committee_id)  # the workstation's A (or B) social worker, else all of them
        for uid in [holder] if holder else committee_role_users(estate.committee_id, "social_worker"):
            written += notify(uid, text, link, once=True)
    return written
