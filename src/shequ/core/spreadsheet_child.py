"""The contained half of :mod:`shequ.core.spreadsheets`: reads one untrusted spreadsheet in a child process.

Run as a script by path (``python -I spreadsheet_child.py LIMITS_JSON KIND``) with the file on stdin; it
writes one pickled answer to stdout: ``("ok", rows)`` with ``rows`` a list of ``(row number, cells)``,
or ``("error", code, params)``. It imports only the standard library and python-calamine, never Django,
so it starts quickly and shares nothing with the process that waits for it.

Before anything parses the file it caps its own memory (``RLIMIT_AS``), CPU time and file writes, so a
workbook built to exhaust memory kills this process and never the web or task worker that started it.
Cheap checks come first and give the clearest message: the zip container (member count, unpacked size,
compression ratio), then the declared ``<dimension>`` of the first sheet, then a scan of the cell and row
references actually present (a file may declare A1:B2 and still hold a cell at XFD1048576, which makes
calamine allocate the dense rectangle: 550 GB). Only then does calamine read the sheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import pickle
import re
import resource
import sys
import zipfile
import zlib
from typing import Any

Rows = list[tuple[int, list[Any]]]


class Refused(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def limit_self(limits: dict[str, int]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_bytes"], limits["memory_bytes"]))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# Workbooks ------------------------------------------------------------------------------------------------

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")
# The r attribute of a cell (r="XFD1048576") or a row (r="1048576"), the only elements of a sheet that carry
# one; a plain literal prefix keeps the scan of a 60 MB sheet under a second. Columns of two or three letters
# (AA and beyond) are rare in real files, so only those are converted.
_ROW_OF_REFERENCE = re.compile(rb" r=\"[A-Z]{0,3}(\d{1,9})\"")
_WIDE_COLUMN = re.compile(rb" r=\"([A-Z]{2,3})\d{1,9}\"")
# The same after any white space, for the rare file that separates attributes with new lines or tabs.
_ROW_OF_REFERENCE_ANY = re.compile(rb"\sr=\"[A-Z]{0,3}(\d{1,9})\"")
_WIDE_COLUMN_ANY = re.compile(rb"\sr=\"([A-Z]{2,3})\d{1,9}\"")
_ANY_COLUMN = re.compile(rb"\sr=\"([A-Z]{1,3})\d{1,9}\"")
_SHEET_TARGET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b\w+:id=\"([^\"]+)\"")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb"\b(Id|Target)=\"([^\"]+)\"")
SCAN_CHUNK = 1 << 20


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def check_container(archive: zipfile.ZipFile, limits: dict[str, int]) -> None:
    members = archive.infolist()
    if len(members) > limits["max_members"]:
        raise Refused("members", count=len(members), limit=limits["max_members"])
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits["max_unpacked_bytes"]:
        raise Refused("unpacked", size=unpacked, limit=limits["max_unpacked_bytes"])
    for member in members:
        if member.file_size > 1_000_000 and member.file_size > limits["max_ratio"] * max(member.compress_size, 1):
            raise Refused("ratio", member=member.filename, ratio=member.file_size // max(member.compress_size, 1),
                          limit=limits["max_ratio"])


def first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """The part name of the workbook's first sheet (the one calamine reads as index 0)."""
    try:
        workbook = _small_member(archive, "xl/workbook.xml")
        relationships = _small_member(archive, "xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    first = _SHEET_TARGET.search(workbook)
    if first is None:
        return None
    for element in _RELATIONSHIP.findall(relationships):
        attributes = dict(_ATTRIBUTE.findall(element))
        if attributes.get(b"Id") == first.group(1) and b"Target" in attributes:
            target = attributes[b"Target"].decode("utf-8", "replace")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _small_member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        return member.read(4 << 20)


def check_extent(archive: zipfile.ZipFile, path: str, limits: dict[str, int]) -> None:
    """Refuse a sheet whose declared dimension, or whose farthest cell or row, lies beyond the limits."""
    max_rows, max_columns = limits["max_rows"], limits["max_columns"]
    try:
        member = archive.open(path)
    except KeyError:
        return
    tail = b""
    declared_checked = False
    read = 0
    with member:
        while chunk := member.read(SCAN_CHUNK):
            read += len(chunk)
            if read > limits["max_unpacked_bytes"]:  # a member whose header understates its size
                raise Refused("unpacked", size=read, limit=limits["max_unpacked_bytes"])
            text = tail + chunk
            if not declared_checked and (found := _DIMENSION.search(text)):
                declared_checked = True
                last_row = int(found.group(4) or found.group(2) or 0)
                last_column = column_number(found.group(3) or found.group(1) or b"")
                if last_row > max_rows or last_column > max_columns:
                    raise Refused("declared", rows=last_row, columns=last_column, max_rows=max_rows,
                                  max_columns=max_columns)
            other_space = b"\nr=" in text or b"\tr=" in text or b"\rr=" in text
            row_pattern, column_pattern = ((_ROW_OF_REFERENCE_ANY, _WIDE_COLUMN_ANY) if other_space
                                           else (_ROW_OF_REFERENCE, _WIDE_COLUMN))
            rows = max(map(int, row_pattern.findall(text)), default=0)
            columns = max(map(column_number, column_pattern.findall(text)), default=0)
            if rows > max_rows or columns > max_columns:
                columns = max(columns, *map(column_number, _ANY_COLUMN.findall(text)), 0)
                raise Refused("extent", rows=rows, columns=columns, max_rows=max_rows, max_columns=max_columns)
            tail = text[-32:]  # a reference cut in two by the chunk boundary is whole in the next text


def read_workbook(data: bytes, limits: dict[str, int]) -> Rows:
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise Refused("not_workbook") from exc
        with archive:
            check_container(archive, limits)
            try:
                path = first_sheet_path(archive)
                if path is not None:
                    check_extent(archive, path, limits)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
                raise Refused("not_workbook") from exc  # a damaged member, or a compression zipfile cannot read
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except MemoryError:
        raise
    except Exception as exc:  # calamine raises several kinds for a file that is not a workbook
        raise Refused("not_workbook") from exc
    height, width = sheet.total_height, sheet.total_width
    if height > limits["max_rows"] or width > limits["max_columns"]:
        raise Refused("extent", rows=height, columns=width, max_rows=limits["max_rows"],
                      max_columns=limits["max_columns"])
    return [(number, list(row)) for number, row in enumerate(sheet.to_python(skip_empty_area=False), start=1)]


# Text files -----------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without the BOM Excel writes), then GB18030 (which covers GBK exports of Chinese Excel);
    UTF-16 when it starts with a byte-order mark. None when no encoding gives plausible text."""
    candidates = ["utf-16"] if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ["utf-8-sig",
                                                                                                  "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # UTF-16 without a BOM "decodes" as GB18030 full of NULs; random bytes give control characters.
        if "\x00" in text or any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
            continue
        return text
    return None


def read_text(data: bytes, limits: dict[str, int]) -> Rows:
    text = decode_text(data)
    if text is None:
        raise Refused("encoding")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    csv.field_size_limit(1 << 20)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: Rows = []
    try:
        for row in reader:
            if len(row) > limits["max_columns"]:
                raise Refused("extent", rows=reader.line_num, columns=len(row), max_rows=limits["max_rows"],
                              max_columns=limits["max_columns"])
            # The line the record ends on, which is the row Excel shows unless a quoted cell spans lines.
            rows.append((reader.line_num, row))
            if len(rows) > limits["max_rows"]:
                raise Refused("rows", rows=len(rows), max_rows=limits["max_rows"])
    except csv.Error as exc:
        raise Refused("not_text") from exc
    return rows


def main() -> None:
    limits = json.loads(sys.argv[1])
    kind = sys.argv[2]
    limit_self(limits)
    out = sys.stdout.buffer
    data = b""
    try:
        data = sys.stdin.buffer.read(limits["max_bytes"] + 1)
        if len(data) > limits["max_bytes"]:
            raise Refused("bytes", size=len(data), limit=limits["max_bytes"])
        rows = read_workbook(data, limits) if kind == "workbook" else read_text(data, limits)
        answer: tuple[Any, ...] = ("ok", rows)
    except Refused as refused:
        answer = ("error", refused.code, refused.params)
    except MemoryError:
        answer = ("error", "memory", {})
    del data
    try:
        payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        payload = pickle.dumps(("error", "memory", {}))
    out.write(payload)
    out.flush()


if __name__ == "__main__":
    main()
