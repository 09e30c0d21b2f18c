"""Alarm rules: what the ingest's events and the devices' silences become (alarms, grouped into incidents).

The ingest calls these inside the transaction that stored the events or changed the device's availability, so
an event and the alarm it raised are stored together or not at all. The rules (docs/safety-incidents.md):

- one event, one alarm: forced door, held open too long, tamper, duress, offline buffer nearly full, camera
  signal lost, device fault, smoke, one-button call (:data:`RULES`);
- a streak of denials: ``SAFETY_LOCKOUT_COUNT`` denials within ``SAFETY_LOCKOUT_WINDOW_SECONDS`` at one reader
  lock it out for ``SAFETY_LOCKOUT_SECONDS`` (a command to the reader through the outbox) and raise an alarm;
- availability: a device gone offline raises an alarm; back online, an automatic offline incident nobody has
  taken up yet closes by itself.

Every alarm joins ONE incident per group (the device, or the area for outages and fire) while alarms keep coming
within ``SAFETY_GROUP_WINDOW_SECONDS`` of the incident's last: what users of camera systems ask for first is one
alert per happening, whose severity rises, rather than a flood.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.bulk import take_ids
from shequ.core.models import User
from shequ.safety.choices import (
    AlarmKind,
    Availability,
    EventKind,
    IncidentStatus,
    IncidentStepKind,
    Severity,
)
from shequ.safety.models import Alarm, Device, Event, Incident, IncidentStep
from shequ.safety.signals import alarm_raised

logger = logging.getLogger(__name__)

INCIDENT_OPENED = "safety.incident_opened"
INCIDENT_ESCALATED = "safety.incident_escalated"
INCIDENT_SETTLED = "safety.incident_settled"
READER_LOCKED_OUT = "safety.reader_locked_out"

# Groups: alarms of one group and place join one incident.
SECURITY, FAULT, OUTAGE, FIRE, CALL = "security", "fault", "outage", "fire", "call"


@dataclass(frozen=True)
class Rule:
    alarm: AlarmKind
    severity: Severity
    group: str


RULES: dict[str, Rule] = {
    EventKind.DOOR_FORCED: Rule(AlarmKind.FORCED, Severity.ALERT, SECURITY),
    EventKind.DOOR_HELD_OPEN: Rule(AlarmKind.HELD_OPEN, Severity.WARNING, SECURITY),
    EventKind.DOOR_TAMPER: Rule(AlarmKind.TAMPER, Severity.ALERT, SECURITY),
    EventKind.CAMERA_TAMPER: Rule(AlarmKind.TAMPER, Severity.ALERT, SECURITY),
    EventKind.DOOR_DURESS: Rule(AlarmKind.DURESS, Severity.EMERGENCY, SECURITY),
    EventKind.DOOR_BUFFER_FULL: Rule(AlarmKind.BUFFER_FULL, Severity.WARNING, FAULT),
    EventKind.CAMERA_VIDEO_LOST: Rule(AlarmKind.VIDEO_LOST, Severity.WARNING, OUTAGE),
    EventKind.FAULT: Rule(AlarmKind.FAULT, Severity.WARNING, FAULT),
    EventKind.SMOKE_ALARM: Rule(AlarmKind.SMOKE, Severity.EMERGENCY, FIRE),
    EventKind.CALL_PRESSED: Rule(AlarmKind.CALL, Severity.EMERGENCY, CALL),
}
LOCKOUT_RULE = Rule(AlarmKind.LOCKOUT, Severity.WARNING, SECURITY)
OFFLINE_RULE = Rule(AlarmKind.OFFLINE, Severity.WARNING, OUTAGE)
# Alarms that say a device is not working; an incident of these only settles by itself when the devices are back.
SETTLES = frozenset({AlarmKind.OFFLINE, AlarmKind.VIDEO_LOST})


def group_key(device: Device, group: str) -> str:
    """Which open incident an alarm joins: security, faults and calls per device; outages (a power cut takes a
    compound's cameras and doors down at once) per compound; smoke per building (two detectors, one fire)."""
    if group == OUTAGE:
        place = f"compound:{device.compound_id}" if device.compound_id else f"neighborhood:{device.neighborhood_id}"
        return f"{place}:{group}"
    if group == FIRE and device.building_id:
        return f"building:{device.building_id}:{group}"
    return f"device:{device.pk}:{group}"


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SAFETY_GROUP_WINDOW_SECONDS)


def _title(device: Device, kind: str, group: str) -> str:
    """The incident's title in the platform's language (it is stored, and read by everyone)."""
    with translation.override(settings.LANGUAGE_CODE):
        label = str(AlarmKind(kind).label)
        if group == OUTAGE and device.compound_id:
            place = device.compound.name if device.compound else device.name
            return _("%(alarm)s · %(place)s") % {"alarm": label, "place": place}
        return _("%(alarm)s · %(place)s") % {"alarm": label, "place": device.name}


def incident_number(opened_at: dt.datetime, pk: int) -> str:
    """``AQ<yyyymmdd>-<id>`` (安全): the day it opened and the row's own id, so two workers never collide."""
    return f"AQ{timezone.localtime(opened_at):%Y%m%d}-{pk}"


def step(incident: Incident, kind: str, *, at: dt.datetime, actor: User | None = None, note: str = "") -> IncidentStep:
    return IncidentStep.objects.create(incident=incident, kind=kind, at=at, actor=actor, note=note[:2000])


def _open_incident(device: Device, rule: Rule, key: str, at: dt.datetime) -> tuple[Incident, bool]:
    """The incident taking alarms of ``key`` (locked), or a new one; (incident, whether it was made now).

    Safe against two workers at once: ``takes_alarms`` is unique, so of two inserts for one key the second
    fails (on PostgreSQL it waits for the first to commit) and joins the first's incident instead.
    """
    current = Incident.objects.select_for_update().filter(takes_alarms=key).first()
    if current is not None:
        if current.last_alarm_at + _window() >= at:
            return current, False
        # Quiet for longer than the window: that incident stops taking alarms; this alarm opens the next one.
        Incident.objects.filter(pk=current.pk).update(takes_alarms=None)
    pk = take_ids(Incident, 1)[0] if connection.vendor == "postgresql" else None
    try:
        with transaction.atomic():
            incident = Incident(
                pk=pk, number=incident_number(at, pk) if pk else f"new-{uuid.uuid4().hex[:16]}",
                subdistrict_id=device.subdistrict_id, neighborhood_id=device.neighborhood_id,
                compound_id=device.compound_id, building_id=None if rule.group == OUTAGE else device.building_id,
                device=device, group_key=key,
                takes_alarms=key, title=_title(device, rule.alarm, rule.group)[:200], severity=rule.severity,
                status=IncidentStatus.OPEN, opened_at=at, last_alarm_at=at, alarm_count=0)
            incident.save(force_insert=True)
            if pk is None:
                incident.number = incident_number(at, incident.pk)
                incident.save(update_fields=["number"])
    except IntegrityError:
        return Incident.objects.select_for_update().get(takes_alarms=key), False
    return incident, True


def raise_alarm(device: Device, rule: Rule, *, at: dt.datetime, event: Event | None = None) -> Alarm:
    """Store one alarm and put it into its incident: open one, or join the open one, raising its severity."""
    key = group_key(device, rule.group)
    incident, made = _open_incident(device, rule, key, at)
    alarm = Alarm.objects.create(
        device=device, event=event, kind=rule.alarm, severity=rule.severity, raised_at=at, incident=incident,
        subdistrict_id=device.subdistrict_id, neighborhood_id=device.neighborhood_id, compound_id=device.compound_id)
    before = incident.severity
    incident.alarm_count += 1
    incident.last_alarm_at = max(incident.last_alarm_at, at)
    fields = ["alarm_count", "last_alarm_at", "updated_at"]
    if rule.severity > incident.severity:
        incident.severity = rule.severity
        incident.title = _title(device, rule.alarm, rule.group)[:200]
        fields += ["severity", "title"]
    incident.save(update_fields=fields)
    if made:
        step(incident, IncidentStepKind.OPENED, at=at, note=incident.title)
        audit.record(actor=None, event=INCIDENT_OPENED, obj=incident,
                     after={"number": incident.number, "severity": incident.severity, "alarm": rule.alarm,
                            "device": device.code}, subdistrict_id=incident.subdistrict_id)
    elif incident.severity > before:
        step(incident, IncidentStepKind.ESCALATED, at=at, note=f"{Severity(before).label} → "
                                                                f"{incident.get_severity_display()}")
        audit.record(actor=None, event=INCIDENT_ESCALATED, obj=incident, before={"severity": before},
                     after={"severity": incident.severity, "alarm": rule.alarm}, subdistrict_id=incident.subdistrict_id)
    if incident.severity == Severity.EMERGENCY and incident.request_id is None:
        from shequ.safety import emergency

        emergency.open_request(incident, now=at)
    alarm_raised.send(sender=Alarm, alarm=alarm, incident=incident)
    return alarm


def _lockout(event: Event) -> Alarm | None:
    """A streak of denials at one reader: lock it out and tell the reader (a command through the outbox).
    The reader's row is locked while its denials are counted, so two workers never lock it out twice."""
    from shequ.safety.commands import send_command

    device = Device.objects.select_for_update().get(pk=event.device_id)
    at = event.occurred_at
    if device.locked_out_until is not None and device.locked_out_until >= at:
        return None  # already locked: the denials while locked are the lockout's own
    since = at - dt.timedelta(seconds=settings.SAFETY_LOCKOUT_WINDOW_SECONDS)
    if device.locked_out_until is not None and device.locked_out_until > since:
        since = device.locked_out_until  # after a lockout the reader counts afresh
    denials = Event.objects.filter(device=device, kind=EventKind.DOOR_DENIED, occurred_at__gt=since,
                                   occurred_at__lte=at).count()
    if denials < settings.SAFETY_LOCKOUT_COUNT:
        return None
    until = at + dt.timedelta(seconds=settings.SAFETY_LOCKOUT_SECONDS)
    device.locked_out_until = until
    device.save(update_fields=["locked_out_until", "updated_at"])
    send_command(device=device, command="reader.lockout", event=READER_LOCKED_OUT,
                 data={"seconds": settings.SAFETY_LOCKOUT_SECONDS, "until": until.isoformat()})
    audit.record(actor=None, event=READER_LOCKED_OUT, obj=device, after={"until": until, "denials": denials},
                 subdistrict_id=device.subdistrict_id)
    return raise_alarm(device, LOCKOUT_RULE, at=at, event=event)


def _held_long_enough(event: Event) -> bool:
    """A door reports how long it was held open; shorter than the platform's limit raises nothing."""
    seconds = event.data.get("seconds") if isinstance(event.data, dict) else None
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        return seconds >= settings.SAFETY_HELD_OPEN_SECONDS
    return True


def on_events(events: list[Event]) -> None:
    """Apply the alarm rules to newly stored events (a batch, in the order they were stored).

    Most events (granted, heartbeats, readings) match no rule and cost no query here.
    """
    for event in events:
        kind = event.kind
        if kind == EventKind.DOOR_DENIED:
            _lockout(event)
        elif kind == EventKind.CAMERA_VIDEO_RESTORED:
            _settle(event.device, AlarmKind.VIDEO_LOST, at=event.occurred_at)
        elif kind in RULES:
            if kind == EventKind.DOOR_HELD_OPEN and not _held_long_enough(event):
                continue
            raise_alarm(event.device, RULES[kind], at=event.occurred_at, event=event)


def on_availability(device: Device, *, online: bool, at: dt.datetime) -> None:
    """A device went offline (an alarm) or came back (which may settle its offline incident)."""
    if online:
        _settle(device, AlarmKind.OFFLINE, at=at)
    else:
        raise_alarm(device, OFFLINE_RULE, at=at)


def _settle(device: Device, kind: str, *, at: dt.datetime) -> None:
    """The device is back: an open incident made only of such alarms, that nobody has taken up, and whose devices
    are all back, closes by itself; one being handled gets a line on its timeline instead."""
    from shequ.safety.actions.incidents import close_automatically

    incidents = Incident.objects.select_for_update().filter(
        status__in=(IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED),
        pk__in=Alarm.objects.filter(device=device, kind=kind).values("incident_id")).order_by("pk")
    for incident in incidents:
        note = _("%(device)s is back.") % {"device": device.name}
        alarms = list(incident.alarms.select_related("device"))
        if incident.status == IncidentStatus.OPEN and all(alarm.kind in SETTLES for alarm in alarms) and all(
                _is_back(alarm, device, kind) for alarm in alarms):
            close_automatically(incident, at=at, outcome=note)
        else:
            step(incident, IncidentStepKind.RESTORED, at=at, note=note)


def _is_back(alarm: Alarm, device: Device, kind: str) -> bool:
    """Whether what this alarm said is over: the device now reporting ``kind`` over, or an offline device back
    online (a lost camera signal is over only when that camera says so)."""
    if alarm.device_id == device.pk and alarm.kind == kind:
        return True
    if alarm.kind == AlarmKind.OFFLINE:
        return alarm.device.availability == Availability.ONLINE
    return False
