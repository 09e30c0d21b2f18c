"""Untrusted spreadsheets are read in a child process with limits: a hostile file is refused with a message for
the clerk, and whatever it does to the reader, the process that asked (here: the test process) lives on."""

from __future__ import annotations

import datetime as dt
import io
import os
import pickle
import zipfile
from typing import Any

import pytest
from django.utils import translation

from shequ.core.spreadsheets import Limits, SpreadsheetError, _CellValues, read_table
from tests.core import hostile_files

ROWS = [["姓名", "出生日期", "人数"], ["王秀英", dt.date(1950, 3, 8), 2], ["李梅", None, -3.5]]


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


def refusal(data: bytes, filename: str = "people.xlsx", **limits: Any) -> str:
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, filename, limits=Limits(**limits) if limits else None)
    return str(caught.value.message)


def test_a_workbook_comes_back_as_numbered_rows_of_cell_values() -> None:
    rows = read_table(hostile_files.workbook(ROWS), "people.xlsx")

    assert rows == [(1, ["姓名", "出生日期", "人数"]), (2, ["王秀英", dt.date(1950, 3, 8), 2.0]),
                    (3, ["李梅", "", -3.5])]


def test_a_csv_comes_back_with_the_line_numbers_excel_shows() -> None:
    text = '姓名,地址\n王秀英,"华山路\n1号"\n李梅,愚园路\n'

    assert read_table(text.encode("gb18030"), "people.csv") == [
        (1, ["姓名", "地址"]), (3, ["王秀英", "华山路\n1号"]), (4, ["李梅", "愚园路"])]


def test_a_workbook_declaring_the_whole_sheet_is_refused_before_it_is_parsed() -> None:
    message = refusal(hostile_files.huge_dimension(ROWS))

    assert "declares 1,048,576 rows × 16,384 columns" in message and "the limit is 110,000 rows × 256" in message


def test_a_cell_at_the_far_corner_under_a_lying_dimension_is_refused() -> None:
    data = hostile_files.far_corner(ROWS)
    assert len(data) < 10_000

    message = refusal(data)

    assert "reaches 1,048,576 rows × 16,384 columns" in message


def test_a_reader_that_runs_out_of_memory_dies_alone_and_its_parent_gets_a_clear_error() -> None:
    parent = os.getpid()
    # Limits wide enough to let the far-corner cell reach calamine, which then asks for 550 GB.
    message = refusal(hostile_files.far_corner(ROWS), max_rows=2_000_000, max_columns=20_000,
                      memory_bytes=512 * 1024 * 1024)

    assert "more than 512 MB of memory" in message
    assert os.getpid() == parent and read_table(hostile_files.workbook(ROWS), "again.xlsx")[0][0] == 1


def test_a_zip_bomb_is_refused_from_its_zip_directory() -> None:
    data = hostile_files.zip_bomb(ROWS)
    assert len(data) < 1024 * 1024

    assert "packed suspiciously tightly" in refusal(data)
    assert "unpacks to more than 1 MB" in refusal(hostile_files.workbook(ROWS * 20_000),
                                                  max_unpacked_bytes=1024 * 1024, max_rows=10**6)


def test_a_corrupt_workbook_and_a_csv_named_xlsx_are_not_workbooks() -> None:
    for data in (hostile_files.corrupt(ROWS), hostile_files.NOT_A_WORKBOOK, b""):
        assert refusal(data) == "This file is not an Excel workbook (.xlsx) that can be read."


def test_a_file_over_the_size_limit_is_refused_without_reading_it() -> None:
    assert refusal(b"x" * 2048, "people.csv", max_bytes=1024) == (
        "The file is larger than 0 MB; split it into smaller files.")


def test_a_csv_with_too_many_rows_or_columns_or_an_unknown_encoding_is_refused() -> None:
    assert "more than 3 rows" in refusal(b"a\n" * 10, "people.csv", max_rows=3)
    assert "reaches 1 rows × 300 columns" in refusal(b"," * 299 + b"\n", "people.csv")
    assert "encoding" in refusal(bytes(range(128, 256)) * 4, "people.csv")


def test_too_many_real_rows_in_a_workbook_are_refused() -> None:
    assert "declares 6 rows × 3 columns" in refusal(hostile_files.workbook(ROWS * 2), max_rows=5)
    no_dimension = hostile_files.rewrite_sheet(hostile_files.workbook(ROWS * 2),
                                               lambda xml: xml.replace(b'<dimension ref="A1:C6" />', b""))
    assert "reaches 6 rows × 3 columns" in refusal(no_dimension, max_rows=5)


def test_the_answer_from_the_reader_can_carry_cell_values_but_no_code() -> None:
    values = pickle.dumps([(1, ["a", 1, 2.5, True, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4),
                                dt.time(5, 6), dt.timedelta(hours=1)])])
    assert _CellValues(io.BytesIO(values)).load()[0][1][4] == dt.date(2024, 1, 2)

    class Payload:
        def __reduce__(self) -> Any:
            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError):
        _CellValues(io.BytesIO(pickle.dumps(Payload()))).load()


def test_an_xlsx_zip_with_thousands_of_members_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(1200):
            archive.writestr(f"xl/media/{n}.bin", b"")
    assert "packed suspiciously tightly" in refusal(buffer.getvalue())


def test_a_workbook_with_a_damaged_sheet_is_not_a_workbook() -> None:
    data = bytearray(hostile_files.workbook(ROWS))
    start = data.index(b"xl/worksheets/sheet1.xml") + len(b"xl/worksheets/sheet1.xml")
    data[start:start + 40] = bytes(40)  # zero the start of the sheet's compressed bytes

    assert refusal(bytes(data)) == "This file is not an Excel workbook (.xlsx) that can be read."
