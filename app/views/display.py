"""How values look on every screen (issue 14 §5): instants in Asia/Shanghai to the minute, dates as YYYY-MM-DD,
booleans as 是/否, nothing for None. One function, ``shown``, used as the Jinja filter ``shown`` (registered by
init_app) and as a FAB column formatter, so a list, a show page and a hand-written template agree."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from app.domain import clock
from app.settings import current_rules


def local_minute(value) -> str:
    """A stored naive-UTC instant (or an aware one) as Shanghai time to the minute; '' for None."""
    if value is None:
        return ""
    return clock.aware(value, current_rules()).strftime("%Y-%m-%d %H:%M")


def shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, dt.datetime):
        return local_minute(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def init_app(app) -> None:
    app.add_template_filter(shown, "shown")
    app.add_template_filter(local_minute, "local_minute")
