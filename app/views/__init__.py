"""Registers every screen and its menu, grouped the way an office worker thinks: 组织机构, 房屋, 实有人口."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


# Menu links (add_link) have no view behind them; the seed grants a link to roles holding this permission.
MENU_LINK_PERMISSIONS = {
    "request_document": ("Document", "write"),
    "inspection_findings": ("SpotInspection", "read"),
    "report_change": ("ChangeCase", "report"),
    "overdue_cases": ("ChangeCase", "read"),
    "visitor_days": ("VisitorLog", "read"),
    "import_review": ("RegisterImport", "read"),
    "findings_overview": ("Finding", "read"),
}


def register_views(appbuilder) -> None:
    from app.organisation.views import BlockView, BuildingView, CommitteeView, HouseView, ZoneView
    from app.audit.views import AuditEventView
    from app.documents.views import DocumentView
    from app.population.lookup import HouseLookup, PersonLookup
    from app.population.views import PersonView, ResidenceView, VehicleView

    # A category's name is also its permission name, so it stays a plain string; the label is translated.
    organisation = {"category": "Organisation", "category_label": _l("Organisation")}
    houses = {"category": "Housing", "category_label": _l("Houses")}
    population = {"category": "Population", "category_label": _l("Population")}

    appbuilder.add_view(CommitteeView, "committees", label=_l("Residential committees"), icon="fa-sitemap",
                        **organisation, category_icon="fa-sitemap")
    appbuilder.add_view(ZoneView, "zones", label=_l("Zones"), icon="fa-map", **organisation)
    appbuilder.add_view(BlockView, "blocks", label=_l("Blocks"), icon="fa-th-large", **organisation)
    appbuilder.add_view(BuildingView, "buildings", label=_l("Buildings"), icon="fa-building", **organisation)

    appbuilder.add_view(HouseView, "houses", label=_l("Houses"), icon="fa-home", **houses,
                        category_icon="fa-home")

    appbuilder.add_view(PersonView, "persons", label=_l("Persons"), icon="fa-user", **population,
                        category_icon="fa-users")
    appbuilder.add_view(ResidenceView, "residences", label=_l("Residences"), icon="fa-address-card",
                        **population)
    appbuilder.add_view(VehicleView, "vehicles", label=_l("Vehicles"), icon="fa-car", **population)
    from app.importing.views import RegisterImportView  # issue 15: load the register from Excel

    appbuilder.add_view(RegisterImportView, "import_register", label=_l("Import the register"), icon="fa-file-excel",
                        **population)
    appbuilder.add_link("import_review", href="/imports/review", label=_l("Possible duplicates"),
                        icon="fa-user-friends", **population)

    appbuilder.add_view(AuditEventView, "audit", label=_l("Audit trail"), icon="fa-history",
                        category="Security", category_label=_l("Security"), category_icon="fa-cogs")

    documents = {"category": "Documents", "category_label": _l("Documents")}
    appbuilder.add_view(DocumentView, "documents", label=_l("Documents"), icon="fa-file-pdf", **documents,
                        category_icon="fa-file-pdf")
    appbuilder.add_link("request_document", href="/documents/request", label=_l("Request a document"),
                        icon="fa-plus", **documents)

    # The change flow (issue 5): reports, cases on the clock, AB roles, estates' visitor logs, notifications.
    from app.changes.views import (
        BlockLeaderView, CaseOverviewView, ChangeCaseView, CommitteeWorkersView, EstateView, TransferView,
        VisitorLogView,
    )
    from app.notifications.views import NotificationView

    changes = {"category": "Changes", "category_label": _l("Change flow")}
    appbuilder.add_view(ChangeCaseView, "change_cases", label=_l("Change cases"), icon="fa-exchange-alt",
                        **changes, category_icon="fa-exchange-alt")
    appbuilder.add_link("report_change", href="/changes/report", label=_l("Report a change"), icon="fa-plus",
                        **changes)
    appbuilder.add_link("overdue_cases", href="/changes/overdue", label=_l("Overdue cases"), icon="fa-clock",
                        **changes)
    appbuilder.add_view(TransferView, "transfers", label=_l("Transfer requests"), icon="fa-people-arrows",
                        **changes)
    appbuilder.add_view(CaseOverviewView, "change_overview", label=_l("Change flow overview"), icon="fa-chart-bar",
                        **changes)
    appbuilder.add_view(CommitteeWorkersView, "ab_workers", label=_l("A and B social workers"), icon="fa-user-friends",
                        **changes)
    appbuilder.add_view(BlockLeaderView, "block_leaders", label=_l("Block leaders"), icon="fa-user-tag",
                        **changes)
    appbuilder.add_view(EstateView, "estates", label=_l("Estates"), icon="fa-building", **changes)
    appbuilder.add_view(VisitorLogView, "visitor_log", label=_l("Visitor log"), icon="fa-id-badge", **changes)
    appbuilder.add_link("visitor_days", href="/visitors/days", label=_l("Visitor logs by estate"),
                        icon="fa-calendar", **changes)
    appbuilder.add_view(NotificationView, "notifications", label=_l("Notifications"), icon="fa-bell", **changes)

    # Door-to-door verification (issue 6): the phone sweep, records, coverage, roster, cross checks, the
    # workstation's queues (self-declarations, window cases) and the public self-declaration page.
    from app.verification.public import PublicDeclareView, limit_public_posts
    from app.verification.views import (
        CoverageView, CrossCheckView, RosterView, SweepView, VerificationRecordView, WindowView, WorkstationView,
    )

    verification = {"category": "Verification", "category_label": _l("Verification")}
    appbuilder.add_view(SweepView, "verification_sweep", label=_l("Door-to-door verification"), icon="fa-mobile-alt",
                        **verification, category_icon="fa-clipboard-check")
    appbuilder.add_view(VerificationRecordView, "verification_records", label=_l("Verification records"),
                        icon="fa-list", **verification)
    appbuilder.add_view(CoverageView, "verification_coverage", label=_l("Quota and coverage"), icon="fa-chart-pie",
                        **verification)
    appbuilder.add_view(RosterView, "verification_roster", label=_l("Duty roster"), icon="fa-calendar-alt",
                        **verification)
    appbuilder.add_view(CrossCheckView, "verification_cross", label=_l("Cross checks"), icon="fa-random",
                        **verification)
    appbuilder.add_view(WorkstationView, "verification_declarations", label=_l("Self-declarations"),
                        icon="fa-qrcode", **verification)
    appbuilder.add_view(WindowView, "verification_window", label=_l("Window cases"), icon="fa-id-card",
                        **verification)
    appbuilder.add_view_no_menu(PublicDeclareView)
    limit_public_posts(appbuilder)

    # The monthly close (issue 7): the table, ranking, submissions and approval, ladders, settings, talks.
    from app.monthly.api import MonthlyApi
    from app.monthly.views import (
        CrimeLateEntryView, MonthlyCloseView, RankingCommentView, RankingSettingsView, SpotInspectionView, TalkView,
    )

    monthly = {"category": "Monthly", "category_label": _l("Monthly close")}
    appbuilder.add_view(MonthlyCloseView, "monthly_close", label=_l("Monthly table and ranking"),
                        icon="fa-table", **monthly, category_icon="fa-trophy")
    appbuilder.add_view(TalkView, "talks", label=_l("Talks"), icon="fa-comments", **monthly)
    appbuilder.add_view(SpotInspectionView, "spot_inspections", label=_l("Spot inspections"), icon="fa-search",
                        **monthly)
    appbuilder.add_view(CrimeLateEntryView, "crime_late_entries", label=_l("Crime-related late entries"),
                        icon="fa-exclamation-triangle", **monthly)
    appbuilder.add_view(RankingCommentView, "ranking_comments", label=_l("Ranking comments"), icon="fa-comment",
                        **monthly)
    appbuilder.add_view(RankingSettingsView, "ranking_settings", label=_l("Ranking settings"), icon="fa-sliders-h",
                        **monthly)
    appbuilder.add_api(MonthlyApi)
    from app.monthly.year_views import YearEvaluationView

    appbuilder.add_view(YearEvaluationView, "year_evaluation", label=_l("Year's evaluation"), icon="fa-medal",
                        **monthly)

    # Crime-related leads and records (issue 16 item 3): police and office only.
    from app.crime.views import register as register_crime_views

    register_crime_views(appbuilder)

    # The analysis loop (issue 17): findings as tasks, their overview, the dashboard, sampled verification.
    from app.analysis.views import DashboardView, FindingsView, SampleView

    analysis = {"category": "Analysis", "category_label": _l("Analysis")}
    appbuilder.add_view(DashboardView, "dashboard", label=_l("Dashboard"), icon="fa-chart-line", **analysis,
                        category_icon="fa-chart-line")
    appbuilder.add_view(FindingsView, "findings", label=_l("Findings (active discovery)"), icon="fa-search-plus",
                        **analysis)
    appbuilder.add_link("findings_overview", href="/analysis/findings/overview", label=_l("Findings by committee"),
                        icon="fa-table", **analysis)
    appbuilder.add_view(SampleView, "samples", label=_l("Sampled verification"), icon="fa-percent", **analysis)

    # The rest of the plan (issue 16): spot inspections with a checklist, findings the committee puts right.
    from app.inspections.views import SpotInspectionPlanView

    appbuilder.add_view(SpotInspectionPlanView, "inspections", label=_l("Spot inspections (checklist)"),
                        icon="fa-clipboard-check", **monthly)
    appbuilder.add_link("inspection_findings", label=_l("Spot inspection findings"),
                        href="/inspections/findings", icon="fa-tasks", **monthly)
    from app.jointaction.views import JointActionView

    appbuilder.add_view(JointActionView, "joint_actions", label=_l("Special joint actions"), icon="fa-users",
                        **monthly)

    # Volunteers, trainings and meetings (issue 16 items 5 and 6, issue 17 item 3).
    from app.meetings.views import MeetingView, TrainingView
    from app.volunteers.views import VolunteerView

    people = {"category": "Volunteers", "category_label": _l("Volunteers and meetings")}
    appbuilder.add_view(VolunteerView, "volunteers", label=_l("Volunteers"), icon="fa-hands-helping", **people,
                        category_icon="fa-hands-helping")
    appbuilder.add_view(TrainingView, "trainings", label=_l("Trainings"), icon="fa-chalkboard-teacher", **people)
    appbuilder.add_view(MeetingView, "meetings", label=_l("Meetings"), icon="fa-handshake", **people)
    # The team's performance and the community police's year (issue 16 item 4).
    from app.performance.views import PoliceYearView, TeamPerformanceView

    appbuilder.add_view(TeamPerformanceView, "team_performance", label=_l("Team performance"),
                        icon="fa-star-half-alt", **monthly)
    appbuilder.add_view(PoliceYearView, "police_year", label=_l("Community police year record"),
                        icon="fa-user-shield", **monthly)

    appbuilder.add_view_no_menu(PersonLookup)
    appbuilder.add_view_no_menu(HouseLookup)

    # REST API (/api/v1/…): same permission names, verbs and committee scoping as the screens above.
    from app.organisation.api import BuildingApi, CommitteeApi, HouseApi
    from app.population.api import PersonApi, ResidenceApi

    for api in (CommitteeApi, BuildingApi, HouseApi, PersonApi, ResidenceApi):
        appbuilder.add_api(api)
