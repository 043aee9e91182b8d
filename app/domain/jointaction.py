"""专项联勤联动's clock (plan 三(四)): when the application and the joint visit are due, and whether one is late.
Pure: dates in, dates out; the day counts are Rules fields (joint_apply_days, joint_visit_days)."""
from __future__ import annotations

import datetime as dt
from typing import Optional


def due_on(stage: str, escalated_on: dt.date, applied_on: Optional[dt.date], rules) -> Optional[dt.date]:
    """The date the next step is due: the application after escalation, the visit after the application; None
    once visited (the closure has no deadline: the outcome may take a second visit)."""
    if stage == "escalated":
        return escalated_on + dt.timedelta(days=rules.joint_apply_days)
    if stage == "applied" and applied_on is not None:
        return applied_on + dt.timedelta(days=rules.joint_visit_days)
    return None


def is_overdue(stage: str, escalated_on: dt.date, applied_on: Optional[dt.date], today: dt.date, rules) -> bool:
    due = due_on(stage, escalated_on, applied_on, rules)
    return due is not None and today > due
