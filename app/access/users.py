"""Staff accounts by role and committee: who can hold a case, be notified, or be named A/B or block leader."""
from __future__ import annotations

from typing import Optional

from flask_appbuilder.security.sqla.models import Role

from app.extensions import db
from app.models.access import PortalUser, user_committee


def users_with_role(role_name: str, *, committee_id: Optional[int] = None) -> list[PortalUser]:
    """Active accounts holding ``role_name`` (and, if given, working in ``committee_id``), by user name."""
    query = (
        db.session.query(PortalUser)
        .filter(PortalUser.active.is_(True), PortalUser.roles.any(Role.name == role_name))
        .order_by(PortalUser.username, PortalUser.id)
    )
    if committee_id is not None:
        query = query.join(user_committee, user_committee.c.user_id == PortalUser.id).filter(
            user_committee.c.committee_id == committee_id
        )
    return query.all()
