"""Moving a block, building or house to another committee.

The data follows on its own (app/population/integrity.py cascades every copied committee column in the same
transaction, and the audit hook records each row). What is decided here is who may do it: a move changes
which committee sees the residents, so it is a deliberate act of the street office or an admin (a boundary
redrawn), never a side effect of a committee's own edit. Moving a house between buildings of the same
committee stays ordinary work.
"""
from __future__ import annotations

from typing import Optional

from flask_babel import gettext as _

from app.extensions import db
from app.models import Block, Building, House
from app.population.integrity import committee_change
from app.access.scoping import may_move_between_committees


def committee_move_refusal(item) -> Optional[str]:
    """A translated reason when the current user may not make this write's change of committee, else None."""
    if not isinstance(item, (Block, Building, House)):
        return None
    with db.session.no_autoflush:
        change = committee_change(db.session, item)
    if change is None or may_move_between_committees():
        return None
    return _("Only the street population office or an administrator can move a block, building or house to "
             "another committee.")
