"""Idempotent seeding of what every installation needs: the organisation, FAB's permissions, roles and admin."""
from __future__ import annotations

from flask import current_app

from app.domain.organisation import COMMITTEES, ZONES
from app.extensions import db
from app.models import Committee, Zone
from app.access.roles import OWN_ACCOUNT_PERMISSIONS, ROLE_PERMISSIONS


def seed_organisation() -> dict[str, int]:
    """Add the 3 zones and 23 committees that are missing; never touch existing ones (the office may have moved a
    committee to another zone, or flagged it as a key area). Flushed; the caller commits (``seed``: unit_of_work)."""
    zones = {z.code: z for z in db.session.query(Zone)}
    added = {"zones": 0, "committees": 0}
    for seed in ZONES:
        if seed.code not in zones:
            zones[seed.code] = Zone(code=seed.code, name=seed.name)
            db.session.add(zones[seed.code])
            added["zones"] += 1
    existing = {c.name for c in db.session.query(Committee)}
    for seed in COMMITTEES:
        if seed.name not in existing:
            db.session.add(Committee(seq=seed.seq, name=seed.name, zone=zones[seed.zone_code], key_area=False))
            added["committees"] += 1
    db.session.flush()
    return added


def sync_permissions(appbuilder) -> None:
    """Create the permission/view pairs of every registered view (FAB_UPDATE_PERMS is off in serving processes)."""
    config = current_app.config
    # The admin role must exist first: FAB grants each new permission to it as the permission is created.
    appbuilder.sm.add_role(config["AUTH_ROLE_ADMIN"])
    appbuilder.sm.add_role(config["AUTH_ROLE_PUBLIC"])
    appbuilder.add_permissions(update_perms=True)


def sync_roles(appbuilder) -> dict[str, int]:
    """Create the roles of DOMAIN.md with the permissions of app/access/roles.py, and the menu entries those
    permissions lead to. Adds what is missing; permissions an admin granted by hand stay."""
    sm = appbuilder.sm
    from app.views import MENU_LINK_PERMISSIONS  # late: the menu's permissions live with the views; seeding runs once the app is built

    # (permission name, verb) → the menu entries (item, category) it opens.
    menu_for: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for category in appbuilder.menu.get_list():
        for item in category.childs or []:
            view = getattr(item, "baseview", None)
            if view is not None:
                menu_for.setdefault((view.class_permission_name, "read"), set()).add((item.name, category.name))
            elif item.name in MENU_LINK_PERMISSIONS:
                menu_for.setdefault(MENU_LINK_PERMISSIONS[item.name], set()).add((item.name, category.name))
    granted = {}
    for role_name, grants in ROLE_PERMISSIONS.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        count = 0
        for view_name, verbs in grants.items():
            for verb in verbs:
                pv = sm.find_permission_view_menu(f"can_{verb}", view_name)
                if pv is None:
                    continue
                sm.add_permission_role(role, pv)
                count += 1
            for verb in verbs:
                for item_name, category_name in menu_for.get((view_name, verb), ()):
                    for menu_name in (item_name, category_name):
                        pv = sm.find_permission_view_menu("menu_access", menu_name)
                        if pv is not None:
                            sm.add_permission_role(role, pv)
        for view_name, permission_names in OWN_ACCOUNT_PERMISSIONS.items():
            for permission_name in permission_names:
                pv = sm.find_permission_view_menu(permission_name, view_name)
                if pv is not None:
                    sm.add_permission_role(role, pv)
                    count += 1
        granted[role_name] = count
    return granted


def seed_admin(appbuilder, password: str):
    """Create user 'admin' with the admin role if no user has it yet. Returns (user, created)."""
    sm = appbuilder.sm
    role = sm.find_role(current_app.config["AUTH_ROLE_ADMIN"]) or sm.add_role(
        current_app.config["AUTH_ROLE_ADMIN"]
    )
    existing = sm.find_user(username="admin")
    if existing is not None:
        return existing, False
    user = sm.add_user("admin", "系统", "管理员", "admin@localhost", role, password=password)
    if not user:
        raise RuntimeError("could not create the admin user")
    user.password_shown_once = password
    return user, True
