"""All tables of the portal. Import models from here: ``from app.models import Person``.

They share FAB's declarative ``Model`` base so that one MetaData holds both our tables and FAB's ``ab_*``
security tables; Alembic (migrations/) is pointed at that MetaData.
"""
from flask_appbuilder import Model

from app.audit.models import AuditEvent
from app.models.access import LoginLock, PortalUser
from app.models.organisation import Block, Building, Committee, House, Zone
from app.documents.models import Document
from app.models.population import Person, Residence, Vehicle
from app.changes.models import (  # noqa: E402 - the change flow (issue 5)
    BlockLeader, ChangeCase, CommitteeWorkers, Estate, Notification, Visitor, VisitorDay,
)
from app.verification.models import (  # noqa: E402 - verification (issue 6)
    CrossCheckAssignment, RosterShift, SelfDeclaration, VerificationHouseYear, VerificationPersonYear,
    VerificationRecord, WindowApplicant,
)
from app.monthly.models import (  # noqa: E402 - the monthly close (issue 7)
    CrimeLateEntry, MonthClose, MonthUnlock, RankingComment, RankingSetting, SpotInspection, Talk,
    VerificationLatest, ZoneSubmission,
)
from app.notifications.models import WebhookDelivery  # noqa: E402 - notifications (issue 13)
from app.models.jobs import JobRun  # noqa: E402 - last run of each scheduled job (issue 13)
from app.importing.models import ImportJob, ImportReview  # noqa: E402 - loading the register (issue 15)
from app.inspections.models import InspectionFinding  # noqa: E402,F401 - spot inspections (issue 16)
from app.jointaction.models import JointAction  # noqa: E402,F401 - 专项联勤联动 (issue 16)

metadata = Model.metadata

__all__ = [
    "AuditEvent", "Block", "LoginLock", "BlockLeader", "ChangeCase", "CommitteeWorkers", "Estate", "Notification",
    "Visitor", "VisitorDay", "Building", "Committee", "Document", "House", "Model", "Person", "PortalUser",
    "Residence", "Vehicle", "Zone", "metadata",
    "CrossCheckAssignment", "RosterShift", "SelfDeclaration", "VerificationHouseYear", "VerificationPersonYear",
    "VerificationRecord", "WindowApplicant",
    "CrimeLateEntry", "MonthClose", "MonthUnlock", "RankingComment", "RankingSetting", "SpotInspection", "Talk",
    "VerificationLatest", "ZoneSubmission", "WebhookDelivery", "JobRun", "ImportJob", "ImportReview",
]
