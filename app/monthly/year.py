"""The year's evaluation (年度评先, issue 12 item 7): per committee and per team member, the approved months' ranks
and points, the year's spot inspections (a reference for the awards; they count in the score only when the
office sets RULE_YEAR_WEIGHT_SPOT_INSPECTION), rewards for leads, criticisms and the veto (一票否优).

Only approved months count (a draft may still change). A vetoed committee or person is listed but never
eligible for the year's awards, whatever the score. Ordering: eligible first, by score (higher first), then seq.
"""
from __future__ import annotations

from sqlalchemy import func, select

from app.errors import UserFacingError
from app.access.users import person_name
from app.extensions import db
from app.monthly import service
from app.monthly.models import STATE_APPROVED, STATE_DRAFT, SpotInspection, YearClose
from app.settings import current_rules
from app.crime import service as crime
from app.domain import clock


def _spot_averages(year: int) -> dict[int, float]:
    rows = db.session.execute(select(SpotInspection.committee_id, func.avg(SpotInspection.score))
                              .where(SpotInspection.year == year).group_by(SpotInspection.committee_id)).all()
    return {cid: round(float(avg), 2) for cid, avg in rows}


def year_table(year: int) -> dict:
    rules = current_rules()
    weight = rules.year_weight_spot_inspection
    months = [m for m in range(1, 13)
              if (close := service.get_close(year, m)) is not None and close.state == service.STATE_APPROVED]
    data = {m: service.month_data(year, m) for m in months}
    vetoed, vetoed_people = crime.vetoed_committees(year), crime.vetoed_names(year)
    rewards, criticisms, spots = crime.rewards_by_committee(year), crime.criticisms_by_committee(year), \
        _spot_averages(year)
    committees = []
    for c in service.committees():
        ranks, points, lasts = {}, [], 0
        for m in months:
            ranking = data[m]["ranking"]
            item = next((r for r in ranking if r["committee_id"] == c.id), None)
            if item is None:
                continue
            ranks[m] = item["rank"]
            points.append(float(item["points"]["total"]))
            lasts += item["rank"] == max(r["rank"] for r in ranking)
        average = round(sum(points) / len(points), 2) if points else None
        spot = spots.get(c.id)
        score = average
        if average is not None and weight and spot is not None:
            score = round(average * (100 - weight) / 100 + spot * weight / 100, 2)
        committees.append({"committee_id": c.id, "seq": c.seq, "committee": c.name, "ranks": ranks,
                           "average_points": average, "times_last": lasts, "spot_average": spot,
                           "score": score, "rewards": int(rewards.get(c.id, 0) or 0),
                           "criticisms": criticisms.get(c.id, 0), "vetoed": c.id in vetoed,
                           "eligible": c.id not in vetoed and score is not None})
    committees.sort(key=lambda r: (not r["eligible"], -(r["score"] or 0), r["seq"]))
    members: dict[int, dict] = {}
    for m in months:
        for item in data[m].get("members") or []:
            entry = members.setdefault(item["member_id"], {"member_id": item["member_id"], "name": item["name"],
                                                           "ranks": {}, "points": []})
            entry["ranks"][m] = item["rank"]
            entry["points"].append(float(item["total"]))
    member_rows = []
    for entry in members.values():
        average = round(sum(entry["points"]) / len(entry["points"]), 2) if entry["points"] else None
        veto = entry["name"] in vetoed_people
        member_rows.append({"member_id": entry["member_id"], "name": entry["name"], "ranks": entry["ranks"],
                            "average_points": average, "vetoed": veto, "eligible": not veto})
    member_rows.sort(key=lambda r: (not r["eligible"], -(r["average_points"] or 0), r["name"]))
    return {"year": year, "months": months, "committees": committees, "members": member_rows,
            "spot_weight": weight, "vetoed_people": sorted(vetoed_people)}


class YearRefused(UserFacingError):
    """An approval or unlock the rules refuse, with its translated message."""


def get_year_close(year: int):
    return db.session.scalars(select(YearClose).where(YearClose.year == year)).one_or_none()


def year_data(year: int) -> dict:
    """The approved snapshot if the year is approved (frozen), else the live table."""
    close = get_year_close(year)
    if close is not None and close.state == STATE_APPROVED and close.snapshot:
        return {**close.snapshot, "approved": True, "approved_by": close.approved_by}
    return {**year_table(year), "approved": False}


def _name(user) -> str:
    return person_name(user)[:128]


def approve_year(year: int, user):
    """Freeze the year's table as it stands. Needs every month of the year approved (a draft month may change)."""
    import json

    from flask_babel import gettext as _

    table = year_table(year)
    if len(table["months"]) < 12:
        missing = "、".join(f"{m}月" for m in range(1, 13) if m not in table["months"])
        raise YearRefused(_("Approve every month of the year first (not yet approved: %(months)s).",
                            months=missing))
    close = get_year_close(year) or YearClose(year=year)
    if close.state == STATE_APPROVED:
        raise YearRefused(_("The year has already been approved."))
    # JSON keys are text: month numbers are kept as "1".."12" in the snapshot, as the page reads them.
    close.snapshot_json = json.dumps(table, ensure_ascii=False, sort_keys=True)
    close.state, close.approved_at, close.approved_by = STATE_APPROVED, clock.utcnow(), _name(user)
    db.session.add(close)
    return close


def unlock_year(year: int, user, reason: str):
    """Back to the live table, with the reason kept on the row (every write is audited)."""
    from flask_babel import gettext as _

    reason = (reason or "").strip()
    if len(reason) < 4:
        raise YearRefused(_("Give a reason for the unlock."))
    close = get_year_close(year)
    if close is None or close.state != STATE_APPROVED:
        raise YearRefused(_("Only an approved year can be unlocked."))
    close.state, close.snapshot_json = STATE_DRAFT, None
    close.unlocked_at, close.unlocked_by, close.unlock_reason = clock.utcnow(), _name(user), reason[:500]
    return close


def workbook(data: dict) -> bytes:
    """The year's table as Excel: committees, then team members."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "居民区"
    months = [int(m) for m in data["months"]]
    sheet.append([f"{data['year']}年度人口服务和管理工作考核评先表（居民区）"])
    sheet.append(["居民区", *[f"{m}月排名" for m in months], "月均得分", "末位次数", "飞行检查平均分", "年度得分",
                  "线索奖励", "通报批评", "一票否优"])
    for r in data["committees"]:
        ranks = {int(k): v for k, v in r["ranks"].items()}
        sheet.append([r["committee"], *[ranks.get(m, "") for m in months], r["average_points"], r["times_last"],
                      r["spot_average"], r["score"], r["rewards"], r["criticisms"], "是" if r["vetoed"] else "否"])
    members = book.create_sheet("综合协管队员")
    members.append([f"{data['year']}年度综合协管队员考核表"])
    members.append(["队员", *[f"{m}月排名" for m in months], "月均得分", "一票否优"])
    for r in data["members"]:
        ranks = {int(k): v for k, v in r["ranks"].items()}
        members.append([r["name"], *[ranks.get(m, "") for m in months], r["average_points"],
                        "是" if r["vetoed"] else "否"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
