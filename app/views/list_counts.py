"""The total of a list page from committee_count (app/models/counts.py) when the list is filtered by nothing but
committees: the user's scope (FilterInScope) and FAB's "committee equals" filter. An exact COUNT(*) over 200,000
persons was most of what made the portal's first page slower than a stock FAB ModelView; the per-committee counts
the triggers keep give the same number from a few rows. Any other filter (a name, the search box, a category…)
gives ``None``: the caller counts the rows as before.
"""
from __future__ import annotations

from typing import Optional

from flask_appbuilder.models.sqla.filters import FilterRelationOneToManyEqual
from sqlalchemy import func, select

from app.extensions import db
from app.inputs import parse_id
from app.models import Committee, House, Person
from app.models.counts import CommitteeCount
from app.access.scoping import FilterInScope, visible_committee_ids

# The models whose every row is counted per committee, and by which column of committee_count.
TOTALS = {Person: CommitteeCount.persons, House: CommitteeCount.houses}

_ALL = None  # no restriction yet


def committees_counted(model, filters) -> tuple[bool, Optional[frozenset[int]]]:
    """(countable, committees): whether ``filters`` restrict ``model`` by committees alone, and to which (None: all
    rows, persons without a committee included)."""
    if model not in TOTALS:
        return False, _ALL
    ids: Optional[frozenset[int]] = _ALL
    for flt, value in zip(getattr(filters, "filters", []) or [], getattr(filters, "values", []) or []):
        if isinstance(flt, FilterInScope) and flt.column_name == "committee_id":
            wanted = visible_committee_ids()
        elif isinstance(flt, FilterRelationOneToManyEqual) and flt.column_name == "committee":
            if isinstance(value, (list, tuple)):  # FAB keeps a URL filter's values as a list
                if len(value) != 1:
                    return False, _ALL
                value = value[0]
            pk = parse_id(value)
            # FAB compares with the related object: an unknown id would list the rows without a committee.
            if pk is None or db.session.get(Committee, pk) is None:
                return False, _ALL
            wanted = frozenset({pk})
        else:
            return False, _ALL
        if wanted is not None:
            ids = wanted if ids is None else ids & wanted
    return True, ids


def count_from_table(model, filters) -> Optional[int]:
    """The list's total from committee_count, or None when the filters need a real count."""
    countable, ids = committees_counted(model, filters)
    if not countable:
        return None
    column = TOTALS[model]
    query = select(func.coalesce(func.sum(column), 0))
    if ids is not None:
        if not ids:
            return 0
        query = query.where(CommitteeCount.committee_id.in_(sorted(ids)))
    return int(db.session.scalar(query))
