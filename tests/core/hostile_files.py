"""Hostile spreadsheets, built in the test: each is small to upload and ruinous to read without limits."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(data: bytes, change: Any) -> bytes:
    """The workbook with its first sheet's XML passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == SHEET else content)
    return out.getvalue()


def declared_dimension(data: bytes, ref: str) -> bytes:
    return rewrite_sheet(data, lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(),
                                                  xml))


def huge_dimension(rows: Sequence[Sequence[Any]]) -> bytes:
    """A few real rows in a sheet that declares itself A1:XFD1048576 (1,048,576 rows × 16,384 columns)."""
    return declared_dimension(workbook(rows), "A1:XFD1048576")


def far_corner(rows: Sequence[Sequence[Any]], *, dimension: str = "A1:B2") -> bytes:
    """A few real rows plus one cell at XFD1048576, under a declared dimension that lies about it: read naively,
    the dense rectangle between A1 and the far cell needs 550 GB (about 4.8 KB on disk)."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    sheet["XFD1048576"] = 1
    buffer = io.BytesIO()
    book.save(buffer)
    return declared_dimension(buffer.getvalue(), dimension)


def zip_bomb(rows: Sequence[Sequence[Any]], *, padding: int = 60 * 1024 * 1024) -> bytes:
    """A workbook whose sheet XML is padded with white space that packs about a thousand to one."""
    return rewrite_sheet(workbook(rows), lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * padding, 1))


def corrupt(rows: Sequence[Sequence[Any]]) -> bytes:
    """A real workbook cut off halfway, as an interrupted download leaves it."""
    data = workbook(rows)
    return data[: len(data) // 2]


NOT_A_WORKBOOK = "姓名,证件号码\n王秀英,310104195003081228\n".encode()  # a CSV named .xlsx


def not_a_workbook(rows: Sequence[Sequence[Any]]) -> bytes:
    return NOT_A_WORKBOOK


# Each hostile upload and the words an importer's report must use about it (in English).
UPLOADS_AND_MESSAGES = [
    (huge_dimension, "declares 1,048,576 rows × 16,384 columns"),
    (far_corner, "reaches 1,048,576 rows × 16,384 columns"),
    (zip_bomb, "packed suspiciously tightly"),
    (corrupt, "not an Excel workbook"),
    (not_a_workbook, "not an Excel workbook"),
]
