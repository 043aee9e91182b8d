"""The portal's security manager (FAB_SECURITY_MANAGER_CLASS): accounts with a zone or committees, roles shown by
their Chinese titles, password complexity on every path, rate-limited sign-in (HTML and API), account lock after
repeated failures (an admin unlocks), and sign-ins written to the audit trail."""
from __future__ import annotations


from flask import current_app, g, has_request_context
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.models import (
    Permission, PermissionView, Role, ViewMenu, assoc_permissionview_role,
)
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import (
    PermissionModelView, PermissionViewModelView, RoleModelView, UserDBModelView, UserGroupModelView,
    ViewMenuModelView,
)
from flask_appbuilder.validators import default_password_complexity
from flask_appbuilder.widgets import ListWidget
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from app.access.roles import role_label
from app.extensions import db
from app.models.access import PortalUser
from app.scoping import FilterInScope
from app.domain import clock

USER_AREA_COLUMNS = ["zone", "committees"]


def _roles_field():
    """The roles picker, labelled with the Chinese titles (the role names stay the stable codes)."""
    return QuerySelectMultipleField(
        _l("Role"), query_func=lambda: db.session.query(Role).order_by(Role.id), get_pk_func=lambda role: role.id,
        get_label=lambda role: role_label(role.name), widget=Select2ManyWidget(), validators=[DataRequired()],
    )


def _role_names(roles) -> str:
    return "、".join(role_label(r.name) for r in roles or [])


class PortalUserView(UserDBModelView):
    # Users have no file columns: FAB's /users/download/<filename> only read an unset UPLOAD_FOLDER (a 500).
    exclude_route_methods = {"download"}
    list_columns = ["first_name", "last_name", "username", "active", "roles", "zone", "committees", "locked_at"]
    add_columns = UserDBModelView.add_columns + USER_AREA_COLUMNS
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "groups"] + USER_AREA_COLUMNS
    show_fieldsets = UserDBModelView.show_fieldsets + [
        (_l("Area"), {"fields": USER_AREA_COLUMNS + ["locked_at"], "expanded": True}),
    ]
    label_columns = {
        **UserDBModelView.label_columns,
        "zone": _l("Zone"),
        "committees": _l("Residential committees"),
        "locked_at": _l("Locked at"),
    }
    description_columns = {
        **UserDBModelView.description_columns,
        "zone": _l("For zone leaders and team members: they see every committee of this zone."),
        "committees": _l("For staff of residential committees: they see only these committees."),
        "active": _l("An account locked after repeated failed sign-ins is unlocked by making it active again."),
    }
    formatters_columns = {"roles": _role_names}
    add_form_extra_fields = {**UserDBModelView.add_form_extra_fields, "roles": _roles_field()}
    edit_form_extra_fields = {"roles": _roles_field()}
    # The user form's committee and zone pickers list only what the admin may see (all, for an admin).
    add_form_query_rel_fields = edit_form_query_rel_fields = {"committees": [["id", FilterInScope, None]]}

    def pre_update(self, item):
        super().pre_update(item)
        if item.active and item.locked_at is not None:
            item.locked_at = None
            item.fail_login_count = 0


class PortalRoleView(RoleModelView):
    # FAB's RoleListWidget ignores formatters; the plain list shows each role by its Chinese title.
    list_widget = ListWidget
    list_columns = ["name"]
    exclude_route_methods = {"download"}  # see _without_download
    formatters_columns = {"name": role_label}


def _without_download(view):
    # No security model has a file column: FAB's /<view>/download/<filename> only read an unset UPLOAD_FOLDER (a 500).
    return type(view.__name__, (view,), {"exclude_route_methods": {"download"}})


class PortalSecurityApi(SecurityApi):
    """The JWT login of the REST API, rate limited like the HTML login (FAB leaves it unlimited)."""


class PortalSecurityManager(SecurityManager):
    user_model = PortalUser
    userdbmodelview = PortalUserView
    rolemodelview = PortalRoleView
    groupmodelview = _without_download(UserGroupModelView)
    permissionmodelview = _without_download(PermissionModelView)
    viewmenumodelview = _without_download(ViewMenuModelView)
    permissionviewmodelview = _without_download(PermissionViewModelView)
    security_api = PortalSecurityApi
    # FAB's user-statistics chart loads Google's chart loader from the internet; the intranet has none.
    userstatschartview = None

    def register_views(self):
        super().register_views()
        if self.is_auth_limited:
            for view in self.appbuilder.baseviews:
                if isinstance(view, SecurityApi):
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)

    def _has_view_access(self, user, permission_name, view_name):
        """One query per request for the user's whole permission set, instead of one per menu item and button
        (a list page asked ~50 times: 63 queries per request, half of its time)."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        cached = g.get("_portal_permissions")
        if cached is None or cached[0] != user.id:
            cached = (user.id, self._permission_names(user))
            g._portal_permissions = cached
        return (permission_name, view_name) in cached[1]

    def _permission_names(self, user) -> frozenset:
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles for role in roles):
            return frozenset(self.get_user_permissions(user))
        # Names only: loading a few hundred PermissionView objects per request would cost more than the query.
        rows = (
            self.session.query(Permission.name, ViewMenu.name)
            .select_from(PermissionView)
            .join(Permission, PermissionView.permission_id == Permission.id)
            .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
            .join(assoc_permissionview_role, assoc_permissionview_role.c.permission_view_id == PermissionView.id)
            .filter(assoc_permissionview_role.c.role_id.in_([role.id for role in roles]))
            .all()
        )
        return frozenset((permission, view) for permission, view in rows)

    def add_user(self, username, first_name, last_name, email, role, password="", hashed_password="",
                 groups=None):
        """Every account, from the form, the CLI or a seed, obeys the password rule."""
        if password and current_app.config.get("FAB_PASSWORD_COMPLEXITY_ENABLED"):
            default_password_complexity(password)
        return super().add_user(username, first_name, last_name, email, role, password=password,
                                hashed_password=hashed_password, groups=groups)

    def update_user_auth_stat(self, user, success=True):
        if not success:
            limit = current_app.config.get("LOGIN_MAX_FAILURES", 5)
            if (user.fail_login_count or 0) + 1 >= limit and user.locked_at is None:
                user.locked_at = clock.utcnow()
                user.active = False
        super().update_user_auth_stat(user, success)

    def auth_user_db(self, username, password):
        from app.audit import record_login

        user = super().auth_user_db(username, password)
        record_login(str(username or ""), user is not None, user.id if user is not None else None)
        return user
