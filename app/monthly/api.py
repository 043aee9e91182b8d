"""REST: GET /api/v1/monthly/<YYYY-MM> — the monthly table as JSON (JWT). The table is street-wide: every role
with read on "MonthlyClose" gets all of it (the office, the police station, zone leaders)."""
from __future__ import annotations

from flask_appbuilder.api import BaseApi, expose, protect
from flask_babel import gettext as _

from app.monthly import service
from app.monthly.table import BadMonth, parse_month
from app.monthly.views import MONTHLY_PERMISSIONS


class MonthlyApi(BaseApi):
    resource_name = "monthly"
    class_permission_name = "MonthlyClose"
    method_permission_name = {"get_month": "read"}
    base_permissions = MONTHLY_PERMISSIONS
    openapi_spec_tag = "Monthly close"

    @expose("/<month>", methods=["GET"])
    @protect()
    def get_month(self, month):
        """The month's verification table (approved snapshot, or computed now).
        ---
        get:
          parameters:
          - in: path
            name: month
            schema: {type: string, example: "2025-03"}
          responses:
            200:
              description: month, rows (seq, committee, total, should_register, should_cancel, correct,
                accuracy 0-1 or null, remark), totals, approved
            400:
              description: not a YYYY-MM month
        """
        try:
            year, month_number = parse_month(month)
        except BadMonth:
            return self.response_400(message=_("The month must be written YYYY-MM, e.g. 2025-03."))
        return self.response(200, **service.table_json(year, month_number))
