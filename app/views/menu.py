"""The navigation menu and the permissions behind it, kept per role set instead of rebuilt on every request.

FAB decides every menu entry, button and route with ``has_access``; app/access/security.py answers those from the set of
(permission, view) names of the user's roles. That set depends on the roles alone, so it is read once per role set
and kept in this process; the navbar's menu (the same for everyone with the same roles and language) is rendered
once per role set and language and kept beside it.

Both are dropped at once when this process commits a change to roles, permissions, views or groups (the role
editor, ``flask seed``, FAB's permission sync), and are read again after MENU_CACHE_SECONDS in any case, which is
how long another gunicorn worker may go on with the old set after such a change made elsewhere. 0 turns the cache
off (each request reads the set once, as before).

Registered by ``init_app`` (from create_app): the session hook that drops the cache and the ``portal_menu`` global
of portal/navbar.html.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Hashable

from flask import current_app, g, render_template
from flask_appbuilder.security.sqla.models import Group, Permission, PermissionView, Role, ViewMenu
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

_WATCHED = (Role, Permission, PermissionView, ViewMenu, Group)
_lock = threading.Lock()
_entries: dict[Hashable, tuple[float, object]] = {}
_generation = 0  # bumped by every clear(): a value computed before a clear is not stored after it


def _seconds() -> float:
    return float(current_app.config.get("MENU_CACHE_SECONDS", 0) or 0)


def cached(key: Hashable, compute: Callable[[], object]):
    """The value kept under ``key`` if younger than MENU_CACHE_SECONDS, else ``compute()`` (kept for next time)."""
    ttl = _seconds()
    if ttl <= 0:
        return compute()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    generation = _generation
    value = compute()
    with _lock:
        if generation == _generation:
            _entries[key] = (now + ttl, value)
    return value


def clear() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def role_key(roles) -> frozenset:
    return frozenset((role.id, role.name) for role in roles)


def permission_names(roles, load: Callable[[], frozenset]) -> frozenset:
    """The (permission, view) names of ``roles``: ``load()`` once per role set and cache period."""
    return cached(("permissions", role_key(roles)), load)


def portal_menu() -> Markup:
    """The navbar's menu entries (FAB's appbuilder/navbar_menu.html) for the signed-in user's roles and language."""
    from flask_babel import get_locale

    appbuilder = current_app.appbuilder
    user = getattr(g, "user", None)
    roles = appbuilder.sm.get_user_roles(user) if user is not None else []

    def render() -> Markup:
        return Markup(render_template("appbuilder/navbar_menu.html", menu=appbuilder.menu))

    return cached(("menu", role_key(roles), str(get_locale())), render)


def _note_security_writes(session, flush_context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            session.info["_portal_security_changed"] = True
            return


def _after_commit(session) -> None:
    if session.info.pop("_portal_security_changed", False):
        clear()


def init_app(app) -> None:
    app.jinja_env.globals["portal_menu"] = portal_menu
    clear()  # a new app (tests build several) starts with nothing kept from another's database
    # Session-wide (every session of the process); registered once however many apps are built. A rollback
    # leaves the mark: clearing once too often costs one query per role set, never a wrong answer.
    for name, hook in (("after_flush", _note_security_writes), ("after_commit", _after_commit)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
