"""Device import from a spreadsheet (.xlsx) and the matching export: one row per device, Chinese headers.

The export writes the same columns the import reads, so a clerk can export, correct and import into another
installation. All rows are imported or none (see :func:`shequ.safety.actions.devices.import_devices`); the
task page lists every row in error. The file is read in a contained child process (:mod:`shequ.core.spreadsheets`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import spreadsheets
from shequ.core.actions import TaskProgress, task_payload
from shequ.core.errors import Invalid
from shequ.core.models import Task, User
from shequ.safety.actions import devices as actions
from shequ.safety.choices import DeviceKind
from shequ.safety.models import Device

MAX_BYTES = 5 * 1024 * 1024
READ_LIMITS = spreadsheets.with_limits(max_bytes=MAX_BYTES, max_rows=20_000, max_columns=60)
ERRORS_KEPT = 500
# field -> accepted headers; the first is what the template and the export write.
COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("类型", "kind", "设备类型"),
    "code": ("设备编号", "code", "device id", "设备ID", "国标编码"),
    "name": ("名称", "name", "设备名称"),
    "neighborhood": ("居民区", "neighborhood"),
    "compound": ("小区", "compound"),
    "building": ("楼号", "building", "楼栋"),
    "entrance": ("单元", "entrance", "出入口"),
    "room": ("室号", "room"),
    "location": ("位置", "location"),
    "manufacturer": ("厂商", "manufacturer", "制造商"),
    "model": ("型号", "model"),
    "firmware_version": ("固件版本", "firmware", "firmware_version"),
    "serial_number": ("序列号", "serial", "serial_number"),
    "hardware_id": ("硬件ID", "hardware_id", "hardware id"),
    "heartbeat_seconds": ("心跳秒数", "heartbeat", "heartbeat_seconds"),
    "accepts_pin": ("支持密码", "accepts_pin", "pin"),
    "accepts_qr": ("支持二维码", "accepts_qr", "qr"),
    "installed_on": ("安装日期", "installed_on", "installed"),
}
TEMPLATE_HEADERS = [names[0] for names in COLUMNS.values()]
REQUIRED = ("kind", "code", "name")
_ALIASES = {alias.lower(): field for field, names in COLUMNS.items() for alias in names}
# A kind may be written as its code, its Chinese label, or a short word clerks use.
KIND_WORDS: dict[str, str] = {
    "门禁": DeviceKind.DOOR, "门": DeviceKind.DOOR, "电控防盗门": DeviceKind.DOOR,
    "摄像机": DeviceKind.CAMERA, "摄像头": DeviceKind.CAMERA, "监控探头": DeviceKind.CAMERA,
    "无线接入点": DeviceKind.ACCESS_POINT, "ap": DeviceKind.ACCESS_POINT,
    "智能水表": DeviceKind.WATER_METER, "水表": DeviceKind.WATER_METER,
    "门磁": DeviceKind.DOOR_SENSOR, "红外": DeviceKind.MOTION_SENSOR, "红外人体感应": DeviceKind.MOTION_SENSOR,
    "烟感": DeviceKind.SMOKE_ALARM, "烟雾报警器": DeviceKind.SMOKE_ALARM,
    "一键呼叫": DeviceKind.CALL_BUTTON, "呼叫按钮": DeviceKind.CALL_BUTTON,
}
YES = frozenset({"是", "y", "yes", "true", "1", "√", "✓"})
NO = frozenset({"", "否", "n", "no", "false", "0"})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def kind_of(text: str) -> str:
    """The kind a cell names: ``door``, ``门禁``, ``Camera``, ``摄像机`` …; Invalid for anything else."""
    lowered = text.strip().lower()
    if lowered in DeviceKind.values:
        return lowered
    for kind in DeviceKind:
        if lowered == str(kind.label).lower():
            return kind.value
    if lowered in KIND_WORDS:
        return KIND_WORDS[lowered]
    raise Invalid(_("Unknown kind of device: “%(kind)s” (for example 门禁, 摄像机, 无线接入点).") % {"kind": text},
                  field="kind")


def _flag(text: str, field: str) -> bool:
    lowered = text.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise Invalid(_("Write 是 or 否, not “%(value)s”.") % {"value": text}, field=field)


def _row(number: int, cells: dict[str, str]) -> dict[str, Any]:
    """One device's fields from its cells; an Invalid names what is wrong in the row."""
    row: dict[str, Any] = {"row": number}
    for field, text in cells.items():
        row[field] = text
    row["kind"] = kind_of(cells.get("kind", ""))
    beat = cells.get("heartbeat_seconds", "")
    if beat and not (beat.isascii() and beat.isdigit() and len(beat) < 7):
        raise Invalid(_("The heartbeat is a whole number of seconds, not “%(value)s”.") % {"value": beat},
                      field="heartbeat_seconds")
    row["heartbeat_seconds"] = int(beat) if beat else None
    for flag in ("accepts_pin", "accepts_qr"):
        row[flag] = _flag(cells.get(flag, ""), flag)
    installed = cells.get("installed_on", "")
    try:
        row["installed_on"] = dt.date.fromisoformat(installed[:10]) if installed else None
    except ValueError:
        raise Invalid(_("The installation date is written 2026-05-01, not “%(value)s”.") % {"value": installed},
                      field="installed_on") from None
    return row


def read_rows(data: bytes, filename: str = "devices.xlsx") -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """The devices of a workbook and the rows that could not even be read, in a contained child process."""
    try:
        table = spreadsheets.read_table(data, filename, limits=READ_LIMITS, kind="workbook")
    except spreadsheets.SpreadsheetError as exc:
        raise Invalid(exc.message, field="file") from exc
    rows: list[dict[str, Any]] = []
    errors: list[tuple[int, str]] = []
    positions: dict[str, int] | None = None
    for number, raw in table:
        texts = [_text(cell) for cell in raw]
        if not any(texts):
            continue
        if positions is None:
            positions = {}
            for index, text in enumerate(texts):
                field = _ALIASES.get(text.lower())
                if field is not None and field not in positions:
                    positions[field] = index
            missing = [COLUMNS[field][0] for field in REQUIRED if field not in positions]
            if missing:
                raise Invalid(_("The first row must name the columns; missing: %(columns)s")
                              % {"columns": ", ".join(missing)}, field="file")
            continue
        cells = {field: texts[index] if index < len(texts) else "" for field, index in positions.items()}
        try:
            rows.append(_row(number, cells))
        except Invalid as error:
            errors.append((number, str(error.message)))
    if not rows and not errors:
        raise Invalid(_("The file has no rows to import."), field="file")
    return rows, errors


def _failed(filename: str, message: str, errors: list[tuple[int, str]]) -> dict[str, Any]:
    return {"ok": False, "filename": filename, "message": message,
            "errors": [[number, text] for number, text in errors][:ERRORS_KEPT], "error_count": len(errors)}


def import_report(*, actor: User, data: bytes, filename: str,
                  progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """What the background import shows on its task page: the devices imported, or why nothing was."""
    report = progress or (lambda stage, done, total: None)
    report("reading", 0, 0)
    if len(data) > MAX_BYTES:
        return _failed(filename, _("The file is larger than %(mb)d MB; split it into smaller files.")
                       % {"mb": MAX_BYTES // (1024 * 1024)}, [])
    try:
        rows, unreadable = read_rows(data, filename)
        report("writing", 0, len(rows))
        created = actions.import_devices(actor=actor, rows=rows, filename=filename, row_errors=unreadable)
    except Invalid as error:
        return _failed(filename, str(error.message), [(n, str(m)) for n, m in (error.details or [])])
    return {"ok": True, "filename": filename, "created": created, "rows": len(rows),
            "summary": _("%(n)d devices imported.") % {"n": created}}


def run_import(task: Task, progress: TaskProgress) -> dict[str, Any]:
    """The background task ``safety.import_devices``: the uploaded workbook, imported as the clerk who sent it."""
    return import_report(actor=task.created_by, data=task_payload(task), filename=task.params.get("filename", ""),
                         progress=progress)


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


EXPORT_EXTRA_HEADERS = ("在线状态", "最后联系", "在用")


def export_headers() -> list[str]:
    """The import's columns, then what only the platform knows (availability, last heard from, in service)."""
    return [*TEMPLATE_HEADERS, *EXPORT_EXTRA_HEADERS]


def export_rows(found: Iterable[Device]) -> Iterator[list[Any]]:
    """One row per device in the import's column order; never the secret or its hash."""
    for device in found:
        yield [device.get_kind_display(), device.code, device.name, device.neighborhood.name,
               device.compound.name if device.compound else "", device.building.number if device.building else "",
               device.entrance, device.dwelling.room if device.dwelling else "", device.location,
               device.manufacturer, device.model, device.firmware_version, device.serial_number,
               device.hardware_id, device.heartbeat_seconds, "是" if device.accepts_pin else "否",
               "是" if device.accepts_qr else "否",
               device.installed_on.isoformat() if device.installed_on else "",
               device.get_availability_display(), _local(device.last_seen_at), "是" if device.active else "否"]
