"""The ingest action: every event stored once, bad messages in the dead letters, availability, retention."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from shequ.core.errors import Conflict, NotFound
from shequ.core.models import AuditEntry, User
from shequ.safety import commands
from shequ.safety.actions import ingest as actions
from shequ.safety.actions.ingest import Message
from shequ.safety.choices import Availability, DeadLetterReason, DeadLetterStatus, DeviceKind, EventSource
from shequ.safety.models import DeadLetter, Device, Event
from tests.conftest import Org
from tests.safety.conftest import place

NOW = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)


def event(event_id: str = "e-1", kind: str = "door.granted", at: str = "2026-12-04T15:59:58+08:00",
          **data: Any) -> bytes:
    data = data or ({"credential": "0001234567", "method": "card", "direction": "in"}
                    if kind == "door.granted" else {})
    return json.dumps({"event_id": event_id, "kind": kind, "occurred_at": at, "data": data}).encode()


def on(device: Device, channel: str = "events") -> str:
    return commands.topic(device, channel)


def test_an_event_is_stored_once_with_the_device_place_and_a_resend_is_acknowledged_and_ignored(door: Device) -> None:
    first = actions.ingest(source=EventSource.MQTT, messages=[(on(door), event())], now=NOW)
    again = actions.ingest(source=EventSource.MQTT, messages=[(on(door), event())], now=NOW)

    assert [o.status for o in first] == ["stored"]
    assert [o.status for o in again] == ["duplicate"]
    stored = Event.objects.get()
    assert (stored.kind, stored.event_id, stored.source) == ("door.granted", "e-1", "mqtt")
    assert stored.occurred_at == dt.datetime(2026, 12, 4, 7, 59, 58, tzinfo=dt.UTC)
    assert stored.data == {"credential": "0001234567", "method": "card", "direction": "in"}
    assert (stored.compound_id, stored.neighborhood_id) == (door.compound_id, door.neighborhood_id)
    assert first[0].event is not None and first[0].event.pk == stored.pk
    assert not DeadLetter.objects.exists()


def test_a_duplicate_inside_one_batch_is_stored_once_and_rules_see_new_events_in_order(door: Device) -> None:
    with mock.patch("shequ.safety.alarms.on_events") as on_events:
        outcomes = actions.ingest(source=EventSource.MQTT, now=NOW, messages=[
            (on(door), event("a")), (on(door), event("b", "door.forced")), (on(door), event("a")),
            (on(door), event("c", "door.closed"))])
    assert [o.status for o in outcomes] == ["stored", "stored", "duplicate", "stored"]
    assert Event.objects.count() == 3
    [call] = on_events.call_args_list
    assert [e.event_id for e in call.args[0]] == ["a", "b", "c"]
    assert all(e.pk for e in call.args[0])


def test_heartbeats_keep_the_device_alive_but_are_not_stored(door: Device) -> None:
    outcomes = actions.ingest(source=EventSource.MQTT, now=NOW, messages=[
        (on(door), event("hb-1", "heartbeat", uptime_s=100)), (on(door, "heartbeat"), b"")])
    assert [o.status for o in outcomes] == ["heartbeat", "heartbeat"]
    assert not Event.objects.exists()
    door.refresh_from_db()
    assert door.last_seen_at == NOW
    assert door.availability == Availability.ONLINE


@pytest.mark.parametrize(("payload", "problem", "words"), [
    (b"{not json", DeadLetterReason.NOT_JSON, "not JSON"),
    (b"\xff\xfe", DeadLetterReason.NOT_JSON, "UTF-8"),
    (b"\x00{}", DeadLetterReason.NOT_JSON, "not JSON"),
    (json.dumps({"event_id": "x", "kind": "fault", "occurred_at": "2026-12-04T08:00:00Z",
                 "data": {"code": "E\u0000"}}).encode(), DeadLetterReason.INVALID, "NUL"),
    (b"[1, 2]", DeadLetterReason.INVALID, "JSON object"),
    (json.dumps({"event_id": "x", "kind": "door.held_open", "occurred_at": "2026-12-04T08:00:00Z",
                 "data": {"seconds": 0}}).encode(), DeadLetterReason.INVALID, "data.seconds"),
    (json.dumps({"event_id": "x", "kind": "door.granted", "occurred_at": "2026-12-04T08:00:00"}).encode(),
     DeadLetterReason.INVALID, "occurred_at"),
    (json.dumps({"eventid": "x", "kind": "door.forced", "occurred_at": "2026-12-04T08:00:00Z"}).encode(),
     DeadLetterReason.INVALID, "event_id"),
    (json.dumps({"event_id": "x", "kind": "door.opened", "occurred_at": "2026-12-04T08:00:00Z"}).encode(),
     DeadLetterReason.INVALID, "kind"),
    (json.dumps({"event_id": "x", "kind": "camera.video_lost", "occurred_at": "2026-12-04T08:00:00Z"}).encode(),
     DeadLetterReason.WRONG_KIND, "does not send camera.video_lost"),
    (json.dumps({"event_id": "x", "kind": "door.forced", "occurred_at": "2026-12-05T08:00:00Z"}).encode(),
     DeadLetterReason.INVALID, "ahead"),
])
def test_a_payload_that_fails_its_schema_goes_to_the_dead_letters_with_the_reason(
        door: Device, payload: bytes, problem: str, words: str) -> None:
    outcomes = actions.ingest(source=EventSource.MQTT, now=NOW,
                              messages=[(on(door), payload), (on(door), event("good"))])

    assert [o.status for o in outcomes] == ["dead_letter", "stored"]
    letter = DeadLetter.objects.get()
    assert letter.problem == problem
    assert words in letter.reason
    assert (letter.device, letter.subdistrict_id, letter.status) == (door, door.subdistrict_id, DeadLetterStatus.NEW)
    assert letter.topic == on(door)
    assert "\x00" not in letter.payload  # PostgreSQL's text keeps no NUL: it is kept escaped
    assert Event.objects.get().event_id == "good"


def test_messages_of_unknown_devices_and_topics_go_to_the_dead_letters(org: Org, door: Device,
                                                                       settings: Any) -> None:
    prefix = settings.MQTT_TOPIC_PREFIX
    outcomes = actions.ingest(source=EventSource.MQTT, now=NOW, messages=[
        (f"{prefix}/{org.subdistrict.code}/no-such-door/events", event()),
        (f"{prefix}/{org.subdistrict.code}/{door.code}/telemetry", event()),
        ("elsewhere/x/y/events", event())])

    assert [o.problem for o in outcomes] == [DeadLetterReason.UNKNOWN_DEVICE, DeadLetterReason.UNKNOWN_TOPIC,
                                             DeadLetterReason.UNKNOWN_TOPIC]
    unknown = DeadLetter.objects.get(problem=DeadLetterReason.UNKNOWN_DEVICE)
    assert "no-such-door" in unknown.reason
    assert unknown.subdistrict_id == org.subdistrict.pk  # its administrators see it
    assert not Event.objects.exists()


def test_a_revoked_device_is_not_heard(door: Device) -> None:
    Device.objects.filter(pk=door.pk).update(secret_revoked_at=NOW)
    [outcome] = actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(on(door), event())])
    assert outcome.problem == DeadLetterReason.DEVICE_REVOKED
    assert not Event.objects.exists()


def test_a_rule_that_fails_sends_only_the_message_it_failed_on_to_the_dead_letters(door: Device) -> None:
    def fussy(events: list[Event]) -> None:
        if any(e.kind == "door.forced" for e in events):
            raise ValueError("rule exploded")

    with mock.patch("shequ.safety.alarms.on_events", side_effect=fussy):
        outcomes = actions.ingest(source=EventSource.MQTT, now=NOW, messages=[
            (on(door), event("a")), (on(door), event("b", "door.forced")), (on(door), event("c", "door.closed"))])

    assert [o.status for o in outcomes] == ["stored", "dead_letter", "stored"]
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["a", "c"]
    letter = DeadLetter.objects.get()
    assert (letter.problem, letter.reason) == (DeadLetterReason.FAILED, "ValueError: rule exploded")


def test_birth_and_last_will_set_availability_and_tell_the_rules(door: Device) -> None:
    with mock.patch("shequ.safety.alarms.on_availability") as on_availability:
        actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(on(door, "status"), b"online")])
        door.refresh_from_db()
        assert door.availability == Availability.ONLINE
        later = NOW + dt.timedelta(minutes=5)
        actions.ingest(source=EventSource.MQTT, now=later, messages=[(on(door, "status"), b"offline")])
        actions.ingest(source=EventSource.MQTT, now=later, messages=[(on(door, "status"), b"offline")])
    door.refresh_from_db()
    assert (door.availability, door.availability_changed_at) == (Availability.OFFLINE, later)
    assert door.last_seen_at == NOW  # the last will is the broker speaking, not the device
    assert [(c.args[0].pk, c.kwargs["online"]) for c in on_availability.call_args_list] == [
        (door.pk, True), (door.pk, False)]


def test_a_device_silent_past_three_heartbeats_is_marked_offline_once(door: Device, camera: Device) -> None:
    actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(on(door, "heartbeat"), b""),
                                                               (on(camera, "heartbeat"), b"")])
    with mock.patch("shequ.safety.alarms.on_availability") as on_availability:
        # The camera beats every 60 s, the door every 300 s: at 3 min 1 s only the camera is silent too long.
        assert actions.mark_silent_devices_offline(NOW + dt.timedelta(seconds=180)) == 0
        assert actions.mark_silent_devices_offline(NOW + dt.timedelta(seconds=181)) == 1
        assert actions.mark_silent_devices_offline(NOW + dt.timedelta(seconds=901)) == 1
        assert actions.mark_silent_devices_offline(NOW + dt.timedelta(seconds=2000)) == 0
    assert [(c.args[0].pk, c.kwargs["online"]) for c in on_availability.call_args_list] == [
        (camera.pk, False), (door.pk, False)]
    camera.refresh_from_db()
    assert camera.availability == Availability.OFFLINE
    # Heard from again: back online.
    actions.ingest(source=EventSource.MQTT, now=NOW + dt.timedelta(seconds=3000),
                   messages=[(on(camera, "heartbeat"), b"")])
    camera.refresh_from_db()
    assert camera.availability == Availability.ONLINE


def test_pruning_deletes_only_events_older_than_the_retention_period_in_batches(door: Device, settings: Any) -> None:
    settings.SAFETY_EVENT_RETENTION_DAYS = 30
    days = [40, 35, 31, 30, 29, 1]
    for number, age in enumerate(days):
        then = NOW - dt.timedelta(days=age, seconds=-1 if age == 30 else 0)
        actions.ingest(source=EventSource.MQTT, now=then,
                       messages=[(on(door), event(f"e{number}", at=then.isoformat()))])

    assert actions.prune_events(NOW, batch=2) == 3
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["e3", "e4", "e5"]
    assert actions.prune_events(NOW, batch=2) == 0


def test_retention_is_never_under_thirty_days(door: Device, settings: Any) -> None:
    settings.SAFETY_EVENT_RETENTION_DAYS = 7
    then = NOW - dt.timedelta(days=20)
    actions.ingest(source=EventSource.MQTT, now=then, messages=[(on(door), event(at=then.isoformat()))])
    assert actions.prune_events(NOW) == 0
    assert Event.objects.count() == 1


def test_an_administrator_replays_a_dead_letter_once_the_device_is_registered(org: Org, admin: User,
                                                                              settings: Any) -> None:
    topic = f"{settings.MQTT_TOPIC_PREFIX}/{org.subdistrict.code}/door-new-1/events"
    actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(topic, event("late"))])
    letter = DeadLetter.objects.get()
    with pytest.raises(Conflict, match="no device door-new-1"):
        actions.replay_dead_letter(actor=admin, dead_letter=letter, now=NOW)
    device = place(org, DeviceKind.DOOR, "door-new-1")
    outcome = actions.replay_dead_letter(actor=admin, dead_letter=letter, now=NOW)

    assert outcome.status == "stored"
    letter.refresh_from_db()
    stored = Event.objects.get()
    assert (stored.device, stored.source) == (device, EventSource.REPLAY)
    assert (letter.status, letter.event, letter.resolved_by) == (DeadLetterStatus.REPLAYED, stored, admin)
    entry = AuditEntry.objects.get(event=actions.DEAD_LETTER_REPLAYED)
    assert entry.actor == admin
    with pytest.raises(Conflict):
        actions.replay_dead_letter(actor=admin, dead_letter=letter, now=NOW)


def test_a_corrected_payload_is_replayed_and_the_correction_audited(door: Device, admin: User) -> None:
    bad = json.dumps({"event_id": "h1", "kind": "door.held_open", "occurred_at": "2026-12-04T07:00:00Z",
                      "data": {"seconds": "long"}})
    actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(on(door), bad.encode())])
    letter = DeadLetter.objects.get()
    fixed = bad.replace('"long"', "45")
    actions.replay_dead_letter(actor=admin, dead_letter=letter, payload=fixed, now=NOW)

    assert Event.objects.get().data == {"seconds": 45}
    entry = AuditEntry.objects.get(event=actions.DEAD_LETTER_REPLAYED)
    assert entry.after["payload"] == fixed


def test_discarding_is_audited_and_final(door: Device, admin: User) -> None:
    actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(on(door), b"junk")])
    letter = DeadLetter.objects.get()
    actions.discard_dead_letter(actor=admin, dead_letter=letter, reason="test message from the installer")

    letter.refresh_from_db()
    assert (letter.status, letter.resolved_by) == (DeadLetterStatus.DISCARDED, admin)
    assert AuditEntry.objects.get(event=actions.DEAD_LETTER_DISCARDED).reason == "test message from the installer"
    with pytest.raises(Conflict):
        actions.replay_dead_letter(actor=admin, dead_letter=letter)


def test_only_administrators_decide_dead_letters(door: Device, alice: User) -> None:
    actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(on(door), b"junk")])
    with pytest.raises(NotFound):
        actions.discard_dead_letter(actor=alice, dead_letter=DeadLetter.objects.get())


def test_http_messages_are_addressed_by_the_device_itself(door: Device) -> None:
    [outcome] = actions.ingest(source=EventSource.HTTP, now=timezone.now(),
                               messages=[Message(door, event("h-1"), "events")])
    assert outcome.status == "stored"
    assert Event.objects.get().source == EventSource.HTTP
