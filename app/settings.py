"""The rules in force: app/domain/rules.py's defaults, overridden by RULE_* settings (config.py / environment).
The one place views, services and tasks read them from."""
from __future__ import annotations

from flask import current_app, has_app_context

import datetime as dt

from app.domain import clock
from app.domain.rules import DEFAULT_RULES, Rules, rules_from_config


def current_rules() -> Rules:
    return rules_from_config(current_app.config) if has_app_context() else DEFAULT_RULES


def local_today(rules: Rules | None = None) -> dt.date:
    """Today in the configured time zone (Asia/Shanghai): the day deadlines, quotas and "in the future" count from."""
    return clock.local_today(rules or current_rules())
