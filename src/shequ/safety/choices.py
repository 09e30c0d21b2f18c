"""The fixed vocabularies of the safety app: device kinds, event kinds, alarms, incidents and credentials."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeviceKind(models.TextChoices):
    DOOR = "door", pgettext_lazy("device", "Door")
    CAMERA = "camera", _("Camera")
    ACCESS_POINT = "access_point", _("Wireless access point")
    # The four small sensors (四小件) of eldercare and its one-button call, placed in a dwelling.
    WATER_METER = "water_meter", _("Smart water meter")
    DOOR_SENSOR = "door_sensor", _("Door sensor")
    MOTION_SENSOR = "motion_sensor", _("Infrared motion sensor")
    SMOKE_ALARM = "smoke_alarm", _("Smoke alarm")
    CALL_BUTTON = "call_button", _("One-button call")


# Kinds that sit in a home and report on the person living there, not on a shared space.
HOME_SENSOR_KINDS = frozenset({DeviceKind.WATER_METER, DeviceKind.DOOR_SENSOR, DeviceKind.MOTION_SENSOR,
                               DeviceKind.SMOKE_ALARM, DeviceKind.CALL_BUTTON})

# How often a device of each kind is expected to say it is alive, in seconds, unless set on the device.
# Cameras: GB/T 28181 keepalive 60 s, offline after three missed; the others report at least every five minutes.
DEFAULT_HEARTBEAT_SECONDS = {
    DeviceKind.DOOR: 300,
    DeviceKind.CAMERA: 60,
    DeviceKind.ACCESS_POINT: 300,
    DeviceKind.WATER_METER: 3600,
    DeviceKind.DOOR_SENSOR: 3600,
    DeviceKind.MOTION_SENSOR: 3600,
    DeviceKind.SMOKE_ALARM: 3600,
    DeviceKind.CALL_BUTTON: 3600,
}


class Availability(models.TextChoices):
    UNKNOWN = "unknown", pgettext_lazy("device availability", "Not yet heard from")
    ONLINE = "online", pgettext_lazy("device availability", "Online")
    OFFLINE = "offline", pgettext_lazy("device availability", "Offline")


class EventSource(models.TextChoices):
    MQTT = "mqtt", "MQTT"
    HTTP = "http", "HTTP"
    REPLAY = "replay", _("Replayed from the dead letters")


class EventKind(models.TextChoices):
    """What a device reports; each kind has a payload schema in :mod:`shequ.safety.schemas`."""

    HEARTBEAT = "heartbeat", _("Heartbeat")
    FAULT = "fault", _("Device fault")
    DOOR_GRANTED = "door.granted", _("Access granted")
    DOOR_DENIED = "door.denied", _("Access denied")
    DOOR_FORCED = "door.forced", _("Door forced open")
    DOOR_HELD_OPEN = "door.held_open", _("Door held open too long")
    DOOR_CLOSED = "door.closed", _("Door closed")
    DOOR_TAMPER = "door.tamper", _("Door reader tampered with")
    DOOR_DURESS = "door.duress", _("Duress code used")
    DOOR_BUFFER_FULL = "door.buffer_full", _("Offline record buffer nearly full")
    CAMERA_VIDEO_LOST = "camera.video_lost", _("Camera signal lost")
    CAMERA_VIDEO_RESTORED = "camera.video_restored", _("Camera signal restored")
    CAMERA_TAMPER = "camera.tamper", _("Camera tampered with")
    AP_STATUS = "ap.status", _("Access point status")
    WATER_READING = "water.reading", _("Water meter reading")
    DOOR_SENSOR_OPENED = "door_sensor.opened", _("Door sensor: opened")
    MOTION_DETECTED = "motion.detected", _("Motion detected")
    SMOKE_ALARM = "smoke.alarm", _("Smoke detected")
    CALL_PRESSED = "call.pressed", _("One-button call pressed")


class DeadLetterStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("dead letter", "Waiting")
    REPLAYED = "replayed", pgettext_lazy("dead letter", "Replayed")
    DISCARDED = "discarded", pgettext_lazy("dead letter", "Discarded")


class DeadLetterReason(models.TextChoices):
    """Why the ingest refused a message (the full reason is in words beside it): what an administrator filters by."""

    UNKNOWN_TOPIC = "unknown_topic", _("Topic not in the platform's scheme")
    UNKNOWN_DEVICE = "unknown_device", _("Unknown device")
    DEVICE_REVOKED = "device_revoked", _("Device's secret revoked or device out of service")
    NOT_JSON = "not_json", _("Not JSON")
    INVALID = "invalid", _("Fails the payload schema")
    WRONG_KIND = "wrong_kind", _("Event kind not sent by this kind of device")
    FAILED = "failed", _("Could not be processed")


class AlarmKind(models.TextChoices):
    FORCED = "forced", _("Door forced open")
    HELD_OPEN = "held_open", _("Door held open too long")
    TAMPER = "tamper", _("Tamper")
    DURESS = "duress", _("Duress")
    LOCKOUT = "lockout", _("Reader locked after repeated denials")
    BUFFER_FULL = "buffer_full", _("Offline buffer nearly full")
    OFFLINE = "offline", _("Device offline")
    VIDEO_LOST = "video_lost", _("Camera signal lost")
    FAULT = "fault", _("Device fault")
    SMOKE = "smoke", _("Smoke")
    CALL = "call", _("One-button call")


class Severity(models.IntegerChoices):
    """Ordered: an incident's severity only ever rises while it is open."""

    INFO = 1, pgettext_lazy("severity", "Information")
    WARNING = 2, pgettext_lazy("severity", "Warning")
    ALERT = 3, pgettext_lazy("severity", "Alert")
    EMERGENCY = 4, pgettext_lazy("severity", "Emergency")


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("incident status", "Being handled")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed")


OPEN_INCIDENT_STATUSES = (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED)


class IncidentStepKind(models.TextChoices):
    """The lines of an incident's timeline."""

    OPENED = "opened", pgettext_lazy("incident step", "Opened")
    ALARM = "alarm", pgettext_lazy("incident step", "Alarm")
    ESCALATED = "escalated", pgettext_lazy("incident step", "Severity raised")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("incident step", "Acknowledged")
    NOTE = "note", pgettext_lazy("incident step", "Note")
    REQUEST = "request", pgettext_lazy("incident step", "Emergency request")
    PLAN = "plan", pgettext_lazy("incident step", "Plan run")
    TASK = "task", pgettext_lazy("incident step", "Plan step done")
    RESTORED = "restored", pgettext_lazy("incident step", "Device back")
    CLOSED = "closed", pgettext_lazy("incident step", "Closed")
    REOPENED = "reopened", pgettext_lazy("incident step", "Reopened")


class CredentialKind(models.TextChoices):
    CARD = "card", _("Resident card")
    PIN = "pin", _("PIN")
    QR = "qr", _("QR code")


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("door credential", "Active")
    BLOCKED = "blocked", pgettext_lazy("door credential", "Blocked")
    REVOKED = "revoked", pgettext_lazy("door credential", "Revoked")


# Door credentials (police helper) ------------------------------------------------------------------------------
class CredentialCause(models.TextChoices):
    """Why a credential was granted, blocked or revoked: staff's hand, or the registry it follows."""

    GRANTED = "granted", pgettext_lazy("door credential cause", "Granted by staff")
    ROTATED = "rotated", pgettext_lazy("door credential cause", "New QR code")
    CARD_REISSUED = "card_reissued", pgettext_lazy("door credential cause", "Resident card reissued")
    REVOKED_BY_STAFF = "revoked_by_staff", pgettext_lazy("door credential cause", "Revoked by staff")
    BLOCKED_BY_STAFF = "blocked_by_staff", pgettext_lazy("door credential cause", "Blocked by staff")
    MOVED_OUT = "moved_out", pgettext_lazy("door credential cause", "Moved out")
    MOVED_AWAY = "moved_away", pgettext_lazy("door credential cause", "Moved to another building")
    DIED = "died", pgettext_lazy("door credential cause", "Died")
    CARD_LOST = "card_lost", pgettext_lazy("door credential cause", "Resident card reported lost")
    CARD_CANCELLED = "card_cancelled", pgettext_lazy("door credential cause", "Resident card cancelled")
    EXPIRED = "expired", pgettext_lazy("door credential cause", "QR code expired")


class PlanType(models.TextChoices):
    FIRE = "fire", _("Fire")
    GAS_LEAK = "gas_leak", _("Gas leak")
    FLOOD = "flood", _("Flood or burst pipe")
    ELDER_UNWELL = "elder_unwell", _("Elder found unwell")
    MISSING_PERSON = "missing_person", _("Missing person")
    INTRUSION = "intrusion", _("Break-in")
    OTHER = "other", pgettext_lazy("plan type", "Other")
