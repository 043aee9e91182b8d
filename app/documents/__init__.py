"""Printable documents (通知, 月报表, 登记表 …): HTML templates in reports/ rendered to PDF with WeasyPrint."""
