"""The rules in force: app/domain/rules.py's defaults, overridden by RULE_* settings (config.py / environment).
The one place views, services and tasks read them from."""
from __future__ import annotations

from flask import current_app, has_app_context

from app.domain.rules import DEFAULT_RULES, Rules, rules_from_config


def current_rules() -> Rules:
    return rules_from_config(current_app.config) if has_app_context() else DEFAULT_RULES
