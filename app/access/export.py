"""Spreadsheet output: every xlsx and CSV the portal writes goes through ``neutralise`` (no live formulas from
residents' data) and the list exports through ``workbook_bytes`` (what the screen shows, readable in Excel).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# A cell starting with one of these is read as a formula (or DDE) by Excel, LibreOffice and WPS; tab and CR too,
# since some readers strip them and then see the character behind (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 8, 60


def neutralise(value: Any) -> Any:
    """A text value that a spreadsheet would run as a formula, prefixed with an apostrophe so it stays text;
    anything else unchanged. The one function for every xlsx and CSV written (exports, the monthly excel, CSV)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def workbook_bytes(title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    """One sheet: a bold, frozen header row with an autofilter, columns as wide as their content, every text cell
    typed as text (ID numbers stay text: no 3.1e17, no lost leading zeros) and neutralised."""
    rows = [list(row) for row in rows]  # read twice: widths first (write-only sheets need them before the rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    widths = [_width(h) for h in headers]
    for row in rows:
        for index, value in enumerate(row[:len(widths)]):
            widths[index] = max(widths[index], _width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(str(header)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: list[str], rows: Iterable[list]) -> bytes:
    """CSV for Excel users (UTF-8 with BOM, so Chinese opens correctly), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(str(h)) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v if isinstance(v, str) else str(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(sheet, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=None)
        # Set as a string explicitly: openpyxl would otherwise store a value starting with "=" as a formula.
        cell.value = neutralise(value)
        cell.data_type = "s"
        cell.number_format = TEXT_FORMAT
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        cell.number_format = DATE_FORMAT
    return cell


def _width(value: Any) -> int:
    """Display width in character cells: CJK characters take two."""
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in '[]:*?/\\\\')
    return (cleaned or "Sheet")[:31]
