"""Excel (.xlsx) export shared by every list a clerk keeps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_workbook(target: Any, *, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write one sheet to a path or file object; write-only mode keeps memory flat for large exports."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(list(row))
    workbook.save(target)


def xlsx_response(filename: str, *, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Any:
    import io

    buffer = io.BytesIO()
    write_workbook(buffer, title=title, headers=headers, rows=rows)
    buffer.seek(0)
    response = StreamingHttpResponse(buffer, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
