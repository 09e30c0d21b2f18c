"""Catalogue import from a spreadsheet (.xlsx): one row per title, its copies' barcodes in one cell.

All rows are imported or none; the page lists every row in error (see :func:`actions.import_catalogue`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.utils.translation import gettext as _

from shequ.core import spreadsheets
from shequ.core.errors import Invalid
from shequ.core.models import User
from shequ.library import actions

MAX_BYTES = 10 * 1024 * 1024
READ_LIMITS = spreadsheets.with_limits(max_bytes=MAX_BYTES, max_rows=50_000, max_columns=100)
ERRORS_KEPT = 500
# field -> accepted headers; the first is what the template writes (the Chinese headers are the file format).
COLUMNS: dict[str, tuple[str, ...]] = {
    "isbn": ("ISBN", "isbn", "书号"),
    "title": ("书名", "title", "题名"),
    "authors": ("作者", "authors", "author", "责任者"),
    "publisher": ("出版社", "publisher"),
    "year": ("出版年", "year", "出版年份"),
    "barcodes": ("条码", "barcodes", "barcode", "条形码"),
    "shelf": ("书架", "shelf", "架位"),
}
TEMPLATE_HEADERS = [names[0] for names in COLUMNS.values()]
_ALIASES = {alias.lower(): field for field, names in COLUMNS.items() for alias in names}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(data: bytes, filename: str = "catalogue.xlsx") -> list[dict[str, Any]]:
    """The titles of a catalogue workbook, read in a contained child process (see core.spreadsheets)."""
    try:
        table = spreadsheets.read_table(data, filename, limits=READ_LIMITS, kind="workbook")
    except spreadsheets.SpreadsheetError as exc:
        raise Invalid(exc.message, field="file") from exc
    rows: list[dict[str, Any]] = []
    positions: dict[str, int] | None = None
    for number, cells in table:
        texts = [_text(cell) for cell in cells]
        if not any(texts):
            continue
        if positions is None:
            positions = {_ALIASES[t.lower()]: i for i, t in enumerate(texts) if t.lower() in _ALIASES}
            missing = [COLUMNS[f][0] for f in ("isbn", "title") if f not in positions]
            if missing:
                raise Invalid(_("The first row must name the columns; missing: %(columns)s")
                              % {"columns": ", ".join(missing)}, field="file")
            continue
        row: dict[str, Any] = {"row": number}
        for field, position in positions.items():
            row[field] = texts[position] if position < len(texts) else ""
        year = row.get("year", "")
        row["year"] = int(year) if year.isdigit() else None
        row["barcodes"] = row.get("barcodes", "").replace("，", " ").replace(",", " ").split()
        rows.append(row)
    if not rows:
        raise Invalid(_("The file has no rows to import."), field="file")
    return rows


def import_catalogue(*, actor: User, file: bytes | IO[bytes], filename: str) -> int:
    """Every title of the file, or none (an Invalid whose ``details`` are the rows in error)."""
    data = file if isinstance(file, bytes) else file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(_("The file is larger than %(mb)d MB; split it into smaller files.")
                      % {"mb": MAX_BYTES // (1024 * 1024)}, field="file")
    return actions.import_catalogue(actor=actor, rows=read_rows(data, filename), filename=filename)


def import_report(*, actor: User, data: bytes, filename: str,
                  progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """What the background import shows on its task page: the titles imported, or why nothing was."""
    report = progress or (lambda stage, done, total: None)
    report("reading", 0, 0)
    try:
        rows = read_rows(data, filename)
        report("writing", 0, len(rows))
        created = actions.import_catalogue(actor=actor, rows=rows, filename=filename)
    except Invalid as error:
        return {"ok": False, "filename": filename, "message": str(error.message),
                "errors": [[number, str(message)] for number, message in (error.details or [])][:ERRORS_KEPT],
                "error_count": len(error.details or [])}
    return {"ok": True, "filename": filename, "created": created, "rows": len(rows),
            "summary": _("%(n)d titles imported.") % {"n": created}}
