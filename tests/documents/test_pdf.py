"""PDF rendering core (app/documents/pdf.py + reports/): Chinese text, fonts, page footer, strictness, atomic writes.

Missing glyphs never raise in WeasyPrint (they log `.notdef` warnings and print empty boxes) and pdftotext still
extracts the right text from such a PDF, so these tests fail on any `weasyprint` warning and check embedded fonts.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import shutil
import subprocess

import pytest
from jinja2 import UndefinedError
from pypdf import PdfReader

from app.documents import pdf as pdfmod
from app.documents.samples import sample_notice_context
from app.documents.pdf import (
    REPORTS_DIR,
    NotdefGlyphError,
    chinese_date,
    embedded_font_names,
    render_html,
    render_pdf,
    write_pdf_atomically,
)

TITLE = "关于开展2026年度实有人口信息核查工作的通知"


def notice_context(**overrides):
    return sample_notice_context(**overrides)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def notice():
    """The rendered notice (non-strict) plus every WARNING+ record the weasyprint logger emitted meanwhile."""
    logger = logging.getLogger("weasyprint")
    capture = _Capture()
    previous = logger.level
    logger.setLevel(logging.WARNING)
    logger.addHandler(capture)
    try:
        pdf = render_pdf("notice.html", notice_context())
    finally:
        logger.removeHandler(capture)
        logger.setLevel(previous)
    return pdf, [r for r in capture.records if r.levelno >= logging.WARNING]


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


# ---------------------------------------------------------------------------------------------------------------

def test_harfbuzz_subset_is_available():
    # Without libharfbuzz-subset0 WeasyPrint subsets with fontTools: 35x slower on Noto CJK.
    import weasyprint.pdf.fonts

    assert weasyprint.pdf.fonts.harfbuzz_subset is not None


def test_notice_renders_without_weasyprint_warnings(notice):
    pdf, warnings = notice
    assert pdf.startswith(b"%PDF-")
    assert [r.getMessage() for r in warnings] == []


def test_notice_embeds_noto_cjk_sc_with_bold(notice):
    pdf, _ = notice
    names = embedded_font_names(pdf)
    # One family, two faces (fewer faces render faster, see reports/base.css). WeasyPrint 70 names the fonts after
    # the family: Noto-Serif-CJK-SC, Noto-Serif-CJK-SC-Bold.
    assert "Noto-Serif-CJK-SC" in names, names
    assert "Noto-Serif-CJK-SC-Bold" in names, names  # real bold face for title / table headers
    normalised = {_normalise(n) for n in names}
    assert all(n.startswith("notoserifcjksc") for n in normalised), names  # no JP/other faces
    assert not any(re.match(r"^[A-Z]{6}\+", n) for n in names)


def test_notice_is_one_page_with_footer_and_title(notice):
    pdf, _ = notice
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait in pt


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_finds_footer_and_title(notice, tmp_path):
    pdf, _ = notice
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    # -raw keeps the spaces of the footer string; the default mode drops spaces between CJK and digits.
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "第 1 页 共 1 页" in text
    flat = re.sub(r"\s+", "", text)
    assert TITLE in flat  # the title may wrap over two lines
    assert "2026年11月27日" in flat
    assert "王琦璐" in flat and "刘鑫淼" in flat and "直管公房" in flat


def test_strict_mode_accepts_the_notice():
    pdf = render_pdf("notice.html", notice_context(), strict=True)
    assert pdf.startswith(b"%PDF-")


@pytest.mark.parametrize("bad", ["\ue000", "\U00031350"])  # private use area; CJK Ext. H (not in Noto CJK 2.004)
def test_strict_mode_raises_on_missing_glyph(bad):
    context = notice_context(paragraphs=[f"居民姓名：王{bad}明"])
    with pytest.raises(NotdefGlyphError) as excinfo:
        render_pdf("notice.html", context, strict=True)
    assert f"U+{ord(bad):04X}" in str(excinfo.value)
    # The handler is removed again afterwards.
    assert not any(isinstance(h, pdfmod._NotdefCollector) for h in logging.getLogger("weasyprint").handlers)


def test_non_strict_mode_still_renders_missing_glyphs():
    pdf = render_pdf("notice.html", notice_context(paragraphs=["王\ue000明"]))
    assert pdf.startswith(b"%PDF-")


def test_strict_mode_works_even_if_weasyprint_logger_is_silenced():
    logger = logging.getLogger("weasyprint")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with pytest.raises(NotdefGlyphError):
            render_pdf("notice.html", notice_context(paragraphs=["\ue000"]), strict=True)
        assert logger.level == logging.CRITICAL
    finally:
        logger.setLevel(previous)


def test_template_error_raises():
    context = notice_context()
    del context["title"]
    with pytest.raises(UndefinedError):
        render_html("notice.html", context)
    with pytest.raises(UndefinedError):
        render_pdf("notice.html", context)


def test_html_is_autoescaped_and_has_lang():
    html = render_html("notice.html", notice_context(paragraphs=["<script>alert(1)</script>"]))
    assert '<html lang="zh-CN">' in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "2026年11月27日" in html


def test_optional_red_header_can_be_left_out():
    context = notice_context()
    del context["red_header"], context["doc_number"], context["table_caption"]
    html = render_html("notice.html", context)
    assert "red-header" not in html


def test_chinese_date():
    assert chinese_date(dt.date(2026, 11, 27)) == "2026年11月27日"
    assert chinese_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert chinese_date(dt.datetime(2026, 3, 8, 14, 30)) == "2026年3月8日"
    assert chinese_date("2026-02-09") == "2026年2月9日"
    assert chinese_date(None) == ""


def test_landscape_named_page():
    from weasyprint import HTML

    html = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="stylesheet" href="base.css">'
        '</head><body><p>纵向</p><div class="landscape"><table><thead><tr><th>月份</th></tr></thead>'
        "<tbody><tr><td>十一月</td></tr></tbody></table></div></body></html>"
    )
    pdf = HTML(string=html, base_url=str(REPORTS_DIR) + os.sep).write_pdf(
        font_config=pdfmod.get_font_configuration()
    )
    pages = PdfReader(io.BytesIO(pdf)).pages
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages]
    assert sizes == [(595, 842), (842, 595)]


def test_font_configuration_is_shared_and_resettable():
    first = pdfmod.get_font_configuration()
    assert pdfmod.get_font_configuration() is first
    pdfmod.reset_font_configuration()
    second = pdfmod.get_font_configuration()
    assert second is not first
    assert pdfmod.get_font_configuration() is second


# ---------------------------------------------------------------------------------------------------------------

def test_write_pdf_atomically_replaces_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "out" / "notice.pdf"
    target.parent.mkdir()
    target.write_bytes(b"old contents")
    result = write_pdf_atomically(b"%PDF-1.7 new", target)
    assert result == target
    assert target.read_bytes() == b"%PDF-1.7 new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["notice.pdf"]
    assert (target.stat().st_mode & 0o777) == 0o644


def test_write_pdf_atomically_creates_directory(tmp_path):
    target = tmp_path / "a" / "b" / "x.pdf"
    write_pdf_atomically(b"%PDF-", str(target))
    assert target.read_bytes() == b"%PDF-"
    assert os.listdir(target.parent) == ["x.pdf"]


def test_write_pdf_atomically_failure_keeps_old_file(tmp_path):
    target = tmp_path / "notice.pdf"
    target.write_bytes(b"old contents")
    with pytest.raises(TypeError):
        write_pdf_atomically("not bytes", target)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["notice.pdf"]
