"""Reading an owners' roll from the property company's or the housing office's spreadsheet (.xlsx or .csv).

The file is read by :func:`shequ.core.spreadsheets.read_table` (a contained child process with limits on size,
rows and memory) and every row is checked before anything is written (:func:`shequ.sites.actions.roll.import_roll`):
if one row is wrong, nothing is written and the error lists each wrong row by its number in the spreadsheet, as the
registry's and the library's imports do (``Invalid.details`` is ``[(row, message), ...]``).

One row per unit: building, room, owner, ID number, registered area (m², at most two decimals); a unit still held
by the developer says 开发商 (or "developer") in the developer column, or as its owner, and needs no ID number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from shequ.core import crypto, idnumbers, spreadsheets
from shequ.core.errors import Invalid

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000  # units of one compound; the largest Shanghai compounds have a few thousand
READ_LIMITS = spreadsheets.with_limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS + 100, max_columns=50)
MAX_AREA = Decimal("100000")

COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("楼号", "幢号", "building"),
    "room": ("室号", "房号", "room"),
    "owner": ("业主", "业主姓名", "权利人", "owner"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "id number", "id_number"),
    "area": ("建筑面积", "专有部分面积", "登记面积", "面积", "area"),
    "developer": ("开发商", "开发商未售", "developer"),
}
REQUIRED = ("building", "room", "owner", "area")
TEMPLATE_HEADERS = [names[0] for names in COLUMNS.values()]
_ALIASES = {alias.lower(): field for field, names in COLUMNS.items() for alias in names}
_DEVELOPER_WORDS = {"开发商", "developer", "是", "yes", "y", "1", "true", "√"}


@dataclass(frozen=True)
class RollRow:
    number: int
    building: str
    room: str
    owner: str
    id_number: str  # normalised; "" for the developer
    area: Decimal
    is_developer: bool


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _area(value: Any) -> Decimal:
    # A float cell is read through its shortest repr (88.5 -> "88.5"), never its binary expansion.
    try:
        area = Decimal(repr(value)) if isinstance(value, float) else Decimal(_text(value))
    except InvalidOperation as exc:
        raise ValueError(_("The area must be a number of square metres.")) from exc
    if not area.is_finite() or area <= 0 or area > MAX_AREA:
        raise ValueError(_("The area must be a positive number of square metres."))
    if area != area.quantize(Decimal("0.01")):
        raise ValueError(_("The area has at most two decimal places."))
    return area.quantize(Decimal("0.01"))


def _id_number(text: str) -> str:
    value = idnumbers.normalize(text)
    if len(value) == 18:
        return idnumbers.parse(value).value  # a resident ID card: its check digit must be right
    if not (6 <= len(value) <= 30 and value.isalnum()):
        raise ValueError(_("The ID number is not one of a resident ID card, a passport or a permit."))
    return value


def check_row(number: int, values: dict[str, str], raw_area: Any) -> tuple[RollRow | None, list[str]]:
    errors: list[str] = []
    for name in REQUIRED:
        if not values.get(name):
            errors.append(_("%(column)s is required.") % {"column": COLUMNS[name][0]})
    developer = values.get("developer", "").lower() in _DEVELOPER_WORDS or values.get("owner") in ("开发商",
                                                                                                  "developer")
    id_number = ""
    if not developer:
        if not values.get("id_number"):
            errors.append(_("%(column)s is required.") % {"column": COLUMNS["id_number"][0]})
        else:
            try:
                id_number = _id_number(values["id_number"])
            except ValueError as exc:
                errors.append(f"{COLUMNS['id_number'][0]} {crypto.mask_id_number(values['id_number'])}: {exc}")
    area = Decimal(0)
    if values.get("area"):
        try:
            area = _area(raw_area)
        except ValueError as exc:
            errors.append(f"{COLUMNS['area'][0]}: {exc}")
    if errors:
        return None, errors
    return RollRow(number, values["building"], values["room"], values["owner"][:100], id_number, area,
                   developer), []


def read_rows(data: bytes, filename: str) -> tuple[list[RollRow], list[tuple[int, str]]]:
    """The rows of the file and the errors found in them, each as ``(row number, message)``."""
    if len(data) > MAX_BYTES:
        raise Invalid(_("The file is larger than %(mb)d MB; split it into smaller files.")
                      % {"mb": MAX_BYTES // (1024 * 1024)}, field="file")
    try:
        table = spreadsheets.read_table(data, filename, limits=READ_LIMITS)
    except spreadsheets.SpreadsheetError as exc:
        raise Invalid(exc.message, field="file") from exc
    positions: dict[str, int] | None = None
    rows: list[RollRow] = []
    errors: list[tuple[int, str]] = []
    for number, cells in table:
        texts = [_text(cell) for cell in cells]
        if not any(texts):
            continue
        if positions is None:
            positions = {_ALIASES[t.lower()]: i for i, t in enumerate(texts) if t.lower() in _ALIASES}
            missing = [COLUMNS[f][0] for f in REQUIRED if f not in positions]
            if missing:
                raise Invalid(_("The first row must name the columns; missing: %(columns)s")
                              % {"columns": ", ".join(missing)}, field="file")
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            raise Invalid(_("The file has more than %(n)d rows.") % {"n": MAX_ROWS}, field="file")
        values = {f: (texts[i] if i < len(texts) else "") for f, i in positions.items()}
        raw_area = cells[positions["area"]] if positions["area"] < len(cells) else ""
        row, row_errors = check_row(number, values, raw_area)
        errors.extend((number, message) for message in row_errors)
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        raise Invalid(_("The file has no rows to import."), field="file")
    return rows, errors
