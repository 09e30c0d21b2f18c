"""Reading untrusted spreadsheets (.xlsx, .xls, .csv) with limits, in a child process that may crash alone.

Every importer reads an uploaded file through :func:`read_table`. A workbook is a zip of XML that a reader
trusts: a 4.8 KB .xlsx with one cell at XFD1048576 makes calamine allocate 550 GB and abort the whole
process, which would be a web worker or the task worker that also sends escalations and reminders. So the
file is handed to a short-lived child (:mod:`shequ.core.spreadsheet_child`) that limits its own memory and
CPU time before it reads a byte, refuses a container or a sheet beyond the limits before parsing it, and
sends the rows back. Whatever happens to the child (a refusal, MemoryError, abort, kill, timeout) reaches
the caller as one :class:`SpreadsheetError` with a message for the clerk; the caller never dies with it.

The child runs as a script by path with ``python -I`` (no environment-supplied import path, no user site):
it needs only python-calamine from the interpreter's own site-packages, works the same under pytest,
``shequ worker`` and Granian, and is started with ``subprocess`` (no fork of a threaded server process).
Its answer is unpickled with an allow-list of the value types a cell can hold, so even a child subverted
by a hostile file cannot make the parent run code.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from shequ.core.errors import DomainError

CHILD = Path(__file__).with_name("spreadsheet_child.py")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TEXT_SUFFIXES = (".csv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Rows = list[tuple[int, list[Any]]]  # (row number as the clerk's spreadsheet shows it, cells)


@dataclass(frozen=True)
class Limits:
    """What one upload may cost. Defaults fit a 100,000-row resident register with room to spare."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 110_000
    max_columns: int = 256
    max_members: int = 1000  # files inside an .xlsx zip
    max_unpacked_bytes: int = 400 * 1024 * 1024
    max_ratio: int = 200  # unpacked / packed size of one zip member
    memory_bytes: int = 2 * 1024 * 1024 * 1024  # address space of the child
    cpu_seconds: int = 120
    wall_seconds: int = 180


class SpreadsheetError(DomainError):
    """The file cannot be read within the limits; the message says why, for the clerk."""


class _CellValues(pickle.Unpickler):
    """Unpickles rows of cells: builtins plus the datetime types, nothing that could run code."""

    ALLOWED = {("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
               ("datetime", "timezone")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")
        return super().find_class(module, name)


def kind_of(data: bytes, filename: str) -> str:
    """``workbook`` or ``text``: by the name's suffix, else by the first bytes."""
    suffix = Path(filename).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return "workbook"
    if suffix in TEXT_SUFFIXES:
        return "text"
    return "workbook" if data.startswith((ZIP_MAGIC, OLE_MAGIC)) else "text"


def read_table(data: bytes, filename: str = "", *, limits: Limits | None = None, kind: str | None = None) -> Rows:
    """The first sheet of a workbook, or the rows of a CSV/tab-separated text, as ``(row number, cells)``.

    Cells are as the reader gives them: ``""`` for an empty cell, str, int, float, bool, date, datetime,
    time or timedelta in a workbook; str in a text file. Raises :class:`SpreadsheetError`.
    """
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(_("The file is larger than %(mb)d MB; split it into smaller files.")
                               % {"mb": limits.max_bytes // (1024 * 1024)}, field="file")
    kind = kind or kind_of(data, filename)
    answer = _run_child(data, kind, limits)
    if answer[0] == "ok":
        return list(answer[1])
    raise SpreadsheetError(_message(answer[1], answer[2], limits), field="file")


def _run_child(data: bytes, kind: str, limits: Limits) -> tuple[Any, ...]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_BACKTRACE": "0", "LANG": "C.UTF-8"}
    command = [sys.executable, "-I", str(CHILD), json.dumps(asdict(limits)), kind]
    try:
        child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # noqa: S603
                                 stderr=subprocess.PIPE, env=env, close_fds=True)
    except OSError as exc:
        raise SpreadsheetError(_("The file could not be read: the reader did not start.")) from exc
    try:
        out, err = child.communicate(data, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return ("error", "time", {})
    if child.returncode != 0:
        return ("error", _cause(child.returncode, err), {})
    try:
        answer = _CellValues(io.BytesIO(out)).load()
    except Exception:  # an answer cut short or not ours: the child did not finish its work
        return ("error", "crash", {})
    if not (isinstance(answer, tuple) and answer and answer[0] in ("ok", "error")):
        return ("error", "crash", {})
    return tuple(answer)


def _cause(returncode: int, err: bytes) -> str:
    """What stopped a child that gave no answer: memory (abort after a failed allocation), time, or other."""
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return "time" if returncode == -signal.SIGXCPU else "memory"
    if b"memory allocation" in err or b"MemoryError" in err or returncode == -signal.SIGABRT:
        return "memory"
    return "crash"


def _message(code: str, params: dict[str, Any], limits: Limits) -> str:
    def n(value: Any) -> str:
        return f"{int(value):,}"

    if code in ("declared", "extent"):
        template = (_("The file declares %(rows)s rows × %(columns)s columns; the limit is %(max_rows)s rows × "
                      "%(max_columns)s columns. Delete the empty rows and columns beyond the data, or split the "
                      "file.") if code == "declared" else
                    _("The sheet reaches %(rows)s rows × %(columns)s columns; the limit is %(max_rows)s rows × "
                      "%(max_columns)s columns. Delete the empty rows and columns beyond the data, or split the "
                      "file."))
        return template % {key: n(params.get(key, 0)) for key in ("rows", "columns", "max_rows", "max_columns")}
    if code == "rows":
        return _("The file has more than %(n)s rows; split it into smaller files.") % {"n": n(limits.max_rows)}
    if code == "bytes":
        return _("The file is larger than %(mb)d MB; split it into smaller files.") % {
            "mb": limits.max_bytes // (1024 * 1024)}
    if code in ("unpacked", "ratio", "members"):
        return _("The workbook unpacks to more than %(mb)s MB or is packed suspiciously tightly; it was not "
                 "read. Save it again from Excel, or split it.") % {"mb": n(limits.max_unpacked_bytes // 2**20)}
    if code == "encoding":
        return _("The text encoding of this CSV file cannot be read. In Excel, save it as \"CSV UTF-8\" or as an "
                 ".xlsx workbook and upload it again.")
    if code == "not_workbook":
        return _("This file is not an Excel workbook (.xlsx) that can be read.")
    if code == "not_text":
        return _("This file is not a CSV file that can be read.")
    if code == "memory":
        return _("Reading the file needed more than %(mb)s MB of memory, the limit; it was stopped. The file may "
                 "hold cells far beyond its data: delete the empty rows and columns, or split it.") % {
            "mb": n(limits.memory_bytes // 2**20)}
    if code == "time":
        return _("Reading the file took longer than %(s)s seconds, the limit; it was stopped. Split it into "
                 "smaller files.") % {"s": n(limits.wall_seconds)}
    return _("The file could not be read: the reader stopped unexpectedly. Save it again from Excel and upload "
             "it again.")


def with_limits(**changes: Any) -> Limits:
    """The default limits with some changed, for an importer whose files are smaller."""
    return replace(Limits(), **changes)
