"""The quarterly review pack (每季度最后一周, issue 17): one committee's quarter on paper for its meeting with the
building leaders — checks and accuracy per month, changes and their on-time share, findings opened and closed,
cases overdue now, the year's coverage, cross-check gaps, the latest sample — and a blank record of the meeting
(who came, what was decided, tasks that follow). A document kind of the documents pipeline (PDF)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.analysis import messages, service
from app.analysis.models import Finding, SampleDraw
from app.changes.models import ChangeCase
from app.changes.service import is_overdue_now, overdue_counts
from app.domain import analysis as A, case_flow
from app.domain.clock import local_today
from app.meetings.service import review_meeting_for
from app.models import Committee
from app.monthly.table import counts_fast
from app.settings import current_rules
from app.verification.service.cross_checks import cross_check_summary
from app.verification.service.queries import coverage


def quarter_of(document):
    params = document.params
    today = local_today(current_rules())
    year = int(params.get("year", today.year))
    quarter = int(params.get("quarter", (today.month - 1) // 3 + 1))  # the running quarter: reviewed in its last week
    if not 1 <= quarter <= 4:
        raise ValueError("quarter must be 1 to 4")
    return year, quarter


def review_title(committee) -> str:
    return _("Quarterly review pack") + (f" {committee.name}" if committee is not None else "")


def review_context(document) -> dict:
    from sqlalchemy import func, select

    committee = db.session.get(Committee, document.committee_id) if document.committee_id else None
    ids = [committee.id] if committee else [c.id for c in db.session.query(Committee).order_by(Committee.seq)]
    year, quarter = quarter_of(document)
    months = [3 * (quarter - 1) + i for i in (1, 2, 3)]
    rows = []
    for m in months:
        changes = overdue_counts(year, m)
        findings = service.monthly_counts(year, m, ids)
        table = counts_fast(db.session.connection(), year, m)
        checked = sum(table[i].total for i in ids if i in table)
        correct = sum(table[i].correct for i in ids if i in table)
        row = {"month": m, "checked": checked, "correct": correct,
               "accuracy": f"{correct / checked * 100:.1f}%" if checked else "",
               "changes": sum(changes.get(i, {}).get("total", 0) for i in ids),
               "on_time": sum(changes.get(i, {}).get("on_time", 0) for i in ids)}
        for key in ("opened", A.FIXED, A.DISMISSED, A.GONE, A.ESCALATED):
            row[key] = sum(findings.get(i, {}).get(key, 0) for i in ids)
        rows.append(row)
    open_cases = db.session.query(ChangeCase).filter(ChangeCase.committee_id.in_(ids),
                                                    ChangeCase.stage.in_(case_flow.OPEN_STAGES)).all()
    overdue = [c for c in open_cases if is_overdue_now(c)]
    live = dict(db.session.execute(
        select(Finding.rule, func.count()).where(Finding.committee_id.in_(ids), Finding.status.in_(A.LIVE))
        .group_by(Finding.rule)).all())
    cov = coverage(year, ids)
    cross = [r for r in cross_check_summary(year, ids) if r["cross"]["total"]]
    draw = db.session.query(SampleDraw).filter(SampleDraw.committee_id.in_(ids)).order_by(SampleDraw.id.desc()).first()

    return {
        # The review meeting, once recorded (app/meetings), is printed in section 六; until then a blank to fill.
        "meeting": review_meeting_for(committee.id if committee else None, year, quarter),
        "committee": committee.name if committee else "全街道", "year": year, "quarter": quarter, "rows": rows,
        "overdue_cases": overdue[:50], "overdue_total": len(overdue),
        "live": [(str(messages.RULE_LABELS[r.code]), live.get(r.code, 0)) for r in A.GAP_RULES],
        "coverage": cov, "cross": cross, "sample": service.sample_accuracy(draw) if draw else None,
    }


def init_app(app) -> None:
    from app.documents.registry import DocumentKind, register_kind

    register_kind(DocumentKind(key="quarterly_review", label=_l("Quarterly review pack"),
                               template="quarterly_review.html", title=review_title, context=review_context,
                               permission=("read", "Finding"), period="quarter"))
