"""Which committees a user may see and change: the one place every screen, export, API, lookup and task asks.

- admin, street office, police station: every committee (``None`` = no restriction);
- zone leader, team member: the committees of their zone;
- everyone else: the committees on their account.
A user with several roles gets the union; an account with none of these gets nothing.

``FilterInScope`` applies it to FAB views and APIs (as a base filter, and on every relation dropdown), and
``scoped_query`` to our own queries. Celery tasks and the CLI pass the user explicitly (there is no ``g.user``).
"""
from __future__ import annotations

from typing import Optional

from flask import g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import false, select

from app.access.roles import ADMIN, ALL_SEEING_ROLES, STREET_OFFICE, TEAM_MEMBER, ZONE_LEADER, ZONE_ROLES
from app.extensions import db
from app.models import Building, Committee, House, PortalUser


def _current_user():
    return getattr(g, "user", None) if has_request_context() else None


def compute_visible_committee_ids(user) -> Optional[frozenset[int]]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    role_names = {role.name for role in getattr(user, "roles", [])}
    if role_names & ALL_SEEING_ROLES:
        return None
    ids: set[int] = set()
    if role_names & ZONE_ROLES and getattr(user, "zone_id", None):
        ids.update(db.session.scalars(select(Committee.id).where(Committee.zone_id == user.zone_id)))
    ids.update(c.id for c in getattr(user, "committees", []))
    return frozenset(ids)


def visible_committee_ids(user=None) -> Optional[frozenset[int]]:
    """None means "all committees"; otherwise the committee ids the user (default: current user) may see."""
    if user is None:
        user = _current_user()
        if has_request_context():
            cache = g.get("_visible_committee_ids", {})
            key = getattr(user, "id", None)
            if key not in cache:
                cache[key] = compute_visible_committee_ids(user)
                g._visible_committee_ids = cache
            return cache[key]
    return compute_visible_committee_ids(user)


def can_see_committee(committee_id: Optional[int], user=None) -> bool:
    ids = visible_committee_ids(user)
    return ids is None or (committee_id is not None and committee_id in ids)


def team_reach(user=None) -> tuple[str, Optional[int]]:
    """Whose team performance (绩效考核) ``user`` may read: ("all", None) for the all-seeing roles, ("zone", zone id)
    for a zone leader (his zone's members), ("self", user id) for a team member (his own), ("none", None) else."""
    if user is None:
        user = _current_user()
    if user is None or not getattr(user, "is_authenticated", False):
        return "none", None
    role_names = {role.name for role in getattr(user, "roles", [])}
    if role_names & ALL_SEEING_ROLES:
        return "all", None
    if ZONE_LEADER in role_names and getattr(user, "zone_id", None):
        return "zone", user.zone_id
    if TEAM_MEMBER in role_names:
        return "self", user.id
    return "none", None


def may_move_between_committees(user=None) -> bool:
    """Moving a block, building or house to another committee (redrawing a boundary) changes who sees its
    residents: the street office and admins only (app/organisation/moves.py)."""
    if user is None:
        user = _current_user()
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool({role.name for role in getattr(user, "roles", [])} & {ADMIN, STREET_OFFICE})


def restrict(query, column, user=None):
    """``query`` limited to rows whose ``column`` (a committee id) the user may see."""
    ids = visible_committee_ids(user)
    if ids is None:
        return query
    return query.filter(column.in_(sorted(ids)) if ids else false())


def scope_column_name(model) -> Optional[str]:
    """The column that says which committee a row of ``model`` belongs to (a committee's own id; None when the
    model belongs to no committee)."""
    if model is Committee:
        return "id"
    return "committee_id" if "committee_id" in model.__table__.columns else None


def scope_column(model):
    return getattr(model, scope_column_name(model))


def scoped_query(model, user=None):
    """A query of ``model`` restricted to what ``user`` (default: the current user) may see."""
    return restrict(db.session.query(model), scope_column(model), user)


def _matching(query, text_column, key_column, scope_column, text: str, user, committee_id: Optional[int],
              limit: int, offset: int = 0):
    """Rows of ``query`` whose ``text_column`` contains ``text`` literally (% and _ are no wildcards; empty text
    matches all), in natural order (``key_column``), within ``user``'s scope or the one ``committee_id``."""
    if text:
        query = query.where(text_column.contains(text, autoescape=True))
    if committee_id is not None:
        query = query.where(scope_column == committee_id)
    else:
        query = restrict(query, scope_column, user)
    pk = key_column.table.c.id
    return db.session.execute(query.order_by(key_column, pk).limit(limit).offset(offset)).all()


def houses_matching(text: str, user=None, *, committee_id: Optional[int] = None, limit: int = 20) -> list[dict]:
    """The one search of the house pickers: houses whose address contains ``text`` (literally: % and _ are not
    wildcards), in natural order of address (1号 … 9号, 10号), as ``{"id", "text"}`` for the picker's JSON. Within ``user``'s scope (default: the
    current user); or, for the public self-declaration page, which has no user, within the one ``committee_id``
    its token names."""
    rows = _matching(select(House.id, House.address), House.address, House.address_key, House.committee_id,
                     text, user, committee_id, limit)
    return [{"id": house_id, "text": address} for house_id, address in rows]


def building_label(name: str, committee_name: Optional[str]) -> str:
    """A building as its pickers show it: its name and, since names repeat between committees, its committee."""
    return f"{name}（{committee_name}）" if committee_name else name


def buildings_matching(text: str, user=None, *, limit: int = 20, offset: int = 0) -> list[dict]:
    """The one search of the building pickers (house forms, the house list's filter): buildings whose name
    contains ``text`` (all of them for an empty text, a page at a time), within ``user``'s scope (default: the
    current user), in natural order of name (1号楼 … 9号楼, 10号楼), as ``{"id", "text"}``."""
    query = select(Building.id, Building.name, Committee.name).join(Committee, Building.committee_id == Committee.id)
    rows = _matching(query, Building.name, Building.name_key, Building.committee_id, text, user, None, limit,
                     offset)
    return [{"id": building_id, "text": building_label(name, committee)} for building_id, name, committee in rows]


class FilterInScope(BaseFilter):
    """FAB filter: ``[["committee_id", FilterInScope, None]]`` keeps the rows of the user's committees."""

    name = "In scope"
    arg_name = "inscope"

    def apply(self, query, value):
        column = getattr(self.model, self.column_name)
        return restrict(query, column)


class FilterUsersInScope(BaseFilter):
    """FAB filter on accounts: those working in one of the user's committees (all accounts for all-seeing
    users), so a committee's pickers never list another committee's staff."""

    name = "Users in scope"
    arg_name = "usersinscope"

    def apply(self, query, value):
        ids = visible_committee_ids()
        if ids is None:
            return query
        return query.filter(PortalUser.committees.any(Committee.id.in_(sorted(ids)) if ids else false()))


class NaturalKeyMatch:
    """What a lookup by a natural key (ID number, phone, address) may tell a user: the row, only when it is in his
    scope; otherwise only whether a row exists elsewhere (``elsewhere``) — never whose, never where.
    ``committee_id`` is kept for the service that has to route a request to the owner (a transfer), not for
    display."""

    __slots__ = ("row", "elsewhere", "committee_id", "row_id")

    def __init__(self, row=None, elsewhere: bool = False, committee_id: Optional[int] = None,
                 row_id: Optional[int] = None):
        self.row, self.elsewhere, self.committee_id, self.row_id = row, elsewhere, committee_id, row_id

    @property
    def found(self) -> bool:
        return self.row is not None


def find_by_natural_key(model, column, value, user=None) -> NaturalKeyMatch:
    """The one scoped lookup by a natural key: ``find_by_natural_key(Person, Person.id_number, number, user)``.

    Reads only the id and committee of a match first, and loads the row only when ``user`` may see its committee,
    so a typed number never brings another committee's record into the session (nor into a page or a form). A row
    with no committee belongs to no restricted user: only all-seeing users get it."""
    scope = scope_column(model)
    pk = model.__mapper__.primary_key[0]
    hit = db.session.execute(select(pk, scope).where(column == value).limit(1)).first()
    if hit is None:
        return NaturalKeyMatch()
    row_id, committee_id = hit
    ids = visible_committee_ids(user)
    if ids is None or (committee_id is not None and committee_id in ids):
        return NaturalKeyMatch(row=db.session.get(model, row_id), committee_id=committee_id, row_id=row_id)
    return NaturalKeyMatch(elsewhere=True, committee_id=committee_id, row_id=row_id)
