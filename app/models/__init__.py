"""The core tables of the portal: ``from app.models import Person``.

Only the core (organisation, population, accounts, audit) is exported here; a feature's models are imported from
the feature (``from app.changes.models import ChangeCase``), so that importing a core model never imports a feature
(which would import the core back: the old import cycle). ``app.models.registry.import_all()`` imports every
feature's models for whoever needs the whole metadata (migrations, tests, benches).

They share FAB's declarative ``Model`` base so that one MetaData holds both our tables and FAB's ``ab_*``
security tables; Alembic (migrations/) is pointed at that MetaData.
"""
from flask_appbuilder import Model

from app.audit.models import AuditEvent
from app.models.access import LoginLock, PortalUser
from app.models.organisation import Block, Building, Committee, House, Zone
from app.models.population import Person, Residence, Vehicle

metadata = Model.metadata

__all__ = [
    "AuditEvent", "Block", "Building", "Committee", "House", "LoginLock", "Model", "Person", "PortalUser",
    "Residence", "Vehicle", "Zone", "metadata",
]
