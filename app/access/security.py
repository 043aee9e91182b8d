"""The portal's security manager (FAB_SECURITY_MANAGER_CLASS): accounts with a zone or committees, roles shown by
their Chinese titles, password complexity on every path, rate-limited sign-in (HTML and API), temporary locks
with a growing delay after repeated failures (app/access/login_throttle.py; admins see and lift them under 安全),
logout by POST only, every role's own profile and password, and sign-ins written to the audit trail."""
from __future__ import annotations


from flask import current_app, flash, g, has_request_context, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.models import (
    Group, Permission, PermissionView, Role, ViewMenu, assoc_permissionview_role,
)
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import (
    AuthDBView, PermissionModelView, PermissionViewModelView, RoleModelView, UserDBModelView, UserGroupModelView,
    ViewMenuModelView,
)
from flask_appbuilder.validators import default_password_complexity
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.validators import DataRequired

from app.access.roles import role_label
from app.extensions import db
from app.models.access import PortalUser
from app.access.scoping import FilterInScope
from app.unit_of_work import unit_of_work
from app.views import menu
from app.views.transaction import committing
from app.domain import clock
from app.access import login_throttle
from app.audit import record, record_login

USER_AREA_COLUMNS = ["zone", "committees"]


def _roles_field():
    """The roles picker, labelled with the Chinese titles (the role names stay the stable codes)."""
    return QuerySelectMultipleField(
        _l("Role"), query_func=lambda: db.session.query(Role).order_by(Role.id), get_pk_func=lambda role: role.id,
        get_label=lambda role: role_label(role.name), widget=Select2ManyWidget(), validators=[DataRequired()],
    )


def _role_labels(roles) -> str:
    return "、".join(role_label(r.name) for r in roles or [])


class PortalUserView(UserDBModelView):
    # Users have no file columns: FAB's /users/download/<filename> only read an unset UPLOAD_FOLDER (a 500).
    exclude_route_methods = {"download"}
    list_columns = ["first_name", "last_name", "username", "active", "roles", "zone", "committees"]
    add_columns = UserDBModelView.add_columns + USER_AREA_COLUMNS
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "groups"] + USER_AREA_COLUMNS
    show_fieldsets = UserDBModelView.show_fieldsets + [
        (_l("Area"), {"fields": USER_AREA_COLUMNS, "expanded": True}),
    ]
    label_columns = {
        **UserDBModelView.label_columns,
        "zone": _l("Zone"),
        "committees": _l("Residential committees"),
    }
    description_columns = {
        **UserDBModelView.description_columns,
        "zone": _l("For zone leaders and team members: they see every committee of this zone."),
        "committees": _l("For staff of residential committees: they see only these committees."),
    }
    formatters_columns = {"roles": _role_labels}
    add_form_extra_fields = {**UserDBModelView.add_form_extra_fields, "roles": _roles_field()}
    edit_form_extra_fields = {"roles": _roles_field()}
    # The user form's committee and zone pickers list only what the admin may see (all, for an admin).
    add_form_query_rel_fields = edit_form_query_rel_fields = {"committees": [["id", FilterInScope, None]]}


class PortalRoleView(RoleModelView):
    # FAB's RoleListWidget ignores formatters; the plain list shows each role by its Chinese title.
    list_widget = ListWidget
    list_columns = ["name"]
    exclude_route_methods = {"download"}  # see _without_download
    formatters_columns = {"name": role_label}


def _client_address() -> str:
    # request.remote_addr is the peer, or what TRUSTED_PROXY_HOPS proxies vouched for (ProxyFix in create_app).
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def _refusal_message(refusal) -> str:
    return _("Too many failed sign-in attempts: signing in is paused for this account or address. Please try "
             "again in %(minutes)d minutes, or ask an administrator to lift the lock.",
             minutes=refusal.minutes_left(clock.utcnow()))


class PortalAuthDBView(AuthDBView):
    """FAB's sign-in page; a lock's reason and the owner's notice of failed attempts are shown here. Logout is a
    POST with a CSRF token (the navbar's small form): a GET /logout/ from any page or image must not sign out."""

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        response = super().login()
        refusal = g.pop("_login_refusal", None)
        if refusal is not None:
            flash(_refusal_message(refusal), "danger")
        notice = g.pop("_login_notice", None)
        if notice is not None:
            when = clock.aware(notice.last_at).strftime("%Y-%m-%d %H:%M") if notice.last_at else ""
            flash(_("There were %(count)d failed sign-in attempts since your last sign-in (the latest at %(when)s "
                    "from %(address)s). If this was not you, change your password.",
                    count=notice.failures, when=when, address=notice.last_address or "-"), "warning")
        return response

    @expose("/logout/", methods=["POST"])
    def logout(self):
        return super().logout()


class LoginLockView(BaseView):
    """安全 › 登录锁定: the sign-in locks in force, and lifting one (audited)."""

    route_base = "/security/locks"
    default_view = "index"
    class_permission_name = "LoginLock"
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"index": "read", "lift": "write"}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("security/locks.html", locks=login_throttle.active_locks(),
                                    local=lambda moment: clock.aware(moment).strftime("%Y-%m-%d %H:%M"),
                                    title=_("Sign-in locks"))

    @expose("/<int:pk>/lift", methods=["POST"])
    @has_access
    def lift(self, pk):
        with committing() as outcome:
            row = login_throttle.lift(pk)
            if row is not None:
                record("lift_login_lock", model="LoginLock", record_id=row.id,
                       detail=f"{row.kind} {row.key}"[:500], commit=False)
        if outcome.ok and row is None:
            flash(_("This lock no longer exists."), "warning")
        elif outcome.ok:
            flash(_("The lock is lifted."), "success")
        return redirect(url_for("LoginLockView.index"))


def _without_download(view):
    # No security model has a file column: FAB's /<view>/download/<filename> only read an unset UPLOAD_FOLDER (a 500).
    return type(view.__name__, (view,), {"exclude_route_methods": {"download"}})


class PortalSecurityApi(SecurityApi):
    """The JWT login of the REST API, rate limited like the HTML login (FAB leaves it unlimited); a locked account
    or address gets 429 with the reason instead of a bare 401."""

    @expose("/login", methods=["POST"])
    def login(self):
        response = super().login()
        refusal = g.pop("_login_refusal", None)
        if refusal is not None and response.status_code == 401:
            return self.response(429, message=_refusal_message(refusal))
        return response


def _token_refused(*_details):
    """The REST API's one answer to a request without a usable token (none, forged, malformed or expired): 401, so a
    client knows to sign in again. flask-jwt-extended answered a forged or malformed token 422, in English."""
    return jsonify(message=_("Sign in again: the request carries no valid token.")), 401


class PortalSecurityManager(SecurityManager):
    user_model = PortalUser
    userdbmodelview = PortalUserView
    rolemodelview = PortalRoleView
    groupmodelview = _without_download(UserGroupModelView)
    permissionmodelview = _without_download(PermissionModelView)
    viewmenumodelview = _without_download(ViewMenuModelView)
    permissionviewmodelview = _without_download(PermissionViewModelView)
    security_api = PortalSecurityApi
    authdbview = PortalAuthDBView
    # FAB's user-statistics chart loads Google's chart loader from the internet; the intranet has none.
    userstatschartview = None

    def create_jwt_manager(self, app):
        manager = super().create_jwt_manager(app)
        for loader in (manager.unauthorized_loader, manager.invalid_token_loader, manager.expired_token_loader):
            loader(_token_refused)
        return manager

    def register_views(self):
        super().register_views()
        self.appbuilder.add_view(LoginLockView, "login_locks", label=_l("Sign-in locks"), icon="fa-lock",
                                 category="Security")
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

    def get_user_by_id(self, pk):
        """The signed-in user in one statement with everything each request reads: roles (and groups' roles),
        committees and zone. FAB's session.get loaded them one lazy query each (four statements per request)."""
        user = self.user_model
        query = (select(user).where(user.id == pk)
                 .options(joinedload(user.roles), joinedload(user.groups).joinedload(Group.roles),
                          joinedload(user.committees), joinedload(user.zone)))
        return self.session.scalars(query).unique().one_or_none()

    def _permission_names(self, user) -> frozenset:
        """The user's (permission, view) names: the same for everyone with the same roles, so read once per role
        set and kept (app/views/menu.py drops them when roles or permissions change)."""
        roles = self.get_user_roles(user)
        return menu.permission_names(roles, lambda: self._load_permission_names(user, roles))

    def _load_permission_names(self, user, roles) -> frozenset:
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

    def auth_user_db(self, username, password):
        """FAB's check, behind the temporary locks: a locked name or address is refused without looking at the
        password; a failure counts for both; a success forgets the name's failures. HTML and API login both
        come here."""

        address = _client_address()
        # One unit of work: FAB's login view and the JWT login commit nothing of ours, and a refused or failed
        # sign-in must still count (the lock counters) and be audited.
        with unit_of_work():
            refusal = login_throttle.current_lock(username, address)
            if refusal is not None:
                login_throttle.note_refused(username, address)
                record_login(str(username or ""), False, None)
                g._login_refusal = refusal
                return None
            user = super().auth_user_db(username, password)
            if user is None:
                if username:
                    login_throttle.note_failure(username, address)
            else:
                # Only the HTML page can show the notice; an API sign-in leaves it for the next one there.
                notice = login_throttle.note_success(
                    username, tell_owner=has_request_context() and not request.path.startswith("/api/"))
                if notice is not None:
                    g._login_notice = notice
            record_login(str(username or ""), user is not None, user.id if user is not None else None)
        return user
