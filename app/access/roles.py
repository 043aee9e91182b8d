"""The roles of DOMAIN.md's table, their Chinese titles, their reach, and the permissions each is seeded with.

Permissions are FAB permission/view pairs. Screens and APIs of one kind of record share a permission name
(``class_permission_name``, e.g. "Person") and a small verb set — read, write, delete, export, and view_full_id on
persons — so a role reads as a sentence: a social worker reads and writes persons; a building leader reads houses.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ADMIN = "admin"
STREET_OFFICE = "street_office"
POLICE_STATION = "police_station"
ZONE_LEADER = "zone_leader"
TEAM_MEMBER = "team_member"
COMMUNITY_POLICE = "community_police"
COMMITTEE_DIRECTOR = "committee_director"
SOCIAL_WORKER = "social_worker"
BLOCK_LEADER = "block_leader"
BUILDING_LEADER = "building_leader"
PROPERTY_GUARD = "property_guard"

ROLE_LABELS = {
    ADMIN: _l("System administrator"),
    STREET_OFFICE: _l("Street population office"),
    POLICE_STATION: _l("Police station"),
    ZONE_LEADER: _l("Zone leader"),
    TEAM_MEMBER: _l("Coordination team member"),
    COMMUNITY_POLICE: _l("Community police"),
    COMMITTEE_DIRECTOR: _l("Committee director"),
    SOCIAL_WORKER: _l("Social worker"),
    BLOCK_LEADER: _l("Block leader"),
    BUILDING_LEADER: _l("Building leader"),
    PROPERTY_GUARD: _l("Property guard"),
}

# Reach: these see every committee; zone roles see their zone's committees; the others their own committees.
ALL_SEEING_ROLES = frozenset({ADMIN, STREET_OFFICE, POLICE_STATION})
ZONE_ROLES = frozenset({ZONE_LEADER, TEAM_MEMBER})

READ = "read"
WRITE = "write"
DELETE = "delete"
EXPORT = "export"
VIEW_FULL_ID = "view_full_id"

_ORGANISATION = ("Zone", "Committee", "Block", "Building")
_REGISTER = ("House", "Person", "Residence", "Vehicle")


def _grant(views, *verbs):
    return {view: set(verbs) for view in views}


def _merge(*grants):
    merged: dict[str, set[str]] = {}
    for grant in grants:
        for view, verbs in grant.items():
            merged.setdefault(view, set()).update(verbs)
    return merged


# What each role needs for its work and no more. Admin gets every permission (FAB grants it as they are made).
ROLE_PERMISSIONS: dict[str, dict[str, set[str]]] = {
    STREET_OFFICE: _merge(
        _grant(_ORGANISATION + _REGISTER, READ, EXPORT),
        _grant(("Zone", "Committee"), WRITE),  # the office moves committees between zones and flags key areas
        # and redraws committee boundaries: moves blocks, buildings and houses (app/organisation/moves.py)
        _grant(("Block", "Building", "House"), WRITE),
        _grant(("Person",), VIEW_FULL_ID),
        _grant(("AuditEvent",), READ),
    ),
    POLICE_STATION: _merge(_grant(_ORGANISATION + _REGISTER, READ, EXPORT), _grant(("Person",), VIEW_FULL_ID)),
    ZONE_LEADER: _merge(_grant(_ORGANISATION + _REGISTER, READ, EXPORT)),
    TEAM_MEMBER: _merge(_grant(("Committee", "Building") + _REGISTER, READ)),
    COMMUNITY_POLICE: _merge(_grant(_ORGANISATION + _REGISTER, READ, EXPORT), _grant(("Person",), VIEW_FULL_ID)),
    COMMITTEE_DIRECTOR: _merge(
        _grant(_ORGANISATION + _REGISTER, READ, EXPORT),
        _grant(("Block", "Building", "House"), WRITE),
    ),
    # Social workers type ID numbers in, but read them masked like everyone but the police and the office.
    SOCIAL_WORKER: _merge(
        _grant(_ORGANISATION + _REGISTER, READ, EXPORT),
        _grant(("Block", "Building") + _REGISTER, WRITE),
    ),
    BLOCK_LEADER: _merge(_grant(("Committee", "Block", "Building", "House", "Person", "Residence"), READ)),
    # A building leader reports changes (the change-flow screens); he reads his committee's houses, never edits
    # a person. A guard keeps the visitor log only: until that screen exists, the role grants nothing.
    BUILDING_LEADER: _merge(_grant(("Committee", "Building", "House"), READ)),
    PROPERTY_GUARD: {},
}


# Printable documents follow the scoping of their data: whoever reads a committee's records may print them.
for _role in (STREET_OFFICE, POLICE_STATION, ZONE_LEADER, COMMUNITY_POLICE, COMMITTEE_DIRECTOR, SOCIAL_WORKER,
              BLOCK_LEADER):
    ROLE_PERMISSIONS[_role].setdefault("Document", set()).update({READ, WRITE})


# The change flow (issue 5). "ChangeCase" verbs: read, report (file a change), collect (hand out / collect the
# form: block leaders), enter (enter / cancel in the city system, close: social workers), withdraw, export.
# Guards file change reports and keep the visitor log; they read no case, person or house list.
_CHANGES_READERS = _merge(_grant(("ChangeCase",), READ, EXPORT), _grant(("CaseOverview", "CommitteeWorkers",
                                                                          "VisitorLog", "Estate", "BlockLeader"),
                                                                         READ))
_CHANGE_GRANTS: dict[str, dict[str, set[str]]] = {
    STREET_OFFICE: _merge(_CHANGES_READERS, _grant(("CommitteeWorkers", "Estate", "BlockLeader"), WRITE)),
    POLICE_STATION: _CHANGES_READERS,
    ZONE_LEADER: _CHANGES_READERS,
    TEAM_MEMBER: _grant(("ChangeCase",), "report"),  # a verification that finds a change reports it
    COMMUNITY_POLICE: _CHANGES_READERS,
    COMMITTEE_DIRECTOR: _merge(_CHANGES_READERS, _grant(("ChangeCase",), "report"),
                               _grant(("CommitteeWorkers", "Estate", "BlockLeader"), WRITE)),
    SOCIAL_WORKER: _merge(_CHANGES_READERS, _grant(("ChangeCase",), "report", "enter", "withdraw")),
    BLOCK_LEADER: _grant(("ChangeCase",), READ, "report", "collect"),
    BUILDING_LEADER: _grant(("ChangeCase",), "report"),
    PROPERTY_GUARD: _merge(_grant(("VisitorLog",), READ, WRITE), _grant(("ChangeCase",), "report")),
}
for _role, _grants in _CHANGE_GRANTS.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], _grants, _grant(("Notification",), READ))


# Door-to-door verification (issue 6). "Verification" verbs: read (records, coverage, roster, the sweep pages),
# write (verify: mark persons, in scope or on an assigned cross check), plan (duty roster, cross-check
# assignments: zone leaders), process (the workstation: self-declarations, window lists: social workers).
_VERIFICATION_GRANTS: dict[str, set[str]] = {
    STREET_OFFICE: {READ},
    POLICE_STATION: {READ},
    ZONE_LEADER: {READ, "plan"},
    TEAM_MEMBER: {READ, WRITE},
    COMMUNITY_POLICE: {READ, WRITE},
    COMMITTEE_DIRECTOR: {READ},
    SOCIAL_WORKER: {READ, "process"},
}
for _role, _verbs in _VERIFICATION_GRANTS.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], {"Verification": set(_verbs)})


# The monthly close (issue 7). "MonthlyClose": read (the table, ranking, ladders: street-wide), write (a zone
# leader submits the month for the zone), approve (the office approves, freezes, unlocks). "RankingSettings":
# weights, spot inspections, crime-related late entries, comments. "Talk": the ladders' talks (committee staff
# read their own committee's).
_MONTHLY_GRANTS: dict[str, dict[str, set[str]]] = {
    STREET_OFFICE: _merge(_grant(("MonthlyClose",), READ, WRITE, "approve"),
                          _grant(("RankingSettings", "Talk"), READ, WRITE)),
    POLICE_STATION: _grant(("MonthlyClose", "Talk"), READ),
    ZONE_LEADER: _grant(("MonthlyClose",), READ, WRITE),
    COMMUNITY_POLICE: _grant(("Talk",), READ),
    COMMITTEE_DIRECTOR: _grant(("Talk",), READ),
    SOCIAL_WORKER: _grant(("Talk",), READ),
}
for _role, _grants in _MONTHLY_GRANTS.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], _grants)


# The analysis loop (issue 17). "Finding": read, write (handle: fixed / not a problem / escalated), run (run the
# rules now), export. "Dashboard": read (office, police, zones; a committee's director, social workers and police:
# their own committee), write (count its figures again now: the office). "Sample": read, write (draw: the office).
_ANALYSIS_GRANTS: dict[str, dict[str, set[str]]] = {
    STREET_OFFICE: _merge(_grant(("Finding",), READ, WRITE, "run"), _grant(("Dashboard",), READ, WRITE),
                          _grant(("Sample",), READ, WRITE)),
    POLICE_STATION: _merge(_grant(("Finding",), READ, WRITE), _grant(("Dashboard", "Sample"), READ)),
    ZONE_LEADER: _grant(("Finding", "Dashboard", "Sample"), READ),
    TEAM_MEMBER: _grant(("Sample",), READ),  # the teams verify the sampled persons
    COMMUNITY_POLICE: _merge(_grant(("Finding",), READ, WRITE), _grant(("Dashboard",), READ)),
    COMMITTEE_DIRECTOR: _grant(("Finding", "Dashboard"), READ),
    SOCIAL_WORKER: _merge(_grant(("Finding",), READ, WRITE), _grant(("Dashboard",), READ)),
}
for _role, _grants in _ANALYSIS_GRANTS.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], _grants)


# Transfers between committees (迁入/迁出, issue 10). "Transfer": read (the releasing committee's queue), decide
# (confirm or refuse it): the committee's social workers and director; the office for persons of no committee.
_TRANSFER_GRANTS: dict[str, dict[str, set[str]]] = {
    STREET_OFFICE: _grant(("Transfer",), READ, "decide"),
    COMMITTEE_DIRECTOR: _grant(("Transfer",), READ, "decide"),
    SOCIAL_WORKER: _grant(("Transfer",), READ, "decide"),
}
for _role, _grants in _TRANSFER_GRANTS.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], _grants)


# Every role reaches its own account: the profile (用户信息), editing one's name there, and the password change
# (修改密码, FAB's form with the password rule). Full FAB permission names: the profile's buttons are actions, whose
# permissions carry no "can_" prefix. Granted to every role by the seed (app/seeding.py).
OWN_ACCOUNT_PERMISSIONS: dict[str, set[str]] = {
    "PortalUserView": {"can_userinfo", "resetmypassword", "userinfoedit"},
    "ResetMyPasswordView": {"can_this_form_get", "can_this_form_post"},
    "UserInfoEditView": {"can_this_form_get", "can_this_form_post"},
}


# Loading the register from Excel (issue 15): those who write the register may import into their committees.
for _role in (STREET_OFFICE, COMMITTEE_DIRECTOR, SOCIAL_WORKER):
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], {"RegisterImport": {READ, WRITE}})


# Spot inspections (飞行检查, issue 16). "SpotInspection": read, write (record one: the office and the police
# station, also on behalf of the 市民巡访团), fix (put a finding right: the inspected committee's staff).
_INSPECTION_GRANTS: dict[str, set[str]] = {
    STREET_OFFICE: {READ, WRITE},
    POLICE_STATION: {READ, WRITE},
    ZONE_LEADER: {READ},
    TEAM_MEMBER: {READ},
    COMMUNITY_POLICE: {READ},
    COMMITTEE_DIRECTOR: {READ, "fix"},
    SOCIAL_WORKER: {READ, "fix"},
}
for _role, _verbs in _INSPECTION_GRANTS.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], {"SpotInspection": set(_verbs)})


# 专项联勤联动 (issue 16): "JointAction" read, escalate (the committee's 工作站 reports a refusing household: its
# director and social workers), act (apply to the 城运平台, the joint visit, closure: the police).
_JOINT_GRANTS: dict[str, set[str]] = {
    STREET_OFFICE: {READ},
    POLICE_STATION: {READ, "act"},
    ZONE_LEADER: {READ},
    COMMUNITY_POLICE: {READ, "act"},
    COMMITTEE_DIRECTOR: {READ, "escalate"},
    SOCIAL_WORKER: {READ, "escalate"},
}
for _role, _verbs in _JOINT_GRANTS.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], {"JointAction": set(_verbs)})


# Crime-related persons and leads (issue 16 item 3): the police and the office only; nobody else gets even a
# count. "CrimeRecord": read, write (report and verify leads, rewards, the accountability record's names).
for _role in (STREET_OFFICE, POLICE_STATION, COMMUNITY_POLICE):
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], {"CrimeRecord": {READ, WRITE}})


# The year's evaluation (年度评先, issue 12 item 7): it shows crime-related vetoes and criticisms, so only the
# office (reads, approves) and the police station (reads).
ROLE_PERMISSIONS[STREET_OFFICE] = _merge(ROLE_PERMISSIONS[STREET_OFFICE], {"YearEvaluation": {READ, "approve"}})
ROLE_PERMISSIONS[POLICE_STATION] = _merge(ROLE_PERMISSIONS[POLICE_STATION], {"YearEvaluation": {READ}})


# Volunteers (issue 16 item 5). "Volunteer": read (the register, points, visits), write (register, deactivate:
# the committee's director and social workers, the office), visit (plan and record the half-yearly 慰问), commend
# (choose the year's commendations and print the list: the office).
_VOLUNTEER_GRANTS: dict[str, set[str]] = {
    STREET_OFFICE: {READ, WRITE, "visit", "commend"},
    POLICE_STATION: {READ},
    ZONE_LEADER: {READ},
    COMMUNITY_POLICE: {READ},
    COMMITTEE_DIRECTOR: {READ, WRITE, "visit"},
    SOCIAL_WORKER: {READ, WRITE, "visit"},
    BLOCK_LEADER: {READ},
}
# Trainings and meetings (issue 16 item 6, issue 17 item 3). "Training": read, write (record a training of the
# zone, upload its materials: zone leaders and the office). "Meeting": read, write (record a meeting with its
# minutes and decisions), task (mark a task that follows a decision done).
_TRAINING_GRANTS: dict[str, set[str]] = {
    STREET_OFFICE: {READ, WRITE},
    POLICE_STATION: {READ},
    ZONE_LEADER: {READ, WRITE},
    TEAM_MEMBER: {READ},
    COMMUNITY_POLICE: {READ},
}
_MEETING_GRANTS: dict[str, set[str]] = {
    STREET_OFFICE: {READ, WRITE, "task"},
    POLICE_STATION: {READ, "task"},
    ZONE_LEADER: {READ, WRITE, "task"},
    TEAM_MEMBER: {"task"},
    COMMUNITY_POLICE: {READ, WRITE, "task"},
    COMMITTEE_DIRECTOR: {READ, WRITE, "task"},
    SOCIAL_WORKER: {READ, WRITE, "task"},
    BLOCK_LEADER: {"task"},
}
for _name, _table in (("Volunteer", _VOLUNTEER_GRANTS), ("Training", _TRAINING_GRANTS),
                      ("Meeting", _MEETING_GRANTS)):
    for _role, _verbs in _table.items():
        ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], {_name: set(_verbs)})

# The team's performance (绩效考核, issue 16 item 4). "TeamPerformance": read (whose scores: app.access.scoping.team_reach —
# the office and the police station all members, a zone leader his zone's, a team member his own), print (the
# office: the quarter's and the year's PDF list every member). "PoliceYear" (社区民警年度实绩 for 最佳社区民警): read
# (the office, the police station), write (the office's 酌情加分).
for _role, _verbs in {STREET_OFFICE: {READ, "print"}, POLICE_STATION: {READ}, ZONE_LEADER: {READ},
                      TEAM_MEMBER: {READ}}.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], {"TeamPerformance": set(_verbs)})
ROLE_PERMISSIONS[STREET_OFFICE] = _merge(ROLE_PERMISSIONS[STREET_OFFICE], {"PoliceYear": {READ, WRITE}})
ROLE_PERMISSIONS[POLICE_STATION] = _merge(ROLE_PERMISSIONS[POLICE_STATION], {"PoliceYear": {READ}})

def role_label(name: str) -> str:
    label = ROLE_LABELS.get(name)
    return str(label) if label is not None else name
