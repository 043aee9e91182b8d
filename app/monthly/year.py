"""The year's evaluation (年度评先, issue 12 item 7): per committee and per team member, the approved months' ranks
and points, the year's spot inspections (a reference for the awards; they count in the score only when the
office sets RULE_YEAR_WEIGHT_SPOT_INSPECTION), rewards for leads, criticisms and the veto (一票否优).

Only approved months count (a draft may still change). A vetoed committee or person is listed but never
eligible for the year's awards, whatever the score. Ordering: eligible first, by score (higher first), then seq.
"""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.monthly import service
from app.monthly.models import SpotInspection
from app.settings import current_rules


def _spot_averages(year: int) -> dict[int, float]:
    rows = db.session.execute(select(SpotInspection.committee_id, func.avg(SpotInspection.score))
                              .where(SpotInspection.year == year).group_by(SpotInspection.committee_id)).all()
    return {cid: round(float(avg), 2) for cid, avg in rows}


def year_table(year: int) -> dict:
    from app.crime import service as crime

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
