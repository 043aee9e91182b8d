"""The rules that find gaps (主动发现), each one set-based SQL over the whole street: a GROUP BY or an anti-join,
never a Python loop over persons. Each query yields (subject_id, committee_id, digest…, detail) rows; the service
turns them into findings. Rules and thresholds: app/domain/analysis.py and app/domain/rules.py."""
from __future__ import annotations

import datetime as dt
from typing import Iterator, NamedTuple, Optional

from sqlalchemy import and_, exists, func, select

from app.domain import case_flow
from app.domain.analysis import fingerprint
from app.domain.monthly_table import SHOULD_CANCEL
from app.domain.rules import Rules
from app.changes.models import ChangeCase
from app.models import House, Person, Residence, Vehicle
from app.verification.models import VerificationHouseYear, VerificationRecord


class Hit(NamedTuple):
    rule: str
    subject_id: int
    committee_id: Optional[int]
    fingerprint: str
    detail: str


def _tables():
    return (House.__table__, Person.__table__, Residence.__table__, Vehicle.__table__,
            VerificationHouseYear.__table__, VerificationRecord.__table__, ChangeCase.__table__)


def _years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def find_gaps(connection, rules: Rules, today: dt.date, now: dt.datetime, only: Optional[set[str]] = None
              ) -> Iterator[Hit]:
    """Every gap the data show now (``now`` naive UTC, ``today`` the local date)."""
    house, person, residence, vehicle, house_year, record, change_case = _tables()
    active = residence.c.end_date.is_(None)

    def wanted(code):
        return only is None or code in only

    if wanted("crowded_house"):
        q = (select(residence.c.house_id, house.c.committee_id, func.count(), func.sum(residence.c.person_id))
             .join(house, house.c.id == residence.c.house_id).where(active)
             .group_by(residence.c.house_id, house.c.committee_id)
             .having(func.count() > rules.analysis_house_max_persons))
        for house_id, committee_id, n, digest in connection.execute(q):
            yield Hit("crowded_house", house_id, committee_id, fingerprint(n, digest), str(n))

    if wanted("unrelated_adults"):
        # Adults of different family names (the register holds no kinship): distinct first characters.
        adult_born_by = _years_ago(today, 18)
        surnames = func.count(func.distinct(func.substr(person.c.name, 1, 1)))
        q = (select(residence.c.house_id, house.c.committee_id, surnames, func.sum(residence.c.person_id))
             .join(house, house.c.id == residence.c.house_id)
             .join(person, person.c.id == residence.c.person_id)
             .where(active, person.c.birth_date <= adult_born_by)
             .group_by(residence.c.house_id, house.c.committee_id)
             .having(surnames > rules.analysis_house_max_unrelated_adults))
        for house_id, committee_id, n, digest in connection.execute(q):
            yield Hit("unrelated_adults", house_id, committee_id, fingerprint(n, digest), str(n))

    if wanted("empty_rental"):
        occupied = exists().where(residence.c.house_id == house.c.id, active)
        q = select(house.c.id, house.c.committee_id).where(house.c.is_rental.is_(True), ~occupied)
        for house_id, committee_id in connection.execute(q):
            yield Hit("empty_rental", house_id, committee_id, fingerprint("empty"), "")

    if wanted("house_unverified") and today.month >= rules.analysis_house_unverified_from_month:
        seen = exists().where(house_year.c.house_id == house.c.id, house_year.c.year == today.year)
        occupied = exists().where(residence.c.house_id == house.c.id, active)
        # Only houses someone lives in: an empty house has nobody to verify (an empty rental has its own rule).
        q = select(house.c.id, house.c.committee_id).where(occupied, ~seen)
        for house_id, committee_id in connection.execute(q):
            yield Hit("house_unverified", house_id, committee_id, fingerprint(today.year), str(today.year))

    if wanted("person_unregistered"):
        # Never registered anywhere (no residence row at all: a moved-away person has a cancelled one) …
        any_residence = exists().where(residence.c.person_id == person.c.id)
        q = select(person.c.id, person.c.committee_id).where(~any_residence)
        for person_id, committee_id in connection.execute(q):
            yield Hit("person_unregistered", person_id, committee_id, fingerprint("none"), "none")
        # … or registered in two places at once (a partial unique index forbids it: this proves it holds).
        q = (select(residence.c.person_id, func.min(residence.c.committee_id), func.count())
             .where(active).group_by(residence.c.person_id).having(func.count() > 1))
        for person_id, committee_id, n in connection.execute(q):
            yield Hit("person_unregistered", person_id, committee_id, fingerprint("twice", n), "twice")

    if wanted("permit_expiring"):
        limit = today + dt.timedelta(days=rules.analysis_permit_warning_days)
        q = (select(person.c.id, residence.c.committee_id, person.c.residence_permit_expiry)
             .join(residence, and_(residence.c.person_id == person.c.id, active))
             .where(person.c.residence_permit_expiry.is_not(None), person.c.residence_permit_expiry <= limit))
        for person_id, committee_id, expiry in connection.execute(q):
            yield Hit("permit_expiring", person_id, committee_id, fingerprint(expiry), expiry.isoformat())

    if wanted("vehicle_owner_moved"):
        lives_here = exists().where(residence.c.person_id == vehicle.c.owner_id, active)
        q = (select(vehicle.c.id, func.coalesce(vehicle.c.committee_id, person.c.committee_id), vehicle.c.owner_id,
                    vehicle.c.plate)
             .join(person, person.c.id == vehicle.c.owner_id)
             .where(~lives_here))
        for vehicle_id, committee_id, owner_id, plate in connection.execute(q):
            yield Hit("vehicle_owner_moved", vehicle_id, committee_id, fingerprint(owner_id), plate)

    if wanted("possible_duplicate"):
        groups = (select(person.c.name, person.c.birth_date, func.count().label("n"),
                         func.sum(person.c.id).label("digest"))
                  .group_by(person.c.name, person.c.birth_date)
                  .having(func.count(func.distinct(person.c.id_number)) > 1)).subquery()
        q = (select(person.c.id, person.c.committee_id, groups.c.n, groups.c.digest)
             .join(groups, and_(groups.c.name == person.c.name, groups.c.birth_date == person.c.birth_date)))
        for person_id, committee_id, n, digest in connection.execute(q):
            yield Hit("possible_duplicate", person_id, committee_id, fingerprint(n, digest), str(n))

    if wanted("cancellation_overdue"):
        due = func.coalesce(change_case.c.entry_due, change_case.c.collection_due)
        q = (select(record.c.person_id, change_case.c.committee_id, func.max(change_case.c.id))
             .join(change_case, change_case.c.id == record.c.change_case_id)
             .where(record.c.result == SHOULD_CANCEL, record.c.person_id.is_not(None),
                    change_case.c.stage.in_(case_flow.OPEN_STAGES), due < now)
             .group_by(record.c.person_id, change_case.c.committee_id))
        for person_id, committee_id, case_id in connection.execute(q):
            yield Hit("cancellation_overdue", person_id, committee_id, fingerprint(case_id), str(case_id))
