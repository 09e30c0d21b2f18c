"""The payload of a device event, one schema per :class:`~shequ.safety.choices.EventKind` (docs/devices.md).

Every event, over MQTT or HTTP, is one JSON object, the *envelope*::

    {"event_id": "…", "kind": "door.denied", "occurred_at": "2026-12-04T08:01:02+08:00", "data": {…}}

``event_id`` is the device's own id for the message (unique per device: a resend is recognised and ignored),
``occurred_at`` is when it happened by the device's clock, with its offset (or Unix seconds), and ``data``
is checked against the schema of ``kind`` below. The envelope refuses unknown keys (a misspelt ``eventid``
would otherwise pass as a missing one, less clearly); ``data`` keeps keys it does not know, because vendors
add fields with new firmware and a door's event must not go to the dead letters for an extra field.

Validation is pydantic (a runtime dependency already, for the FHIR API): its messages name the field and the
rule, which is the reason an administrator reads in the dead letters.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from shequ.safety.choices import DeadLetterReason, DeviceKind, EventKind

# A device's message is a few hundred bytes; a megabyte is a mistake or an attack, refused before parsing.
MAX_PAYLOAD_BYTES = 64 * 1024
# How far ahead of the platform's clock a device's clock may be before its times are not believed.
CLOCK_AHEAD = dt.timedelta(hours=1)

EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
Method = Literal["card", "pin", "qr", "face", "fingerprint", "remote"]


class PayloadError(Exception):
    """A message that cannot be accepted; ``reason`` says why in words an administrator reads."""

    def __init__(self, problem: DeadLetterReason, reason: str) -> None:
        self.problem = problem
        self.reason = reason
        super().__init__(reason)


class Data(BaseModel):
    """The base of every kind's data: keys it does not know are kept."""

    model_config = ConfigDict(extra="allow")


class Empty(Data):
    """Kinds whose event is the whole message (a door forced, motion seen)."""


class HeartbeatData(Data):
    uptime_s: int | None = Field(None, ge=0)
    buffered: int | None = Field(None, ge=0, description="records kept while the device was offline")


class FaultData(Data):
    code: str = Field(min_length=1, max_length=40)
    message: str = Field("", max_length=300)


class GrantedData(Data):
    credential: str = Field(min_length=1, max_length=64, description="card number or credential id")
    method: Method = "card"
    direction: Literal["in", "out", "unknown"] = "unknown"


class DeniedData(Data):
    reason: Literal["unknown_credential", "blocked", "revoked", "expired", "wrong_pin", "outside_schedule",
                    "passback", "locked_out"]
    credential: str = Field("", max_length=64)
    method: Method = "card"


class HeldOpenData(Data):
    seconds: int = Field(ge=1, le=86400)


class DuressData(Data):
    credential: str = Field("", max_length=64)


class BufferFullData(Data):
    percent: int = Field(ge=0, le=100)


class CameraData(Data):
    channel: int = Field(1, ge=1, le=256)


class AccessPointData(Data):
    clients: int = Field(ge=0, le=10000)
    uplink: Literal["up", "down"]
    ssid: str = Field("", max_length=32)


class WaterReadingData(Data):
    litres: float = Field(ge=0, description="the meter's total")
    flow_lpm: float | None = Field(None, ge=0)


class SmokeData(Data):
    level: Literal["alarm", "test"] = "alarm"


DATA_SCHEMAS: dict[str, type[Data]] = {
    EventKind.HEARTBEAT: HeartbeatData,
    EventKind.FAULT: FaultData,
    EventKind.DOOR_GRANTED: GrantedData,
    EventKind.DOOR_DENIED: DeniedData,
    EventKind.DOOR_FORCED: Empty,
    EventKind.DOOR_HELD_OPEN: HeldOpenData,
    EventKind.DOOR_CLOSED: Empty,
    EventKind.DOOR_TAMPER: Empty,
    EventKind.DOOR_DURESS: DuressData,
    EventKind.DOOR_BUFFER_FULL: BufferFullData,
    EventKind.CAMERA_VIDEO_LOST: CameraData,
    EventKind.CAMERA_VIDEO_RESTORED: CameraData,
    EventKind.CAMERA_TAMPER: CameraData,
    EventKind.AP_STATUS: AccessPointData,
    EventKind.WATER_READING: WaterReadingData,
    EventKind.DOOR_SENSOR_OPENED: Empty,
    EventKind.MOTION_DETECTED: Empty,
    EventKind.SMOKE_ALARM: SmokeData,
    EventKind.CALL_PRESSED: Empty,
}

# Which kinds each kind of device may send (every device may send heartbeats and faults).
_COMMON = frozenset({EventKind.HEARTBEAT, EventKind.FAULT})
KINDS_BY_DEVICE: dict[str, frozenset[str]] = {
    DeviceKind.DOOR: _COMMON | {k for k in EventKind if k.value.startswith("door.")},
    DeviceKind.CAMERA: _COMMON | {k for k in EventKind if k.value.startswith("camera.")},
    DeviceKind.ACCESS_POINT: _COMMON | {EventKind.AP_STATUS},
    DeviceKind.WATER_METER: _COMMON | {EventKind.WATER_READING},
    DeviceKind.DOOR_SENSOR: _COMMON | {EventKind.DOOR_SENSOR_OPENED},
    DeviceKind.MOTION_SENSOR: _COMMON | {EventKind.MOTION_DETECTED},
    DeviceKind.SMOKE_ALARM: _COMMON | {EventKind.SMOKE_ALARM},
    DeviceKind.CALL_BUTTON: _COMMON | {EventKind.CALL_PRESSED},
}


class Envelope(BaseModel):
    """What every event message is; ``data`` is checked by its kind's schema in :func:`parse_event`."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(pattern=EVENT_ID_PATTERN)
    kind: EventKind
    occurred_at: AwareDatetime
    data: dict[str, Any] = Field(default_factory=dict)


def _reason(error: ValidationError, prefix: str = "") -> str:
    """``field: message`` for each problem, on one line: what the dead-letter page shows."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        parts.append(f"{where}: {item['msg']}" if where else str(item["msg"]))
    return "; ".join(parts)


def decode(payload: bytes) -> Any:
    """The JSON in ``payload``, or :class:`PayloadError` saying why there is none."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError(DeadLetterReason.INVALID, f"payload of {len(payload)} bytes is over the "
                                                     f"{MAX_PAYLOAD_BYTES}-byte limit")
    try:
        return json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PayloadError(DeadLetterReason.NOT_JSON, f"not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise PayloadError(DeadLetterReason.NOT_JSON, f"not JSON: {exc.msg} (line {exc.lineno}, "
                                                      f"column {exc.colno})") from exc


def parse_event(payload: bytes, *, device_kind: str, now: dt.datetime) -> Envelope:
    """The event in ``payload`` with ``data`` replaced by its checked form, or :class:`PayloadError`."""
    raw = decode(payload)
    if b"\\u0000" in payload:  # a NUL character: no text column (PostgreSQL's json and text) can keep it
        raise PayloadError(DeadLetterReason.INVALID, "NUL characters (\\u0000) are not allowed")
    if not isinstance(raw, dict):
        raise PayloadError(DeadLetterReason.INVALID, f"an event is a JSON object, not {type(raw).__name__}")
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise PayloadError(DeadLetterReason.INVALID, _reason(exc)) from exc
    if envelope.kind not in KINDS_BY_DEVICE.get(device_kind, _COMMON):
        raise PayloadError(DeadLetterReason.WRONG_KIND,
                           f"kind: a {device_kind} device does not send {envelope.kind.value} events")
    if envelope.occurred_at > now + CLOCK_AHEAD:
        raise PayloadError(DeadLetterReason.INVALID, f"occurred_at: {envelope.occurred_at.isoformat()} is more "
                                                     "than an hour ahead of the platform's clock")
    try:
        data = DATA_SCHEMAS[envelope.kind].model_validate(envelope.data)
    except ValidationError as exc:
        raise PayloadError(DeadLetterReason.INVALID, _reason(exc, "data")) from exc
    envelope.data = data.model_dump(mode="json", exclude_none=True)
    return envelope


def parse_status(payload: bytes) -> bool:
    """Whether a ``status`` message (birth ``online`` / last will ``offline``) says the device is online."""
    text = payload.decode("utf-8", errors="replace").strip().strip('"').lower()
    if text in {"online", "offline"}:
        return text == "online"
    raise PayloadError(DeadLetterReason.INVALID, f"status: expected online or offline, not {text[:40]!r}")


def openapi_event() -> dict[str, Any]:
    """The envelope as an OpenAPI schema (for the HTTP ingest's request body)."""
    return {
        "type": "object",
        "required": ["event_id", "kind", "occurred_at"],
        "additionalProperties": False,
        "properties": {
            "event_id": {"type": "string", "pattern": EVENT_ID_PATTERN,
                         "description": "The device's id of this message; a resend with the same id is ignored."},
            "kind": {"type": "string", "enum": list(EventKind.values)},
            "occurred_at": {"type": "string", "format": "date-time"},
            "data": {"type": "object", "additionalProperties": True,
                     "description": "The kind's fields (docs/devices.md)."},
        },
    }
