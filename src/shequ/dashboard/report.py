"""The monthly report's two files: an Excel workbook and a PDF (WeasyPrint, with the Chinese font embedded).

Both are built from the same :class:`shequ.dashboard.queries.Board`, so they say what the page says.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from shequ.core.excel import write_workbook
from shequ.core.registry import Unit
from shequ.dashboard.queries import Board


class PdfUnavailable(Exception):
    """WeasyPrint, or the system libraries it needs (Pango), cannot run on this machine."""


def _cell(value: int | float | None, unit: str) -> Any:
    """A number as a spreadsheet keeps it: yuan (two decimals) for money, the number itself otherwise."""
    if value is None:
        return None
    if unit == Unit.FEN:
        return Decimal(value) / 100
    return value


def xlsx_bytes(board: Board) -> bytes:
    """One sheet: the month's figures beside the month before, then each figure's 12 months."""
    month, previous = f"{board.month.start:%Y-%m}", f"{board.previous_month.start:%Y-%m}"
    headers = [_("Section"), _("Figure"), _("Unit"), month, previous, _("Change")]
    rows: list[list[Any]] = []
    for section in board.sections:
        for row in section.rows:
            rows.append([section.label, str(row.figure.label), row.unit_label,
                         _cell(row.month.value, row.figure.unit), _cell(row.month.previous, row.figure.unit),
                         row.month.change.words])
    rows.append([])
    rows.append([_("Trend"), _("Figure"), _("Unit"), *(f"{p.start:%Y-%m}" for p in board.months)])
    for row in board.rows:
        if row.trend:
            rows.append([str(row.figure.section), str(row.figure.label), row.unit_label,
                         *(_cell(value, row.figure.unit) for _month, value in row.trend)])
    buffer = io.BytesIO()
    write_workbook(buffer, title=_("Monthly report"), headers=headers, rows=rows)
    return buffer.getvalue()


REPORT_CSS = Path(__file__).parent / "static" / "dashboard" / "report_pdf.css"


def report_html(board: Board, *, subdistrict: str) -> str:
    return render_to_string("dashboard/report_pdf.html", {"board": board, "subdistrict": subdistrict})


def pdf_bytes(html: str) -> bytes:
    """The PDF of ``html``; :class:`PdfUnavailable` when WeasyPrint or Pango is missing."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: the Python package is there, Pango is not
        raise PdfUnavailable(str(exc)) from exc
    return bytes(HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(REPORT_CSS))]))
