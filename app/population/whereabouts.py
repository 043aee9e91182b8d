"""Who lives where (issue 14 §2): the rows the house, person and committee pages show beside their own fields.
Reads only, a fixed handful of queries per page whatever the numbers (no query per row), each restricted by
app.access.scoping: a person's residence in another committee, or a case another committee holds, is not shown."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Residence
from app.models.counts import CommitteeCount
from app.access.scoping import restrict
from app.changes.models import ChangeCase, ChangeCasePerson
from app.verification.models import VerificationRecord

# How many of a person's change cases and verification records the page lists (newest first); the lists behind
# the links hold the rest.
RECENT_ROWS = 20


def house_residents(house_id: int) -> dict:
    """Current residents and the cancelled residences (history), newest first: one query."""
    rows = restrict(
        db.session.query(Residence).options(joinedload(Residence.person)).filter(Residence.house_id == house_id),
        Residence.committee_id,
    ).order_by(Residence.start_date.desc(), Residence.id.desc()).all()
    return {"current": [r for r in rows if r.end_date is None], "history": [r for r in rows if r.end_date is not None]}


def person_history(person_id: int) -> dict:
    """The person's residences, change cases and verification records (three queries)."""
    residences = restrict(
        db.session.query(Residence).options(joinedload(Residence.house)).filter(Residence.person_id == person_id),
        Residence.committee_id,
    ).order_by(Residence.start_date.desc(), Residence.id.desc()).all()
    cases = restrict(
        # The cases that name him, and those of a family he was entered with (change_case_person).
        db.session.query(ChangeCase).filter(or_(ChangeCase.person_id == person_id, ChangeCase.id.in_(
            select(ChangeCasePerson.case_id).where(ChangeCasePerson.person_id == person_id)))),
        ChangeCase.committee_id,
    ).order_by(ChangeCase.reported_at.desc(), ChangeCase.id.desc()).limit(RECENT_ROWS).all()
    records = restrict(
        db.session.query(VerificationRecord).options(joinedload(VerificationRecord.house))
        .filter(VerificationRecord.person_id == person_id),
        VerificationRecord.committee_id,
    ).order_by(VerificationRecord.checked_on.desc(), VerificationRecord.id.desc()).limit(RECENT_ROWS).all()
    return {"residences": residences, "cases": cases, "records": records}


def committee_counts(committee_id: int) -> dict:
    """Houses, current residents and persons registered to the committee: one row of committee_count, kept by
    triggers (app/models/counts.py), instead of three COUNT(*) over the committee's rows."""
    row = db.session.get(CommitteeCount, committee_id)
    if row is None:
        return {"houses": 0, "residents": 0, "persons": 0}
    return {"houses": row.houses, "residents": row.residences, "persons": row.persons}
