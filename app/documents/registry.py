"""The kinds of printable document, each declaring what it needs: a permission and a scope.

Features register their kinds from their own ``init_app`` (``register_kind``), so the documents package knows no
feature. A kind's permission is what the screens of its data require (the monthly table: "read" on
"MonthlyClose", as /monthly/ does); its scope says which data it shows:

- ``SCOPE_COMMITTEE``: one committee's data (or, without a committee, the whole street's, for users who see every
  committee) — whatever app.access.scoping lets the user read;
- ``SCOPE_STREET``: street-wide by nature (the monthly close's documents): no committee, and the permission alone
  decides, exactly as for the screen that shows the same figures.

The same rules decide who may request a kind (the request form offers only those), who may read an existing
document (list, status, download) and whether a queued job may still render.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from sqlalchemy import and_, false, or_

from app.access import scoping

SCOPE_COMMITTEE = "committee"
SCOPE_STREET = "street"


@dataclasses.dataclass(frozen=True)
class DocumentKind:
    key: str
    label: object  # lazy string
    template: str
    title: Callable  # (committee or None) -> str
    context: Callable  # (document) -> dict
    # (verb, permission name) the requesting/reading user needs besides "Document" rights
    permission: tuple[str, str]
    scope: str = SCOPE_COMMITTEE
    # False for documents of one record (a talk notice): they are requested from that record's page, not from
    # the general request form, which cannot say which record.
    on_request_form: bool = True
    # "month" or "quarter" (app/domain/periods.py): the request form asks for one, titles and file names carry it.
    period: Optional[str] = None


KINDS: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> DocumentKind:
    """Add (or, when an app is built again, replace) a kind. Called from a feature's init_app."""
    if kind.scope not in (SCOPE_COMMITTEE, SCOPE_STREET):
        raise ValueError(f"unknown document scope {kind.scope!r}")
    KINDS[kind.key] = kind
    return kind


def kind_of(key: str) -> Optional[DocumentKind]:
    return KINDS.get(key)


def _has_permission(user, verb: str, name: str) -> bool:
    from flask import current_app

    if user is None or not getattr(user, "is_authenticated", True):
        return False
    # FAB's check for an explicit user (tasks have no g.user); cached per request by PortalSecurityManager.
    return bool(current_app.appbuilder.sm._has_view_access(user, f"can_{verb}", name))


def may_use_kind(kind: DocumentKind, user) -> bool:
    return _has_permission(user, *kind.permission)


def may_request(kind: DocumentKind, committee_id: Optional[int], user) -> bool:
    """``user`` may have a ``kind`` document made for ``committee_id`` (None: the whole street)."""
    if not may_use_kind(kind, user):
        return False
    if kind.scope == SCOPE_STREET:
        return committee_id is None
    ids = scoping.visible_committee_ids(user)
    if committee_id is None:
        return ids is None
    return ids is None or committee_id in ids


def requestable_kinds(user, *, on_form_only: bool = True) -> list[DocumentKind]:
    return [k for k in KINDS.values() if (k.on_request_form or not on_form_only) and may_use_kind(k, user)]


def readable_clause(document_model, user):
    """SQL condition: the documents ``user`` may read (list, status, download), by the rules above."""
    usable = [k for k in KINDS.values() if may_use_kind(k, user)]
    if not usable:
        return false()
    committee_keys = [k.key for k in usable if k.scope == SCOPE_COMMITTEE]
    street_keys = [k.key for k in usable if k.scope == SCOPE_STREET]
    ids = scoping.visible_committee_ids(user)
    if ids is None:
        committee_part = document_model.kind.in_(committee_keys)
    else:
        committee_part = and_(document_model.kind.in_(committee_keys), document_model.committee_id.in_(ids))
    street_part = and_(document_model.kind.in_(street_keys), document_model.committee_id.is_(None))
    return or_(committee_part, street_part)
