"""The alarm rules: which events raise which alarm, grouping into one incident, severity, lockout, offline."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shequ.core.models import AuditEntry, OutboxMessage
from shequ.safety import alarms
from shequ.safety.choices import AlarmKind, Availability, DeviceKind, EventKind, IncidentStatus, Severity
from shequ.safety.models import Alarm, Device, Incident
from tests.safety.conftest import place
from tests.safety.incidents_helpers import T0, event, happen

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


@pytest.mark.parametrize(("kind", "alarm", "severity"), [
    (EventKind.DOOR_FORCED, AlarmKind.FORCED, Severity.ALERT),
    (EventKind.DOOR_HELD_OPEN, AlarmKind.HELD_OPEN, Severity.WARNING),
    (EventKind.DOOR_TAMPER, AlarmKind.TAMPER, Severity.ALERT),
    (EventKind.DOOR_BUFFER_FULL, AlarmKind.BUFFER_FULL, Severity.WARNING),
    (EventKind.FAULT, AlarmKind.FAULT, Severity.WARNING),
])
def test_each_rule_turns_its_event_into_its_alarm_and_one_incident(door, kind, alarm, severity):
    happen(door, kind, T0)
    [made] = Alarm.objects.all()
    assert (made.kind, made.severity, made.device) == (alarm, severity, door)
    incident = made.incident
    assert incident.severity == severity and incident.alarm_count == 1 and incident.status == IncidentStatus.OPEN
    assert incident.number.startswith("AQ20261204-") and incident.compound == door.compound


def test_ordinary_traffic_raises_nothing(door, camera):
    for kind in (EventKind.DOOR_GRANTED, EventKind.HEARTBEAT, EventKind.DOOR_CLOSED, EventKind.DOOR_DENIED):
        happen(door, kind, T0)
    happen(camera, EventKind.HEARTBEAT, T0)
    assert not Alarm.objects.exists() and not Incident.objects.exists()


def test_a_door_held_open_shorter_than_the_limit_raises_nothing(door, settings):
    settings.SAFETY_HELD_OPEN_SECONDS = 30
    happen(door, EventKind.DOOR_HELD_OPEN, T0, seconds=12)
    assert not Alarm.objects.exists()
    happen(door, EventKind.DOOR_HELD_OPEN, T0, seconds=45)
    assert Alarm.objects.get().kind == AlarmKind.HELD_OPEN


def test_three_forced_events_of_one_door_make_one_incident_of_three_alarms(door):
    for minute in range(3):
        happen(door, EventKind.DOOR_FORCED, T0 + dt.timedelta(minutes=minute))
    incident = Incident.objects.get()
    assert incident.alarm_count == 3 and incident.alarms.count() == 3
    assert incident.last_alarm_at == T0 + dt.timedelta(minutes=2) and incident.opened_at == T0


def test_severity_only_rises_and_the_title_follows_the_worst_alarm(door, settings):
    settings.SAFETY_EMERGENCY_SERVICE = "none-here"
    happen(door, EventKind.DOOR_HELD_OPEN, T0)
    incident = Incident.objects.get()
    assert incident.severity == Severity.WARNING
    held_title = incident.title
    happen(door, EventKind.DOOR_FORCED, T0 + S)
    incident.refresh_from_db()
    assert incident.severity == Severity.ALERT and incident.title != held_title
    happen(door, EventKind.DOOR_HELD_OPEN, T0 + 2 * S)
    incident.refresh_from_db()
    assert incident.severity == Severity.ALERT and incident.alarm_count == 3
    assert list(incident.steps.values_list("kind", flat=True)) == ["opened", "escalated"]


def test_other_doors_and_later_alarms_open_their_own_incidents(org, door, yuyuan_door, settings):
    settings.SAFETY_GROUP_WINDOW_SECONDS = 600
    happen(door, EventKind.DOOR_FORCED, T0)
    happen(yuyuan_door, EventKind.DOOR_FORCED, T0)
    happen(door, EventKind.FAULT, T0)  # a fault is not a break-in: its own incident
    happen(door, EventKind.DOOR_FORCED, T0 + dt.timedelta(minutes=11))  # past the window
    assert Incident.objects.count() == 4
    first, later = Incident.objects.filter(device=door, group_key__endswith="security").order_by("opened_at")
    assert first.takes_alarms is None and later.takes_alarms == later.group_key


def test_a_closed_incident_takes_no_more_alarms(door, police):
    from shequ.safety.actions.incidents import close_incident

    happen(door, EventKind.DOOR_FORCED, T0)
    close_incident(actor=police, incident=Incident.objects.get(), outcome="误报：住户忘带卡")
    happen(door, EventKind.DOOR_FORCED, T0 + S)
    assert Incident.objects.count() == 2


def test_outages_of_one_compound_group_into_one_incident(org, door, camera):
    alarms.on_availability(door, online=False, at=T0)
    happen(camera, EventKind.CAMERA_VIDEO_LOST, T0 + S)
    incident = Incident.objects.get()
    assert incident.alarm_count == 2 and incident.building is None
    assert set(incident.alarms.values_list("kind", flat=True)) == {AlarmKind.OFFLINE, AlarmKind.VIDEO_LOST}


def test_back_online_closes_an_offline_incident_nobody_took_up(door):
    alarms.on_availability(door, online=False, at=T0)
    incident = Incident.objects.get()
    Device.objects.filter(pk=door.pk).update(availability=Availability.ONLINE)
    alarms.on_availability(door, online=True, at=T0 + 5 * S)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by is None and door.name in incident.outcome


def test_back_online_only_notes_it_on_an_incident_being_handled(door, police):
    from shequ.safety.actions.incidents import acknowledge_incident

    alarms.on_availability(door, online=False, at=T0)
    incident = acknowledge_incident(actor=police, incident=Incident.objects.get())
    alarms.on_availability(door, online=True, at=T0 + 5 * S)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.steps.filter(kind="restored").exists()


def test_the_compound_outage_waits_for_every_device(org, door):
    other = place(org, DeviceKind.DOOR, "door-hs-2-1", name="华山小区2号楼")
    alarms.on_availability(door, online=False, at=T0)
    alarms.on_availability(other, online=False, at=T0 + S)
    alarms.on_availability(door, online=True, at=T0 + 2 * S)
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.OPEN
    Device.objects.filter(pk=door.pk).update(availability=Availability.ONLINE)
    alarms.on_availability(other, online=True, at=T0 + 3 * S)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_five_denials_within_a_minute_lock_the_reader_and_send_it_the_command(door, settings):
    settings.SAFETY_LOCKOUT_COUNT, settings.SAFETY_LOCKOUT_WINDOW_SECONDS, settings.SAFETY_LOCKOUT_SECONDS = 5, 60, 30
    for second in (0, 10, 20, 30):
        happen(door, EventKind.DOOR_DENIED, T0 + second * S, reason="unknown_card")
    assert not Alarm.objects.exists()
    happen(door, EventKind.DOOR_DENIED, T0 + 40 * S, reason="unknown_card")
    door.refresh_from_db()
    assert door.locked_out_until == T0 + 70 * S
    alarm = Alarm.objects.get()
    assert alarm.kind == AlarmKind.LOCKOUT and alarm.severity == Severity.WARNING
    [command] = OutboxMessage.objects.filter(channel="mqtt")
    assert command.recipient.endswith(f"/{door.code}/commands")
    body = json.loads(command.body)
    assert body["command"] == "reader.lockout" and body["data"]["seconds"] == 30
    assert AuditEntry.objects.filter(event=alarms.READER_LOCKED_OUT).exists()
    # Denials while locked are the lockout's own; after it the count starts afresh.
    happen(door, EventKind.DOOR_DENIED, T0 + 50 * S)
    happen(door, EventKind.DOOR_DENIED, T0 + 75 * S)
    assert Alarm.objects.count() == 1


def test_denials_spread_over_more_than_the_window_do_not_lock(door):
    for second in (0, 20, 40, 61, 90):
        happen(door, EventKind.DOOR_DENIED, T0 + second * S)
    assert not Alarm.objects.exists()


def test_a_batch_is_taken_in_order(door):
    stored = [event(door, EventKind.DOOR_FORCED, T0 + n * S) for n in range(3)]
    alarms.on_events(stored)
    assert Incident.objects.get().alarm_count == 3


def test_a_lost_camera_signal_settles_when_the_camera_says_it_is_back(camera):
    happen(camera, EventKind.CAMERA_VIDEO_LOST, T0)
    incident = Incident.objects.get()
    Device.objects.filter(pk=camera.pk).update(availability=Availability.ONLINE)
    alarms.on_availability(camera, online=True, at=T0 + S)  # online, but its picture is still gone
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
    happen(camera, EventKind.CAMERA_VIDEO_RESTORED, T0 + 2 * S)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
