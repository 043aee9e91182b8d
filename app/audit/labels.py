"""The audit trail in Chinese (issue 14 item 6): its stored codes (actions, record types, sources, the actors that
are not users) are kept as written, and shown through these labels. A code without a label is shown as stored."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "create": _l("Record created"),
    "update": _l("Record changed"),
    "delete": _l("Record deleted"),
    "export": _l("Exported to Excel"),
    "login_success": _l("Signed in"),
    "login_failure": _l("Failed sign-in"),
    "lift_login_lock": _l("Sign-in lock lifted"),
    "read_full_id": _l("Read full ID numbers"),
    "reveal_full_id": _l("Full ID number shown"),
    "import_register": _l("Register imported"),
    "declaration_forwarded": _l("Self-declaration forwarded"),
    "verification_mark_undone": _l("Verification mark undone"),
    "ranking_settings": _l("Ranking settings changed"),
    "month_submit": _l("Month submitted"),
    "month_approve": _l("Month approved"),
    "month_reapprove": _l("Month approved again"),
    "month_unlock": _l("Month unlocked"),
    "police_bonus": _l("Discretionary points added"),
    "case_person": _l("Person entered on a change case"),
}

MODEL_LABELS = {
    "Zone": _l("Zone"), "Committee": _l("Residential committee"), "Block": _l("Block"),
    "Building": _l("Building"), "House": _l("House"), "Person": _l("Person"), "Residence": _l("Residence"),
    "Vehicle": _l("Vehicle"), "User": _l("User account"), "PortalUser": _l("User account"),
    "LoginLock": _l("Sign-in lock"), "AuditEvent": _l("Audit trail"), "ChangeCase": _l("Change case"),
    "TransferRequest": _l("Transfer"), "Estate": _l("Estate"), "BlockLeader": _l("Block leader"),
    "CommitteeWorkers": _l("A/B roles"), "Visitor": _l("Visitor"), "VerificationRecord": _l("Verification record"),
    "SelfDeclaration": _l("Self-declaration"), "WindowApplicant": _l("Window applicant"),
    "RosterShift": _l("Duty roster"), "CrossCheckAssignment": _l("Cross check"), "ImportJob": _l("Register import"),
    "ImportReview": _l("Import review"), "MonthClose": _l("Monthly close"), "ZoneSubmission": _l("Zone submission"),
    "MonthUnlock": _l("Month unlock"), "RankingSetting": _l("Ranking settings"), "Talk": _l("Talk"),
    "SpotInspection": _l("Spot inspection"), "CrimeLateEntry": _l("Crime-related late entry"),
    "RankingComment": _l("Ranking comment"), "PoliceBonus": _l("Discretionary points"),
    "Document": _l("Document"), "Finding": _l("Finding"), "JointAction": _l("Joint action"),
    "CrimeLead": _l("Crime lead"), "Volunteer": _l("Volunteer"), "Training": _l("Training"),
    "Meeting": _l("Meeting"), "Notification": _l("Notification"),
    "Dashboard": _l("Analysis dashboard"),
    "PoliceYear": _l("Community police year"),
    "Register": _l("Population register"),
    "TeamPerformance": _l("Team performance"),
    "CrimeAccountability": _l("Accountability"),
    "CrimeCriticism": _l("Criticism notice"),
    "CrimeReward": _l("Lead reward"),
    "InspectionFinding": _l("Inspection finding"),
    "VolunteerVisit": _l("Volunteer visit"),
    "VolunteerCommendation": _l("Volunteer commendation"),
    "TrainingAttendee": _l("Training attendee"),
    "TrainingMaterial": _l("Training material"),
    "MeetingDecision": _l("Meeting decision"),
    "YearClose": _l("Year evaluation"),
    "SampleDraw": _l("Verification sample"),
    "SampleItem": _l("Sampled person"),
    "BulletinNote": _l("Bulletin note"),
    "ChangeCasePerson": _l("Person on a change case"),
    "VisitorDay": _l("Visitor log day"),
    "Role": _l("Role"),
}

SOURCE_LABELS = {"web": _l("Web page"), "api": _l("API"), "cli": _l("Command line"), "system": _l("System"),
                 "task": _l("Background task")}

ACTOR_LABELS = {"anonymous": _l("Not signed in"), "system": _l("System")}


def _label(table, value):
    if value is None:
        return ""
    label = table.get(value)
    return str(label) if label is not None else value


def action_label(value) -> str:
    return _label(ACTION_LABELS, value)


def model_label(value) -> str:
    return _label(MODEL_LABELS, value)


def source_label(value) -> str:
    return _label(SOURCE_LABELS, value)


def actor_label(value) -> str:
    return _label(ACTOR_LABELS, value)
