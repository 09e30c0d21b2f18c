"""The device registry: registering, changing and decommissioning devices, their import, and each device's secret.

Each action is keyword-only with an ``actor``, one transaction, and writes its audit row. A device is placed in
the organisation tree (sub-district, neighborhood, and usually a compound, building and entrance, or a dwelling
for a home sensor) inside the actor's own area: a committee worker registers devices of her neighborhood's
compounds, an administrator anywhere in the sub-district.

A device's secret (for MQTT and the HTTP ingest alike) is made by :func:`issue_secret`, returned once, and kept
only as its Mosquitto-format hash (:mod:`shequ.safety.secrets`); :func:`export_mqtt_passwords` writes the
broker's password file from those hashes, so the broker and the HTTP ingest check the same secret.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core import queries as core_queries
from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import Building, Compound, Dwelling, Neighborhood, User
from shequ.core.scopes import can, get_visible, level_of
from shequ.safety import secrets
from shequ.safety.choices import DEFAULT_HEARTBEAT_SECONDS, HOME_SENSOR_KINDS, Availability, DeviceKind
from shequ.safety.models import Device
from shequ.safety.validators import validate_device_code, validate_gb28181

DEVICE_REGISTERED = "safety.device_registered"
DEVICE_CHANGED = "safety.device_changed"
DEVICE_DECOMMISSIONED = "safety.device_decommissioned"
DEVICE_REINSTATED = "safety.device_reinstated"
SECRET_ISSUED = "safety.device_secret_issued"  # noqa: S105 (an audit event's name)
SECRET_REVOKED = "safety.device_secret_revoked"  # noqa: S105 (an audit event's name)
DEVICES_IMPORTED = "safety.devices_imported"
MQTT_PASSWORDS_EXPORTED = "safety.mqtt_passwords_exported"

# MQTT keepalive is at least 15 s (Home Assistant's minimum); a day is the longest a sensor may stay silent.
MIN_HEARTBEAT_SECONDS = 15
MAX_HEARTBEAT_SECONDS = 86400

# The fields update_device may change; the code is the device's broker user name and topic, and never changes
# (decommission the device and register the new code instead).
CHANGEABLE = ("kind", "name", "compound", "neighborhood", "building", "room", "entrance", "location",
              "manufacturer", "model", "firmware_version", "serial_number", "hardware_id", "accepts_pin",
              "accepts_qr", "heartbeat_seconds", "installed_on")
_TEXT_LIMITS = {"name": 100, "entrance": 30, "location": 100, "manufacturer": 60, "model": 60,
                "firmware_version": 40, "serial_number": 60, "hardware_id": 60}


def _require(actor: User, action: str) -> None:
    if getattr(actor, "is_resident", True) or not can(actor, Device, action):
        raise NotFound()


def clean_code(kind: str, code: str) -> str:
    """A device's code as its kind needs it: a camera's is its GB/T 28181 ID, any other a topic-safe code."""
    return validate_gb28181(code) if kind == DeviceKind.CAMERA else validate_device_code(code)


def find_compound(actor: User, name: str) -> Compound:
    """A compound of the actor's area by its name (as a spreadsheet gives it)."""
    found = core_queries.compounds(actor).filter(name=name.strip()).first()
    if found is None:
        raise Invalid(_("No compound called “%(name)s” in your area.") % {"name": name.strip()}, field="compound")
    return found


def find_neighborhood(actor: User, name: str) -> Neighborhood:
    found = core_queries.neighborhoods(actor).filter(name=name.strip()).first()
    if found is None:
        raise Invalid(_("No neighborhood called “%(name)s” in your area.") % {"name": name.strip()},
                      field="neighborhood")
    return found


def _place(actor: User, *, kind: str, compound: Compound | None, neighborhood: Neighborhood | None,
           building: str, room: str) -> dict[str, Any]:
    """Where the device stands, checked against the actor's area: the row's tree columns."""
    if compound is not None:
        if not core_queries.compounds(actor).filter(pk=compound.pk).exists():
            raise Invalid(_("This compound is not in your area."), field="compound")
        if neighborhood is not None and neighborhood.pk != compound.neighborhood_id:
            raise Invalid(_("The compound is not in that neighborhood."), field="neighborhood")
        neighborhood = compound.neighborhood
    elif neighborhood is None or level_of(actor) == "compound":
        # Staff of one compound (the property company) place devices in it, never beside it.
        raise Invalid(_("Say where the device is: its compound, or at least its neighborhood."), field="compound")
    elif not core_queries.neighborhoods(actor).filter(pk=neighborhood.pk).exists():
        raise Invalid(_("This neighborhood is not in your area."), field="neighborhood")
    found_building: Building | None = None
    dwelling: Dwelling | None = None
    building, room = (building or "").strip(), (room or "").strip()
    if building:
        if compound is None:
            raise Invalid(_("Name the compound the building is in."), field="compound")
        found_building = Building.objects.filter(compound=compound, number=building).first()
        if found_building is None:
            raise Invalid(_("%(compound)s has no building %(building)s.")
                          % {"compound": compound.name, "building": building}, field="building")
    if room:
        if found_building is None:
            raise Invalid(_("Name the building the room is in."), field="building")
        dwelling = Dwelling.objects.filter(building=found_building, room=room).first()
        if dwelling is None:
            raise Invalid(_("%(building)s has no room %(room)s.") % {"building": found_building, "room": room},
                          field="room")
    if kind in HOME_SENSOR_KINDS and dwelling is None:
        raise Invalid(_("A sensor in a home needs its building and room."), field="room")
    return {"subdistrict_id": neighborhood.subdistrict_id, "neighborhood": neighborhood, "compound": compound,
            "building": found_building, "dwelling": dwelling}


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The descriptive fields, stripped and within their lengths; heartbeat and options checked."""
    cleaned: dict[str, Any] = {}
    for name, limit in _TEXT_LIMITS.items():
        if name in fields:
            value = str(fields[name] or "").strip()
            if len(value) > limit:
                raise Invalid(_("At most %(n)d characters.") % {"n": limit}, field=name)
            cleaned[name] = value
    if "name" in cleaned and not cleaned["name"]:
        raise Invalid(_("A device needs a name staff will recognise, such as 华山小区1号楼1单元."), field="name")
    if fields.get("heartbeat_seconds") is not None:
        beat = fields["heartbeat_seconds"]
        if not isinstance(beat, int) or not MIN_HEARTBEAT_SECONDS <= beat <= MAX_HEARTBEAT_SECONDS:
            raise Invalid(_("The heartbeat is between %(min)d and %(max)d seconds.")
                          % {"min": MIN_HEARTBEAT_SECONDS, "max": MAX_HEARTBEAT_SECONDS}, field="heartbeat_seconds")
        cleaned["heartbeat_seconds"] = beat
    for flag in ("accepts_pin", "accepts_qr"):
        if flag in fields:
            cleaned[flag] = bool(fields[flag])
    if "installed_on" in fields:
        installed = fields["installed_on"]
        if installed is not None and (not isinstance(installed, dt.date)
                                      or installed > timezone.localdate() + dt.timedelta(days=366)):
            raise Invalid(_("The installation date is not plausible."), field="installed_on")
        cleaned["installed_on"] = installed
    return cleaned


def _check_kind(kind: str, cleaned: dict[str, Any]) -> None:
    if kind not in DeviceKind.values:
        raise Invalid(_("Unknown kind of device: %(kind)s") % {"kind": kind}, field="kind")
    if kind != DeviceKind.DOOR and (cleaned.get("accepts_pin") or cleaned.get("accepts_qr")):
        raise Invalid(_("Only a door takes a PIN or a QR code."), field="accepts_pin")


def snapshot(device: Device) -> dict[str, Any]:
    """What the audit log keeps of a device (never its secret or its hash)."""
    return {"kind": device.kind, "code": device.code, "name": device.name, "neighborhood": device.neighborhood_id,
            "compound": device.compound_id, "building": device.building_id, "dwelling": device.dwelling_id,
            "entrance": device.entrance, "location": device.location, "manufacturer": device.manufacturer,
            "model": device.model, "firmware_version": device.firmware_version,
            "serial_number": device.serial_number, "hardware_id": device.hardware_id,
            "accepts_pin": device.accepts_pin, "accepts_qr": device.accepts_qr,
            "heartbeat_seconds": device.heartbeat_seconds, "installed_on": device.installed_on,
            "active": device.active}


def _register(*, actor: User, kind: str, code: str, name: str, compound: Compound | None = None,
              neighborhood: Neighborhood | None = None, building: str = "", room: str = "",
              heartbeat_seconds: int | None = None, **fields: Any) -> Device:
    unknown = set(fields) - set(CHANGEABLE)
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    cleaned = _clean_fields({"name": name, "heartbeat_seconds": heartbeat_seconds, **fields})
    _check_kind(kind, cleaned)
    code = clean_code(kind, code)
    place = _place(actor, kind=kind, compound=compound, neighborhood=neighborhood, building=building, room=room)
    if Device.objects.filter(subdistrict_id=place["subdistrict_id"], code=code).exists():
        raise Conflict(_("Device ID %(code)s is already registered.") % {"code": code}, field="code")
    cleaned.setdefault("heartbeat_seconds", DEFAULT_HEARTBEAT_SECONDS[DeviceKind(kind)])
    device = Device.objects.create(kind=kind, code=code, **place, **cleaned)
    audit.record(actor=actor, event=DEVICE_REGISTERED, obj=device, after=snapshot(device))
    return device


@transaction.atomic(durable=True)
def register_device(*, actor: User, kind: str, code: str, name: str, compound: Compound | None = None,
                    neighborhood: Neighborhood | None = None, building: str = "", room: str = "",
                    heartbeat_seconds: int | None = None, **fields: Any) -> Device:
    """A new device of the actor's area, not yet heard from and without a secret (see :func:`issue_secret`)."""
    _require(actor, "add")
    return _register(actor=actor, kind=kind, code=code, name=name, compound=compound, neighborhood=neighborhood,
                     building=building, room=room, heartbeat_seconds=heartbeat_seconds, **fields)


@transaction.atomic(durable=True)
def update_device(*, actor: User, device: Device, reason: str = "", **fields: Any) -> Device:
    """Change what the registry says of a device; its code stays (it is the device's broker identity)."""
    _require(actor, "change")
    device = get_visible(Device.objects.select_for_update(), actor, "change", pk=device.pk)
    if "code" in fields and str(fields.pop("code") or "").strip() != device.code:
        raise Invalid(_("A device keeps its ID: decommission it and register the new ID instead."), field="code")
    unknown = set(fields) - set(CHANGEABLE)
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    before = snapshot(device)
    cleaned = _clean_fields(fields)
    kind = fields.get("kind", device.kind)
    _check_kind(kind, {"accepts_pin": cleaned.get("accepts_pin", device.accepts_pin),
                       "accepts_qr": cleaned.get("accepts_qr", device.accepts_qr)})
    if kind != device.kind:
        clean_code(kind, device.code)
        device.kind = kind
    if {"compound", "neighborhood", "building", "room"} & set(fields):
        place = _place(
            actor, kind=kind, compound=fields.get("compound", device.compound),
            neighborhood=fields.get("neighborhood", device.neighborhood if "compound" not in fields else None),
            building=fields.get("building", device.building.number if device.building else ""),
            room=fields.get("room", device.dwelling.room if device.dwelling else ""))
        place.pop("subdistrict_id")
        cleaned.update(place)
    elif kind in HOME_SENSOR_KINDS and device.dwelling_id is None:
        raise Invalid(_("A sensor in a home needs its building and room."), field="room")
    for name, value in cleaned.items():
        setattr(device, name, value)
    device.save()
    old, new = audit.changes(before, snapshot(device))
    if new:
        audit.record(actor=actor, event=DEVICE_CHANGED, obj=device, before=old, after=new, reason=reason.strip())
    return device


def _revoke(device: Device, now: dt.datetime) -> bool:
    if not device.secret_hash:
        return False
    device.secret_hash = ""
    device.secret_revoked_at = now
    return True


@transaction.atomic(durable=True)
def decommission_device(*, actor: User, device: Device, reason: str) -> Device:
    """Take a device out of service: it is kept with its events, and its secret stops working at once."""
    _require(actor, "change")
    device = get_visible(Device.objects.select_for_update(), actor, "change", pk=device.pk)
    if not reason.strip():
        raise Invalid(_("Say why the device is taken out of service."), field="reason")
    if not device.active:
        raise Conflict(_("The device is already out of service."))
    revoked = _revoke(device, timezone.now())
    device.active = False
    device.save(update_fields=["active", "secret_hash", "secret_revoked_at", "updated_at"])
    audit.record(actor=actor, event=DEVICE_DECOMMISSIONED, obj=device, before={"active": True},
                 after={"active": False, "secret_revoked": revoked}, reason=reason.strip())
    return device


@transaction.atomic(durable=True)
def reinstate_device(*, actor: User, device: Device, reason: str = "") -> Device:
    """Back in service, not yet heard from again; it needs a new secret before it may connect, and a door is sent its
    building's credentials when it first reports (see the ingest)."""
    _require(actor, "change")
    device = get_visible(Device.objects.select_for_update(), actor, "change", pk=device.pk)
    if device.active:
        raise Conflict(_("The device is in service."))
    device.active = True
    device.availability = Availability.UNKNOWN
    device.availability_changed_at = timezone.now()
    device.save(update_fields=["active", "availability", "availability_changed_at", "updated_at"])
    audit.record(actor=actor, event=DEVICE_REINSTATED, obj=device, before={"active": False}, after={"active": True},
                 reason=reason.strip())
    return device


@transaction.atomic(durable=True)
def issue_secret(*, actor: User, device: Device) -> tuple[Device, str]:
    """A new secret for the device, returned this once (the platform keeps only its hash); any old one stops
    working. The secret goes into the device's configuration and, through the password file, to the broker."""
    _require(actor, "change")
    device = get_visible(Device.objects.select_for_update(), actor, "change", pk=device.pk)
    if not device.active:
        raise Conflict(_("The device is out of service; reinstate it first."))
    replaced = bool(device.secret_hash)
    secret = secrets.new_secret()
    device.secret_hash = secrets.hash_secret(secret)
    device.secret_issued_at = timezone.now()
    device.secret_revoked_at = None
    device.save(update_fields=["secret_hash", "secret_issued_at", "secret_revoked_at", "updated_at"])
    audit.record(actor=actor, event=SECRET_ISSUED, obj=device, after={"replaced": replaced})
    return device, secret


@transaction.atomic(durable=True)
def revoke_secret(*, actor: User, device: Device, reason: str = "") -> Device:
    """The device's secret stops working (a stolen controller, a leaked configuration)."""
    _require(actor, "change")
    device = get_visible(Device.objects.select_for_update(), actor, "change", pk=device.pk)
    if not _revoke(device, timezone.now()):
        raise Conflict(_("The device has no secret to revoke."))
    device.save(update_fields=["secret_hash", "secret_revoked_at", "updated_at"])
    audit.record(actor=actor, event=SECRET_REVOKED, obj=device, reason=reason.strip())
    return device


@transaction.atomic(durable=True)
def import_devices(*, actor: User, rows: list[dict[str, Any]], filename: str = "",
                   row_errors: list[tuple[int, str]] | None = None) -> int:
    """Devices from spreadsheet rows (parsed by :mod:`shequ.safety.importing`): every row or none. Row errors are
    raised together as an Invalid whose ``details`` are ``[(row number, message), ...]``, with the rows the reader
    could not parse (``row_errors``), so the clerk sees every problem of the file at once."""
    _require(actor, "import")
    _require(actor, "add")
    errors: list[tuple[int, str]] = list(row_errors or [])
    created = 0
    for row in rows:
        fields = {key: value for key, value in row.items() if key != "row"}
        try:
            with transaction.atomic():
                compound_name = fields.pop("compound", "")
                neighborhood_name = fields.pop("neighborhood", "")
                compound = find_compound(actor, compound_name) if compound_name else None
                neighborhood = find_neighborhood(actor, neighborhood_name) if neighborhood_name else None
                _register(actor=actor, compound=compound, neighborhood=neighborhood, **fields)
                created += 1
        except (Invalid, Conflict) as error:
            errors.append((row["row"], str(error.message)))
    if errors:
        raise Invalid(_("%(n)d rows have errors; nothing was imported.") % {"n": len(errors)},
                      details=sorted(errors))
    audit.record(actor=actor, event=DEVICES_IMPORTED, after={"devices": created, "rows": len(rows)},
                 reason=filename)
    return created


def _service_account() -> str | None:
    """The platform's own broker account (the user and password of SHEQU_MQTT_URL), as a password-file line."""
    from shequ.safety.commands import broker_address

    if not settings.MQTT_URL:
        return None
    try:
        _host, _port, username, password = broker_address()
    except ValueError:
        return None
    if not username or password is None:
        return None
    return f"{username}:{secrets.hash_secret(password)}"


@transaction.atomic(durable=True)
def export_mqtt_passwords(*, actor: User) -> str:
    """Mosquitto's password file for the actor's sub-district: one ``<device ID>:<hash>`` line per device in
    service with a secret, and the platform's own account when SHEQU_MQTT_URL names one. Only a sub-district
    administrator's area covers every device the broker serves, so only she may write it."""
    _require(actor, "change")
    if level_of(actor) != "subdistrict" or actor.subdistrict_id is None:
        raise Forbidden(_("Only a sub-district administrator writes the broker's password file."))
    lines = [f"{code}:{hashed}" for code, hashed in
             Device.objects.filter(subdistrict_id=actor.subdistrict_id, active=True).exclude(secret_hash="")
             .order_by("code").values_list("code", "secret_hash")]
    devices = len(lines)
    service = _service_account()
    if service is not None:
        lines.append(service)
    audit.record(actor=actor, event=MQTT_PASSWORDS_EXPORTED,
                 after={"devices": devices, "service_account": service is not None})
    return "".join(f"{line}\n" for line in lines)
