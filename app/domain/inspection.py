"""飞行检查 (plan 三(三)): who inspects, which unit, the checklist and its score. Pure: no Flask, no database.

The plan names the inspectors (街道人口办、派出所、街道社会治安市民巡访团) and the units inspected (服务站点、居民区人口服务和
管理工作小组) but gives no checklist; ours follows the plan's own duties (附件1's flow, monthly verification, the
ledgers), each item with its most points, 100 in all so a score reads like the monthly ranking's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

BODY_OFFICE = "office"          # 街道人口办
BODY_POLICE = "police"          # 派出所
BODY_PATROL = "patrol"          # 街道社会治安市民巡访团
BODIES = (BODY_OFFICE, BODY_POLICE, BODY_PATROL)

UNIT_COMMITTEE = "committee"    # 居民区人口服务和管理工作小组
UNIT_WORKSTATION = "workstation"  # 服务站点 (联勤联动工作站)
UNITS = (UNIT_COMMITTEE, UNIT_WORKSTATION)


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    max_points: int


CHECKLIST = (
    ChecklistItem("register_accuracy", 30),    # 人口信息准确 (spot-checked persons as registered)
    ChecklistItem("changes_on_time", 25),      # 变更及时 (附件1: collected and entered within the days)
    ChecklistItem("monthly_verification", 20),  # 每月核查 (quota, Wednesdays and Fridays)
    ChecklistItem("ledgers", 15),              # 台账 (forms, visitor log, talk records)
    ChecklistItem("service_point", 10),        # 站点服务 (window, self-declarations)
)
FULL_SCORE = sum(item.max_points for item in CHECKLIST)


class ChecklistError(ValueError):
    """A checklist that cannot be scored; ``code`` names the item (None: the checklist as a whole)."""

    def __init__(self, code, max_points=None):
        super().__init__(code)
        self.code, self.max_points = code, max_points


def score(points: Mapping[str, float]) -> float:
    """The inspection's score: the sum of the items' points. Every item must be given, within 0..its maximum."""
    known = {item.code for item in CHECKLIST}
    if set(points) - known:
        raise ChecklistError(sorted(set(points) - known)[0])
    total = 0.0
    for item in CHECKLIST:
        value = points.get(item.code)
        if value is None or not 0 <= value <= item.max_points:
            raise ChecklistError(item.code, item.max_points)
        total += value
    return round(total, 1)
