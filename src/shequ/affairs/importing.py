"""Importing the service catalogue from a spreadsheet: every row checked, nothing written if any is wrong.

Columns (Chinese or English headers): 编码 code, 名称 name, 类别 category, 责任部门 department (its code or
name), 时限 time limit (a number), 时限单位 unit (工作日/小时), 所需材料 materials (separated by 、 or new lines),
应急 emergency (是/否), 说明 description, 关键词 keywords. A row whose code exists updates that service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.affairs import actions
from shequ.affairs.choices import SlaUnit
from shequ.affairs.models import Department, Service
from shequ.core import audit, spreadsheets
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import User
from shequ.core.scopes import can

MAX_ROWS = 2000
READ_LIMITS = spreadsheets.with_limits(max_bytes=5 * 1024 * 1024, max_rows=MAX_ROWS + 1000, max_columns=100)
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("编码", "事项编码", "code"),
    "name": ("名称", "事项名称", "name"),
    "category": ("类别", "分类", "category"),
    "department": ("责任部门", "部门", "department"),
    "sla_amount": ("时限", "办理时限", "time limit", "sla"),
    "sla_unit": ("时限单位", "单位", "unit"),
    "materials": ("所需材料", "材料", "materials"),
    "is_emergency": ("应急", "是否应急", "emergency"),
    "description": ("说明", "description"),
    "keywords": ("关键词", "keywords"),
}
REQUIRED = ("code", "name", "category", "department", "sla_amount")
_ALIASES = {alias.lower(): name for name, aliases in COLUMNS.items() for alias in aliases}
_UNITS = {"工作日": SlaUnit.WORKING_DAYS, "working days": SlaUnit.WORKING_DAYS, "": SlaUnit.WORKING_DAYS,
          "小时": SlaUnit.HOURS, "hours": SlaUnit.HOURS, **{value: value for value in SlaUnit.values}}
_YES = {"是", "y", "yes", "true", "1", "应急"}
_NO = {"否", "n", "no", "false", "0", ""}
_MATERIAL_SPLIT = re.compile(r"[、;；\n]+")


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    value: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(data: bytes) -> list[tuple[int, list[Any]]]:
    """The first sheet, read in a contained child process (see core.spreadsheets)."""
    try:
        return spreadsheets.read_table(data, "services.xlsx", limits=READ_LIMITS, kind="workbook")
    except spreadsheets.SpreadsheetError as exc:
        raise DomainError(exc.message) from exc


def import_services(*, actor: User, data: bytes, dry_run: bool = False) -> ImportResult:
    """Check every row; when all are right (and not ``dry_run``) create or update them all in one transaction."""
    if not (can(actor, Service, "import") and can(actor, Service, "add")):
        raise NotFound()
    result = ImportResult()
    try:
        table = [(n, cells) for n, cells in _rows(data) if any(_text(c) for c in cells)]
    except DomainError as exc:
        result.errors.append(RowError(None, "", "", str(exc.message)))
        return result
    if not table:
        result.errors.append(RowError(None, "", "", _("The file is empty.")))
        return result
    header_row, header = table[0]
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        name = _ALIASES.get(_text(cell).lower())
        if name and name not in positions:
            positions[name] = position
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in positions]
    for column in missing:
        result.errors.append(RowError(header_row, column, "", _("The required column %(column)s is missing.")
                                      % {"column": column}))
    if missing:
        return result
    if len(table) - 1 > MAX_ROWS:
        result.errors.append(RowError(None, "", "", _("The file has more than %(n)d rows.") % {"n": MAX_ROWS}))
        return result
    departments: dict[str, Department] = {}
    for known in Department.objects.filter(subdistrict_id=actor.subdistrict_id or 0, active=True):
        departments[known.code] = departments[known.name] = known
    clean: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, cells in table[1:]:
        values = {name: _text(cells[pos]) if pos < len(cells) else "" for name, pos in positions.items()}
        errors_before = len(result.errors)

        def error(column: str, message: str, values: dict[str, str] = values, number: int = number) -> None:
            result.errors.append(RowError(number, COLUMNS[column][0], values.get(column, ""), message))

        for name in REQUIRED:
            if not values.get(name):
                error(name, _("Required."))
        department = departments.get(values.get("department", ""))
        if values.get("department") and department is None:
            error("department", _("No such department."))
        amount = values.get("sla_amount", "")
        if amount and not (amount.isdigit() and int(amount) > 0):
            error("sla_amount", _("Must be a whole number above zero."))
        unit = _UNITS.get(values.get("sla_unit", "").lower())
        if unit is None:
            error("sla_unit", _("Write 工作日 or 小时."))
        emergency = values.get("is_emergency", "").lower()
        if emergency not in _YES | _NO:
            error("is_emergency", _("Write 是 or 否."))
        code = values.get("code", "")
        if code and not re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", code):
            error("code", _("Use letters, digits, - and _ only (at most 40)."))
        elif code in seen:
            error("code", _("The same code is on row %(row)d.") % {"row": seen[code]})
        seen.setdefault(code, number)
        if len(result.errors) == errors_before:
            clean.append((number, {
                "code": code, "name": values["name"][:100], "category": values["category"][:50],
                "department": department, "sla_amount": int(amount), "sla_unit": unit,
                "materials": "\n".join(m.strip() for m in _MATERIAL_SPLIT.split(values.get("materials", ""))
                                       if m.strip()),
                "is_emergency": emergency in _YES, "description": values.get("description", ""),
                "keywords": values.get("keywords", "")[:200],
            }))
    result.rows = len(table) - 1
    if result.errors or dry_run:
        return result
    with transaction.atomic(durable=True):
        existing = {s.code: s for s in Service.objects.filter(code__in=[row["code"] for _, row in clean])}
        for _number, row in clean:
            service = existing.get(row["code"])
            if service is not None and service.subdistrict_id != actor.subdistrict_id:
                raise NotFound()
            actions._save_service(actor, service, None, row)
            if service is None:
                result.created += 1
            else:
                result.updated += 1
        audit.record(actor=actor, event=actions.SERVICES_IMPORTED,
                     after={"created": result.created, "updated": result.updated})
    return result
