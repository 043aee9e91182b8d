"""PDF rendering core: Jinja2 templates in ``reports/`` → HTML → PDF with WeasyPrint.

No Flask and no Celery here. Facts this module relies on (see ``/work/shared/PDF_NOTES.md``):

* One :class:`weasyprint.text.fonts.FontConfiguration` per process. A new one per render makes a long-lived
  process drift upwards in memory and leaves ``/tmp/weasyprint-*`` directories behind. Celery workers should call
  :func:`reset_font_configuration` from ``worker_process_init`` so each prefork child builds its own.
* Missing glyphs do not raise in WeasyPrint; they log ``.notdef glyph rendered …`` warnings on the ``weasyprint``
  logger. ``render_pdf(..., strict=True)`` turns those into :class:`NotdefGlyphError`.
* Files are written atomically (temp file in the same directory, fsync, ``os.replace``) because a redelivered
  task (``acks_late``) may run twice.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = [
    "REPORTS_DIR",
    "NotdefGlyphError",
    "chinese_date",
    "embedded_font_names",
    "get_font_configuration",
    "jinja_environment",
    "render_html",
    "render_pdf",
    "reset_font_configuration",
    "write_pdf_atomically",
]

# reports/ beside app/ in the source tree. PORTAL_REPORTS_DIR overrides it (e.g. when `app` is imported from
# site-packages after `pip install .`; the Docker image sets it to /srv/portal/reports).
REPORTS_DIR: Path = Path(
    os.environ.get("PORTAL_REPORTS_DIR") or Path(__file__).resolve().parents[2] / "reports"
).resolve()

_WEASYPRINT_LOGGER = "weasyprint"


class NotdefGlyphError(RuntimeError):
    """A character had no glyph in any available font and would print as an empty box (.notdef)."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__(
            f"{len(self.messages)} missing glyph(s) while rendering PDF: " + "; ".join(self.messages[:10])
        )


# --------------------------------------------------------------------------------------------------------------
# Jinja2
# --------------------------------------------------------------------------------------------------------------

def chinese_date(value: Any) -> str:
    """Format a date as ``2026年11月27日`` (Arabic numerals, no zero padding, as GB/T 9704-2012 prescribes).

    Accepts ``date``/``datetime`` or an ISO ``YYYY-MM-DD`` string; ``None``/empty gives ``""``.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, _dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        value = _dt.date.fromisoformat(value.strip()[:10])
    elif not isinstance(value, _dt.date):
        raise TypeError(f"chinese_date expects a date, datetime or ISO string, not {type(value).__name__}")
    return f"{value.year}年{value.month}月{value.day}日"


_env: Environment | None = None
_env_lock = threading.Lock()


def jinja_environment() -> Environment:
    """The module's Jinja2 environment (FileSystemLoader on reports/, autoescape, StrictUndefined)."""
    global _env
    if _env is None:
        with _env_lock:
            if _env is None:
                env = Environment(
                    loader=FileSystemLoader(str(REPORTS_DIR)),
                    autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml"), default=True),
                    undefined=StrictUndefined,
                    trim_blocks=True,
                    lstrip_blocks=True,
                )
                env.filters["chinese_date"] = chinese_date
                _env = env
    return _env


def render_html(template_name: str, context: dict) -> str:
    """Render ``reports/<template_name>`` to an HTML string. Undefined variables raise ``jinja2.UndefinedError``."""
    return jinja_environment().get_template(template_name).render(**context)


# --------------------------------------------------------------------------------------------------------------
# WeasyPrint
# --------------------------------------------------------------------------------------------------------------

_font_config = None
_font_config_lock = threading.Lock()


def get_font_configuration():
    """The process-wide ``FontConfiguration``, created on first use."""
    global _font_config
    if _font_config is None:
        with _font_config_lock:
            if _font_config is None:
                from weasyprint.text.fonts import FontConfiguration

                _font_config = FontConfiguration()
    return _font_config


def reset_font_configuration() -> None:
    """Drop the process-wide ``FontConfiguration`` (the next render makes a new one).

    Call from Celery's ``worker_process_init`` so a forked child does not share the parent's Fontconfig state.
    """
    global _font_config
    with _font_config_lock:
        _font_config = None


class _NotdefCollector(logging.Handler):
    """Collects ``.notdef`` warnings emitted by the current thread only."""

    def __init__(self, thread_id: int):
        super().__init__(level=logging.WARNING)
        self.thread_id = thread_id
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread_id or record.levelno < logging.WARNING:
            return
        try:
            message = record.getMessage()
        except Exception:  # pragma: no cover - malformed log record
            message = str(record.msg)
        if ".notdef" in message:
            self.messages.append(message)


def render_pdf(template_name: str, context: dict, *, strict: bool = False) -> bytes:
    """Render ``reports/<template_name>`` with ``context`` to PDF bytes.

    ``strict=True``: raise :class:`NotdefGlyphError` if WeasyPrint logs any ``.notdef`` warning (a character no
    font can draw), instead of silently printing empty boxes.
    """
    from weasyprint import HTML

    html = render_html(template_name, context)
    font_config = get_font_configuration()
    document = HTML(string=html, base_url=str(REPORTS_DIR) + os.sep)

    if not strict:
        return document.write_pdf(font_config=font_config)

    logger = logging.getLogger(_WEASYPRINT_LOGGER)
    collector = _NotdefCollector(threading.get_ident())
    # The warning must get past the logger's own level check to reach our handler.
    previous_level = logger.level
    lowered = logger.getEffectiveLevel() > logging.WARNING
    if lowered:
        logger.setLevel(logging.WARNING)
    logger.addHandler(collector)
    try:
        pdf = document.write_pdf(font_config=font_config)
    finally:
        logger.removeHandler(collector)
        if lowered:
            logger.setLevel(previous_level)
    if collector.messages:
        raise NotdefGlyphError(collector.messages)
    return pdf


# --------------------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------------------

def write_pdf_atomically(pdf_bytes: bytes, target_path: str | os.PathLike[str]) -> Path:
    """Write ``pdf_bytes`` to ``target_path`` atomically and durably; return the target path.

    A temp file in the target's directory is written, fsynced and ``os.replace``-d over the target, then the
    directory is fsynced. Readers see either the old file or the complete new one, never a partial file; on
    error the temp file is removed. Missing parent directories are created.
    """
    target = Path(target_path)
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pdf_bytes)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)
    return target


def _fsync_directory(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(dir_fd)


# --------------------------------------------------------------------------------------------------------------
# Inspection
# --------------------------------------------------------------------------------------------------------------

_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")


def embedded_font_names(pdf_bytes: bytes) -> set[str]:
    """BaseFont names of the fonts used in a PDF, without the subset prefix (``ABCDEF+NotoSansCJKsc-Bold`` →
    ``NotoSansCJKsc-Bold``). Walks page resources and nested Form XObject resources."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    names: set[str] = set()
    seen: set[int] = set()

    def walk_resources(resources: Any) -> None:
        resources = _resolve(resources)
        if not resources or id(resources) in seen:
            return
        seen.add(id(resources))
        fonts = _resolve(resources.get("/Font"))
        if fonts:
            for font_ref in fonts.values():
                font = _resolve(font_ref)
                for name in _font_names(font):
                    names.add(_SUBSET_PREFIX.sub("", name))
        xobjects = _resolve(resources.get("/XObject"))
        if xobjects:
            for xobject_ref in xobjects.values():
                xobject = _resolve(xobject_ref)
                if xobject is not None and xobject.get("/Subtype") == "/Form":
                    walk_resources(xobject.get("/Resources"))

    for page in reader.pages:
        walk_resources(page.get("/Resources"))
    return names


def _resolve(obj: Any) -> Any:
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _font_names(font: Any) -> Iterable[str]:
    if font is None:
        return
    base = font.get("/BaseFont")
    if base is not None:
        yield str(base).lstrip("/")
    for descendant in _resolve(font.get("/DescendantFonts")) or []:
        descendant = _resolve(descendant)
        base = descendant.get("/BaseFont") if descendant is not None else None
        if base is not None:
            yield str(base).lstrip("/")
