"""Contexts of the monthly close's printed documents (reports/*.html), registered as document kinds by init_app.

Parameters travel in the document's params: {"month": "YYYY-MM"} for the table, the ranking bulletin and the
party report; {"year": Y, "quarter": Q} for the quarterly bulletin; {"talk_id": n} for a talk notice. Approved
months print their snapshot, so a bulletin reprinted later says what was approved.
"""
from __future__ import annotations


from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.documents.registry import SCOPE_STREET, DocumentKind, register_kind
from app.extensions import db
from app.monthly import excel, service, year as year_service
from app.domain.months import previous_month
from app.domain.periods import MONTH, QUARTER
from app.monthly.table import parse_month
from app.domain import clock
from app.settings import current_rules
from app.monthly.models import Talk

ISSUER = "上钢新村街道社区平安办（街道人口办）"
# Police talks and criticisms are the police station's, issued with the 平安办 (the plan's 奖惩措施).
POLICE_ISSUER = "上钢新村派出所\n上钢新村街道社区平安办"
# The plan the notices cite, by its own title.
PLAN_TITLE = "上钢新村街道关于进一步加强人口服务和管理工作的实施方案"
TARGET_LABELS = {"committee": "居民区", "police": "社区民警", "member": "综合协管队员"}


def _month(document) -> tuple[int, int]:
    """The month asked for; by default (the generic request form sends no parameters) last month."""
    if not document.params.get("month"):
        today = service.local_today()
        return previous_month(today.year, today.month)
    return parse_month(str(document.params["month"]))


def monthly_table_title(committee) -> str:
    return _("Monthly verification table")


def monthly_table_context(document) -> dict:
    year, month = _month(document)
    data = service.month_data(year, month)
    decimals = data["rules"].get("accuracy_decimals", 1)
    quota = excel.quota_of(data["rules"])
    rows = excel.table_rows(data["table"], decimals)
    return {"title": excel.title(year, month), "h": excel.headers(quota), "rows": rows[:-1], "totals": rows[-1],
            "total_label": excel.TOTAL_LABEL, "approved": data["approved"], "date": clock.local_today(current_rules()),
            "issuer": ISSUER}


def ranking_bulletin_title(committee) -> str:
    return _("Monthly ranking bulletin")


def ranking_bulletin_context(document) -> dict:
    year, month = _month(document)
    data = service.month_data(year, month)
    talks = service.month_talks(year, month)
    ranking = data["ranking"]
    return {"year": year, "month": month, "ranking": ranking, "members": data.get("members", []),
            "rules": data["rules"], "approved": data["approved"], "talks": talks, "target_labels": TARGET_LABELS,
            "under_quota": data.get("under_quota", []), "totals": data["table"]["totals"],
            "totals_accuracy": excel.accuracy_text(data["table"]["totals"]),
            "first": ranking[0] if ranking else None, "last": ranking[-1] if ranking else None,
            # Committees tied for last share the place: the bulletin names them all.
            "lasts": [r for r in ranking if r["rank"] == ranking[-1]["rank"]] if ranking else [],
            "focus": service.bulletin_note(year, "month", month),
            "date": clock.local_today(current_rules()), "issuer": ISSUER}


def quarterly_bulletin_title(committee) -> str:
    return _("Quarterly bulletin")


def quarterly_bulletin_context(document) -> dict:
    if "year" in document.params:
        year, quarter = int(document.params["year"]), int(document.params["quarter"])
    else:  # the last finished quarter
        today = service.local_today()
        year, quarter = (today.year, (today.month - 1) // 3) if today.month > 3 else (today.year - 1, 4)
    if not 1 <= quarter <= 4:
        raise ValueError("quarter must be 1 to 4")
    months = [3 * (quarter - 1) + i for i in (1, 2, 3)]
    per_month = [(m, service.month_data(year, m)) for m in months]
    committees = service.committees()
    rows = []
    for c in committees:
        entry = {"seq": c.seq, "committee": c.name, "ranks": [], "checked": 0, "correct": 0, "points": 0.0,
                 "talks": 0}
        for _m, data in per_month:
            item = next(r for r in data["ranking"] if r["seq"] == c.seq)
            entry["ranks"].append(item["rank"])
            entry["checked"] += item["checked"]
            entry["correct"] += item["correct"]
            entry["points"] += item["points"]["total"]
        entry["average"] = round(entry["points"] / 3, 2)
        entry["accuracy_text"] = excel.accuracy_text({"correct": entry["correct"], "total": entry["checked"]})
        rows.append(entry)

    talks = db.session.query(Talk).filter(Talk.year == year, Talk.month.in_(months)).order_by(Talk.month,
                                                                                              Talk.id).all()
    for talk in talks:
        for entry in rows:
            if talk.committee and talk.target == "committee" and entry["committee"] == talk.committee.name:
                entry["talks"] += 1
    rows.sort(key=lambda e: (-e["average"], e["seq"]))
    return {"year": year, "quarter": quarter, "months": months, "rows": rows, "talks": talks,
            "approved": all(d["approved"] for _m, d in per_month), "target_labels": TARGET_LABELS,
            "arrangements": service.bulletin_note(year, "quarter", quarter),
            "date": clock.local_today(current_rules()), "issuer": ISSUER}


def party_report_title(committee) -> str:
    return _("Monthly report to the community party committee")


def party_report_context(document) -> dict:
    context = ranking_bulletin_context(document)
    year, month = context["year"], context["month"]
    context["submissions"] = service.submissions(year, month)
    context["cross"] = service.cross_check_counts(year, month)
    return context


def talk_notice_title(committee) -> str:
    return _("Talk notice")


def talk_notice_context(document) -> dict:
    talk = db.session.get(Talk, int(document.params["talk_id"]))
    if talk is None or talk.committee_id != document.committee_id:
        raise ValueError("talk not found for this document")
    return {"talk": talk, "committee": talk.committee.name if talk.committee else "",
            "target_label": TARGET_LABELS.get(talk.target, ""), "date": clock.local_today(current_rules()),
            "issuer": POLICE_ISSUER if talk.target == "police" else ISSUER, "plan_title": PLAN_TITLE}


def year_evaluation_title(committee) -> str:
    return _("Year's evaluation")


def year_evaluation_context(document) -> dict:
    year = int(document.params.get("year") or service.local_today().year - 1)
    data = year_service.year_data(year)
    return {"year": year, "data": data, "months": [int(m) for m in data["months"]],
            "date": clock.local_today(current_rules()), "issuer": ISSUER}


def init_app(app) -> None:
    """The monthly close's documents: street-wide, for whoever may open /monthly/ (its drafts included, as the
    screen shows them); a talk notice belongs to the talk's committee and is requested from the talk."""
    for key, label, title, context in (
        ("monthly_table", _l("Monthly verification table"), monthly_table_title, monthly_table_context),
        ("ranking_bulletin", _l("Monthly ranking bulletin"), ranking_bulletin_title, ranking_bulletin_context),
        ("quarterly_bulletin", _l("Quarterly bulletin"), quarterly_bulletin_title, quarterly_bulletin_context),
        ("party_report", _l("Monthly report to the community party committee"), party_report_title,
         party_report_context),
    ):
        register_kind(DocumentKind(key=key, label=label, template=f"{key}.html", title=title, context=context,
                                   permission=("read", "MonthlyClose"), scope=SCOPE_STREET,
                                   period=QUARTER if key == "quarterly_bulletin" else MONTH))
    # The year's evaluation shows vetoes and criticisms from crime-related records: "YearEvaluation" readers only.
    register_kind(DocumentKind(key="year_evaluation", label=_l("Year's evaluation"), template="year_evaluation.html",
                               title=year_evaluation_title, context=year_evaluation_context,
                               permission=("read", "YearEvaluation"), scope=SCOPE_STREET))
    register_kind(DocumentKind(key="talk_notice", label=_l("Talk notice"), template="talk_notice.html",
                               title=talk_notice_title, context=talk_notice_context, permission=("read", "Talk"),
                               on_request_form=False))
