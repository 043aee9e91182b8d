"""Reading and writing the register workbooks with openpyxl: streaming read (read-only mode, one row at a time,
so 200,000 rows never sit in memory), the template, and the list of bad rows. No Flask, no database."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Iterator, Optional

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from app.importing.rows import EXAMPLE_ROW, HEADER_NOTES, HEADERS, map_headers, missing_headers

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and old .xls are OLE containers, not zip
HEADER_SEARCH_ROWS = 10


class UnreadableWorkbook(ValueError):
    """``code``: encrypted (password or old .xls), malformed, no_sheet, no_header."""

    def __init__(self, code: str, missing: Optional[list[str]] = None):
        super().__init__(code)
        self.code = code
        self.missing = missing or []


class RegisterSheet:
    """An open register workbook: the header mapping, the row count the file declares, and its data rows."""

    def __init__(self, path: Path):
        with open(path, "rb") as handle:
            magic = handle.read(8)
        if magic == _OLE_MAGIC:
            raise UnreadableWorkbook("encrypted")
        try:
            # data_only: a formula cell gives its cached value, never the formula text.
            self.workbook = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
            raise UnreadableWorkbook("malformed") from None
        except Exception:  # openpyxl raises assorted errors on damaged XML; none of them should be a 500
            raise UnreadableWorkbook("malformed") from None
        try:
            self.sheet = self.workbook.worksheets[0]
        except IndexError:
            self.close()
            raise UnreadableWorkbook("no_sheet") from None
        self.mapping, self.header_row = self._find_header()
        try:
            declared = self.sheet.max_row
        except Exception:
            declared = None
        self.declared_rows = max(0, declared - self.header_row) if declared else None

    def _find_header(self):
        best, best_row = {}, 1
        try:
            for row_no, cells in enumerate(self.sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), 1):
                mapping = map_headers(cells)
                if len(mapping) > len(best):
                    best, best_row = mapping, row_no
        except Exception:
            self.close()
            raise UnreadableWorkbook("malformed") from None
        missing = missing_headers(best)
        if len(best) < 3:
            self.close()
            raise UnreadableWorkbook("no_header", missing)
        if missing:
            self.close()
            raise UnreadableWorkbook("no_header", missing)
        return best, best_row

    def rows(self) -> Iterator[tuple[int, tuple]]:
        try:
            for offset, cells in enumerate(self.sheet.iter_rows(min_row=self.header_row + 1, values_only=True)):
                yield self.header_row + 1 + offset, cells
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile):
            raise UnreadableWorkbook("malformed") from None

    def close(self) -> None:
        self.workbook.close()


def template_bytes() -> bytes:
    """The register template: the headers (bold, each with a comment saying what goes in it) and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "实有人口登记"
    for column, header in enumerate(HEADERS, 1):
        cell = sheet.cell(row=1, column=column, value=header)
        cell.font = Font(bold=True)
        cell.comment = Comment(HEADER_NOTES[header], "上钢新村街道")
        sheet.column_dimensions[cell.column_letter].width = 18 if header not in ("户籍地址",) else 32
    for column, value in enumerate(EXAMPLE_ROW, 1):
        cell = sheet.cell(row=2, column=column, value=value)
        cell.number_format = "@"  # text: Excel must not turn the ID number into 3.1E+17
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_workbook_bytes(title: str, headers: list[str], rows) -> bytes:
    """A write-only workbook (streams): bold headers, then rows. Text cells are stored as text, never formulas."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a value starting with = stays text
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
