"""Who may verify where, and the day it is: the refusal of verification, the local day and shift, and the one
exception to scoping (app.access.scoping): a team member on an assigned cross check verifies in a committee of another
zone during that month (CrossCheckAssignment)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import select

from app.access import scoping
from app.domain import clock
from app.domain.refusal import Refused
from app.domain.rules import Rules
from app.extensions import db
from app.settings import current_rules, local_today  # noqa: F401  (re-exported)
from app.verification.models import CrossCheckAssignment


class VerificationRefused(Refused):
    """A request verification refuses; ``code`` is translated by app.verification.messages. Its status: 400, or
    what the raiser says (409 a mark that already exists or cannot be undone, 404 no such mark, 429 a flood)."""


# -- time and rules ----------------------------------------------------------------------------------------------



def local_now(rules: Rules | None = None) -> dt.datetime:
    return clock.local_now(rules or current_rules())


def default_shift(rules: Rules | None = None) -> str:
    """Day group until 17:00 Shanghai time, night group after (a default; the page lets the team change it)."""
    return "night" if local_now(rules).hour >= 17 else "day"


def role_names(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", [])} if user is not None else set()


# -- the one exception to scoping: assigned cross checks -----------------------------------------------------------

def assignment_for(user, committee_id: int, on_date: dt.date) -> Optional[CrossCheckAssignment]:
    if user is None or getattr(user, "id", None) is None:
        return None
    rules = current_rules()
    if on_date.month not in rules.cross_check_months:
        return None
    return (db.session.query(CrossCheckAssignment)
            .filter_by(user_id=user.id, committee_id=committee_id, year=on_date.year, month=on_date.month)
            .one_or_none())


def may_verify(user, committee_id: Optional[int], on_date: dt.date) -> bool:
    """``user`` may record a verification in ``committee_id`` on ``on_date``: the committee is in the user's scope
    (app.access.scoping), OR the user holds a cross-check assignment to it for that month (a cross-check month only)."""
    if committee_id is None or user is None:
        return False
    if scoping.can_see_committee(committee_id, user):
        return True
    return assignment_for(user, committee_id, on_date) is not None


def verifiable_committee_ids(user, on_date: dt.date) -> Optional[set[int]]:
    """None = every committee; else the committees in scope plus this month's cross-check assignments."""
    ids = scoping.visible_committee_ids(user)
    if ids is None:
        return None
    result = set(ids)
    if on_date.month in current_rules().cross_check_months and getattr(user, "id", None) is not None:
        result.update(db.session.scalars(select(CrossCheckAssignment.committee_id).where(
            CrossCheckAssignment.user_id == user.id, CrossCheckAssignment.year == on_date.year,
            CrossCheckAssignment.month == on_date.month)))
    return result
