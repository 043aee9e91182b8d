"""Which committees a user may see and change — the one place every view, export, API and task asks.

Foundation stage: every signed-in user of the portal sees every committee. The access issue narrows
``visible_committee_ids`` by role and account; nothing else needs to change, since all queries go through here.
"""
from __future__ import annotations

from typing import Optional

from app.extensions import db


def visible_committee_ids(user=None) -> Optional[set[int]]:
    """None means "all committees"; otherwise the set of committee ids the user may see."""
    return None


def scoped_query(model, user=None):
    """A query of ``model`` restricted to what ``user`` (default: the current user) may see."""
    query = db.session.query(model)
    ids = visible_committee_ids(user)
    if ids is not None:
        query = query.filter(model.committee_id.in_(ids))
    return query
