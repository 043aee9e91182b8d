"""Staff accounts by role and committee: who can hold a case, be notified, or be named A/B or block leader."""
from __future__ import annotations

from typing import Optional

from flask_appbuilder.security.sqla.models import Role

from app.extensions import db
from app.models.access import PortalUser, user_committee


def person_name(user) -> str:
    """A staff member's name as Chinese writes it, surname (last_name) first; the account name if none is set."""
    if user is None:
        return ""
    full = f"{getattr(user, 'last_name', '') or ''}{getattr(user, 'first_name', '') or ''}".strip()
    return full or user.username


def display_name(user) -> str:
    """The name and the account, "张三 (zhangsan)", where two staff may share a name (records, stamps)."""
    if user is None:
        return ""
    full = person_name(user)
    return f"{full} ({user.username})" if full != user.username else user.username


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
