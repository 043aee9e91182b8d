"""Reading and writing the register workbooks. Reading goes through python-calamine (Rust): a 200,000-row sheet
is parsed in a few seconds, where openpyxl's read-only mode took about a minute and a half per pass; the rows reach
Python one at a time. Writing (the template, the list of bad rows) stays with openpyxl. No Flask, no database."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator, Optional

import python_calamine
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font

from app.importing.rows import EXAMPLE_ROW, HEADER_NOTES, HEADERS, map_headers, missing_headers

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and old .xls are OLE containers, not zip
_ZIP_MAGIC = b"PK"
HEADER_SEARCH_ROWS = 10


class UnreadableWorkbook(ValueError):
    """``code``: encrypted (password or old .xls), malformed, no_sheet, no_header."""

    def __init__(self, code: str, missing: Optional[list[str]] = None):
        super().__init__(code)
        self.code = code
        self.missing = missing or []


class RegisterSheet:
    """An open register workbook: the header mapping, the row count the file declares, and its data rows.

    Cells come as calamine gives them: str, float (every number, as Excel stores it), int, bool, date, datetime,
    and "" for an empty cell. A formula cell gives the value Excel cached, never the formula text."""

    def __init__(self, path: Path):
        with open(path, "rb") as handle:
            magic = handle.read(8)
        if magic == _OLE_MAGIC:
            raise UnreadableWorkbook("encrypted")
        if not magic.startswith(_ZIP_MAGIC):
            raise UnreadableWorkbook("malformed")
        try:
            self.workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        except python_calamine.PasswordError:
            raise UnreadableWorkbook("encrypted") from None
        except Exception:  # ZipError, XmlError, CalamineError, ...: a damaged file is a message, never a 500
            raise UnreadableWorkbook("malformed") from None
        try:
            self.sheet = self.workbook.get_sheet_by_index(0)
        except IndexError:
            self.close()
            raise UnreadableWorkbook("no_sheet") from None
        except Exception:
            self.close()
            raise UnreadableWorkbook("malformed") from None
        self._rows = self._iter_all()
        self._head: list[tuple[int, list]] = []
        self.mapping, self.header_row = self._find_header()
        try:
            last = self.sheet.end
            declared = last[0] + 1 if last else None
        except Exception:
            declared = None
        self.declared_rows = max(0, declared - self.header_row) if declared else None

    def _iter_all(self) -> Iterator[tuple[int, list]]:
        """(spreadsheet row number, cells): calamine yields every row from the sheet's first (row 1), blank ones
        included, so the count is Excel's own row number."""
        try:
            for row_no, cells in enumerate(self.sheet.iter_rows(), 1):
                yield row_no, cells
        except Exception:
            raise UnreadableWorkbook("malformed") from None

    def _find_header(self):
        best, best_row = {}, 1
        for row_no, cells in self._rows:
            self._head.append((row_no, cells))
            mapping = map_headers(cells)
            if len(mapping) > len(best):
                best, best_row = mapping, row_no
            if row_no >= HEADER_SEARCH_ROWS:
                break
        missing = missing_headers(best)
        if len(best) < 3 or missing:
            self.close()
            raise UnreadableWorkbook("no_header", missing)
        return best, best_row

    def rows(self) -> Iterator[tuple[int, list]]:
        """The rows after the header row (read once: open the sheet again for a second pass)."""
        for row_no, cells in self._head:
            if row_no > self.header_row:
                yield row_no, cells
        self._head = []
        yield from self._rows

    def close(self) -> None:
        try:
            self.workbook.close()
        except Exception:  # already closed
            pass


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
