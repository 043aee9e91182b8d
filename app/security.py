"""The portal's security manager (FAB_SECURITY_MANAGER_CLASS)."""
from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager


class PortalSecurityManager(SecurityManager):
    # FAB's user-statistics chart loads Google's chart loader from the internet; the intranet has none.
    userstatschartview = None
