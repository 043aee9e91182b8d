"""Sample contexts for the report templates (kept as JSON in reports/samples/, since they are Chinese text)."""
from __future__ import annotations

import json

from app.documents.pdf import REPORTS_DIR


def sample_notice_context() -> dict:
    return json.loads((REPORTS_DIR / "samples" / "notice.json").read_text(encoding="utf-8"))
