"""The one sample document: the notice of reports/notice.html with its context (kept as JSON in reports/samples/,
since it is Chinese text). The worker's render probe, bench/bench_render.py and tests/documents/test_pdf.py all
render this context, so what is measured is what is tested.

Its text is chosen to catch font trouble: 直 骨 角 have other glyph forms in Japanese fonts (lang="zh-CN" must
pick the SC faces), and 𰻞 (CJK Extension G) must be in the embedded font (a strict render fails on a missing
glyph)."""
from __future__ import annotations

import datetime as dt
import json

from app.documents.pdf import REPORTS_DIR


def sample_notice_context(**overrides) -> dict:
    """A fresh copy of the sample notice's context (the date as a date), with ``overrides`` applied."""
    context = json.loads((REPORTS_DIR / "samples" / "notice.json").read_text(encoding="utf-8"))
    context["date"] = dt.date.fromisoformat(context["date"])
    context.update(overrides)
    return context
