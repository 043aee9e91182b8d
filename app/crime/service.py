"""Leads: report, verify, reward; the criticisms of leads not verified in time and of late entries; the
accountability records and the year's vetoes. Services add to the session and never commit (the view or task
does)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import or_, select

from app.access.users import person_name, users_with_role
from app.access import scoping
from app.crime.models import (
    CRITICISM_LATE_ENTRY, CRITICISM_LEAD_OVERDUE, LEAD_CONFIRMED, LEAD_OPEN, LEAD_UNCONFIRMED,
    CrimeAccountability, CrimeCriticism, CrimeLead, CrimeReward,
)
from app.domain import clock
from app.errors import UserFacingError
from app.extensions import db
from app.settings import current_rules
from app.access.roles import COMMUNITY_POLICE, POLICE_STATION, STREET_OFFICE
from app.models import Committee, House, Person
from app.notifications.service import notify_many


class CrimeRefused(UserFacingError):
    """A request the rules refuse; the message is the (translated) text the user sees."""


_user_name = person_name


def report_lead(committee_id: int, summary: str, reporter_name: str, user, person_id: Optional[int] = None,
                house_id: Optional[int] = None) -> CrimeLead:
    """A lead about a person or a house of a committee the user sees; due ``crime_lead_verify_days`` later."""
    from flask_babel import gettext as _

    summary, reporter_name = (summary or "").strip(), (reporter_name or "").strip()
    if not summary or not reporter_name:
        raise CrimeRefused(_("Enter the lead and who reported it."))
    if not scoping.can_see_committee(committee_id, user):
        raise CrimeRefused(_("This residential committee is not yours."))
    for model, pk in ((Person, person_id), (House, house_id)):
        if pk is None:
            continue
        row = db.session.get(model, pk)
        # A person or house of another committee is refused like one that does not exist: no hint that it does.
        if row is None or row.committee_id != committee_id:
            raise CrimeRefused(_("No such person or house in this residential committee."))
    now = clock.utcnow()
    lead = CrimeLead(committee_id=committee_id, summary=summary, reporter_name=reporter_name, person_id=person_id,
                     house_id=house_id, reported_at=now, recorded_by=_user_name(user),
                     due_at=now + dt.timedelta(days=current_rules().crime_lead_verify_days), state=LEAD_OPEN)
    db.session.add(lead)
    return lead


def verify_lead(lead: CrimeLead, confirmed: bool, note: str, user) -> CrimeLead:
    """Close a lead as confirmed (查实) or not; a lead is verified once."""
    from flask_babel import gettext as _

    if lead.state != LEAD_OPEN:
        raise CrimeRefused(_("This lead has already been verified."))
    lead.state = LEAD_CONFIRMED if confirmed else LEAD_UNCONFIRMED
    lead.verified_at = clock.utcnow()
    lead.verified_by = _user_name(user)
    lead.verification_note = (note or "").strip()[:500] or None
    return lead


def reward_lead(lead: CrimeLead, user) -> CrimeReward:
    """The reporter's reward entry; only a confirmed lead earns one, and only one."""
    from flask_babel import gettext as _

    if lead.state != LEAD_CONFIRMED:
        raise CrimeRefused(_("Only a confirmed lead earns a reward."))
    if db.session.scalar(select(CrimeReward.id).where(CrimeReward.lead_id == lead.id)) is not None:
        raise CrimeRefused(_("This lead has already been rewarded."))
    year = clock.local_today(current_rules(), lead.verified_at).year
    reward = CrimeReward(lead_id=lead.id, committee_id=lead.committee_id, year=year,
                         reporter_name=lead.reporter_name, points=current_rules().crime_lead_reward_points,
                         created_by=_user_name(user))
    db.session.add(reward)
    return reward


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _police_names(committee_id: int) -> str:
    names = [_user_name(u) for u in users_with_role(COMMUNITY_POLICE, committee_id=committee_id)]
    return "、".join(n for n in names if n)


def criticise_overdue_leads(now: Optional[dt.datetime] = None) -> list[CrimeCriticism]:
    """A 通报批评 for every lead not verified by its deadline (still open past it, or verified after it) that has
    none yet. Idempotent: run daily by the beat task and whenever the office opens the list of criticisms."""
    now = now or clock.utcnow()
    criticised = select(CrimeCriticism.lead_id).where(CrimeCriticism.lead_id.is_not(None))
    leads = db.session.scalars(
        select(CrimeLead).where(CrimeLead.id.not_in(criticised),
                                or_((CrimeLead.state == LEAD_OPEN) & (CrimeLead.due_at < now),
                                    CrimeLead.verified_at > CrimeLead.due_at))
        .order_by(CrimeLead.id)).all()
    made = []
    rules = current_rules()
    for lead in leads:
        committee = lead.committee.name if lead.committee else ""
        police = _police_names(lead.committee_id)
        due = clock.local_today(rules, lead.due_at)
        reason = (f"{committee}居民区{_cn(clock.local_today(rules, lead.reported_at))}报告的涉案线索"
                  f"未在{_cn(due)}前核查")
        criticism = CrimeCriticism(committee_id=lead.committee_id, year=due.year, kind=CRITICISM_LEAD_OVERDUE,
                                   lead_id=lead.id, to_whom=f"{committee}居民区社区民警{police}", reason=reason,
                                   created_at=now)
        db.session.add(criticism)
        made.append(criticism)
    if made:
        _notify(made)
    return made


def _notify(criticisms) -> None:
    from flask_babel import gettext as _

    db.session.flush()
    office = [u.id for role in (STREET_OFFICE, POLICE_STATION) for u in users_with_role(role)]
    for c in criticisms:
        police = [u.id for u in users_with_role(COMMUNITY_POLICE, committee_id=c.committee_id)]
        # The text names no person: a notification may be read over a shoulder.
        notify_many(office + police, _("A criticism has been issued: %(reason)s", reason=c.reason),
                    f"/crime/criticisms/show/{c.id}")


def on_late_entry(entry, session, is_new: bool) -> None:
    """A crime-related late entry (app.monthly CrimeLateEntry) is criticised; one of the eight serious violent
    crimes also brings 责任追究 with the veto. Called by the session hook (before_flush) for new and changed
    entries: the records point at the entry by relationship, so one flush writes them all."""
    committee = session.get(Committee, entry.committee_id)
    name = committee.name if committee is not None else ""
    reason = f"{name}居民区未及时录入{entry.year}年{entry.month}月涉案人员或线索（{entry.description}）"[:500]
    criticism = record = None
    if not is_new:
        criticism = session.scalar(select(CrimeCriticism).where(CrimeCriticism.late_entry_id == entry.id))
        record = session.scalar(select(CrimeAccountability).where(CrimeAccountability.late_entry_id == entry.id))
    if criticism is None:
        session.add(CrimeCriticism(committee_id=entry.committee_id, year=entry.year, kind=CRITICISM_LATE_ENTRY,
                                   late_entry=entry, to_whom=f"{name}居民区", reason=reason,
                                   created_at=clock.utcnow()))
    else:
        criticism.committee_id, criticism.year, criticism.reason = entry.committee_id, entry.year, reason
        criticism.to_whom = f"{name}居民区"
    if entry.serious_violent and record is None:
        session.add(CrimeAccountability(committee_id=entry.committee_id, year=entry.year, late_entry=entry,
                                        vetoed=True, created_at=clock.utcnow()))
    elif record is not None:
        # Corrected to not serious violent: the veto no longer holds; the record stays (audited) as history.
        record.vetoed = bool(entry.serious_violent)
        record.committee_id, record.year = entry.committee_id, entry.year


def on_late_entry_deleted(entry, session) -> None:
    """A late entry deleted (entered in error) takes its criticism and accountability record with it."""
    for model in (CrimeCriticism, CrimeAccountability):
        for row in session.scalars(select(model).where(model.late_entry_id == entry.id)):
            session.delete(row)


def vetoed_committees(year: int) -> set[int]:
    """Committees vetoed from ``year``'s awards (一票否优)."""
    return set(db.session.scalars(select(CrimeAccountability.committee_id).where(
        CrimeAccountability.year == year, CrimeAccountability.vetoed.is_(True))))


def vetoed_names(year: int) -> set[str]:
    """The people held responsible in ``year``: vetoed from the year's awards too."""
    names: set[str] = set()
    for record in db.session.scalars(select(CrimeAccountability).where(
            CrimeAccountability.year == year, CrimeAccountability.vetoed.is_(True))):
        names.update(record.responsible_names())
    return names


def rewards_by_committee(year: int) -> dict[int, int]:
    from sqlalchemy import func

    return dict(db.session.execute(select(CrimeReward.committee_id, func.sum(CrimeReward.points))
                                   .where(CrimeReward.year == year).group_by(CrimeReward.committee_id)).all())


def criticisms_by_committee(year: int) -> dict[int, int]:
    from sqlalchemy import func

    return dict(db.session.execute(select(CrimeCriticism.committee_id, func.count())
                                   .where(CrimeCriticism.year == year).group_by(CrimeCriticism.committee_id)).all())
