"""The official form's fixed Chinese texts (附件2, Chinese by definition) and the Excel version of the table.

The PDF template (reports/monthly_table.html) receives the same headers from here, so the form's wording lives
in one place.
"""
from __future__ import annotations

import io

from app.access.export import neutralise
from app.domain.rules import DEFAULT_RULES
from app.domain.monthly_table import format_accuracy

TITLE_TEMPLATE = "{year}年{month}月居民区实有人口核查月报表"  # months as 2026年3月, as in every document
H_SEQ = "序号"
H_COMMITTEE = "居委"
H_GROUP = "总核查人数(每个居委不低于{quota}人)"
H_TOTAL = "小计"
H_SHOULD_REGISTER = "其中:应登未登人数"
H_SHOULD_CANCEL = "其中:应消未消人数"
H_CORRECT = "其中:正确人数"
H_ACCURACY = "正确率"
H_REMARK = "备注"
TOTAL_LABEL = "合计"


def title(year: int, month: int) -> str:
    return TITLE_TEMPLATE.format(year=year, month=month)


def headers(quota: int) -> dict:
    return {"seq": H_SEQ, "committee": H_COMMITTEE, "group": H_GROUP.format(quota=quota), "total": H_TOTAL,
            "should_register": H_SHOULD_REGISTER, "should_cancel": H_SHOULD_CANCEL, "correct": H_CORRECT,
            "accuracy": H_ACCURACY, "remark": H_REMARK}


def accuracy_text(row: dict, decimals: int = 1) -> str:
    from fractions import Fraction

    return format_accuracy(Fraction(row["correct"], row["total"]) if row["total"] else None, decimals)


def table_rows(table: dict, decimals: int = 1) -> list[dict]:
    """The JSON table's rows and total row with their printed accuracy (96.3%)."""
    rows = [dict(r, accuracy_text=accuracy_text(r, decimals)) for r in table["rows"]]
    totals = dict(table["totals"], accuracy_text=accuracy_text(table["totals"], decimals))
    return rows + [totals]


def quota_of(rules: dict) -> int:
    """The quota a stored month was judged against (its rules snapshot), else today's default."""
    return rules.get("monthly_quota_per_committee", DEFAULT_RULES.monthly_quota_per_committee)


def workbook(table: dict, quota: int = DEFAULT_RULES.monthly_quota_per_committee,
             decimals: int = DEFAULT_RULES.accuracy_decimals) -> bytes:
    """xlsx: the title, the two-row merged header of the form, 23 rows and 合计."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    year, month = (int(p) for p in table["month"].split("-"))
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年{month}月"
    h = headers(quota)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells("A1:H1")
    ws["A1"] = title(year, month)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = center
    # Row 2-3: 序号 | 居委 | 总核查人数 (小计 / 应登未登 / 应消未消 / 正确) | 正确率 | 备注
    for col, key in (("A", "seq"), ("B", "committee"), ("G", "accuracy"), ("H", "remark")):
        ws.merge_cells(f"{col}2:{col}3")
        ws[f"{col}2"] = h[key]
    ws.merge_cells("C2:F2")
    ws["C2"] = h["group"]
    for col, key in zip("CDEF", ("total", "should_register", "should_cancel", "correct")):
        ws[f"{col}3"] = h[key]
    for row in ws.iter_rows(min_row=2, max_row=3, max_col=8):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = center
            cell.border = border
    r = 4
    for row in table_rows(table, decimals):
        values = [row["seq"] if row["seq"] is not None else TOTAL_LABEL, row["committee"], row["total"],
                  row["should_register"], row["should_cancel"], row["correct"], row["accuracy_text"],
                  row["remark"]]
        if row["seq"] is None:
            values[1] = ""
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=neutralise(value))  # names/remarks typed by staff
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center")
        if row["seq"] is None:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
            for c in range(1, 9):
                ws.cell(row=r, column=c).font = Font(bold=True)
        r += 1
    for col, width in zip("ABCDEFGH", (6, 10, 10, 16, 16, 14, 10, 22)):
        ws.column_dimensions[col].width = width
    ws.row_dimensions[2].height = 22
    ws.row_dimensions[3].height = 30
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
