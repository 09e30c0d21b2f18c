"""The MQTT consumer against the real broker: stored once, dead letters, reconnects, restarts, last wills.

Every test has its own topic prefix and client ids (the ``broker`` fixture), and its sessions expire a
minute after it, so tests never see each other's messages and leave nothing behind on the broker.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from paho.mqtt.client import CallbackAPIVersion, Client
from paho.mqtt.enums import MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from shequ.safety import commands
from shequ.safety.choices import Availability, DeadLetterReason
from shequ.safety.models import DeadLetter, Device, Event
from shequ.safety.mqtt import Consumer
from tests.safety.conftest import Broker

DEADLINE = 10.0


def event(event_id: str, kind: str = "door.forced", **data: Any) -> bytes:
    return json.dumps({"event_id": event_id, "kind": kind, "occurred_at": "2026-12-04T08:00:00+08:00",
                       "data": data}).encode()


class Publisher:
    """A device (or a test) speaking MQTT 5 to the broker, with its network loop in a thread."""

    def __init__(self, broker: Broker, client_id: str | None = None, *, will: tuple[str, bytes] | None = None,
                 session_expiry: int = 0) -> None:
        self.client = Client(CallbackAPIVersion.VERSION2, client_id=client_id or f"pub-{uuid.uuid4().hex[:10]}",
                             protocol=MQTTProtocolVersion.MQTTv5)
        if will:
            self.client.will_set(will[0], will[1], qos=1, retain=True)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = session_expiry
        self.client.connect(broker.host, broker.port, keepalive=30, clean_start=False, properties=properties)
        self.client.loop_start()
        wait_for(self.client.is_connected, "the publisher to connect")

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout=DEADLINE)
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def crash(self) -> None:
        """Drop the connection without DISCONNECT, as a device losing power: the broker sends its last will."""
        self.client.loop_stop()
        sock = self.client.socket()
        assert sock is not None
        sock.close()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.fixture
def consumer_factory(broker: Broker) -> Iterator[Callable[..., Consumer]]:
    made: list[Consumer] = []
    client_id = f"shequ-test-{uuid.uuid4().hex[:10]}"

    def make(**options: Any) -> Consumer:
        options = {"client_id": client_id, "first_delay": 0.05, "max_delay": 0.5, "batch_wait": 0.01,
                   "session_expiry": 60, **options}
        consumer = Consumer(**options)
        made.append(consumer)
        return consumer

    yield make
    for consumer in made:
        consumer.close()


def subscribed(consumer: Consumer) -> Consumer:
    consume_until(consumer, lambda: consumer.subscribed)
    return consumer


def consume_until(consumer: Consumer, condition: Callable[[], bool]) -> None:
    """Drive the consumer until ``condition`` holds (or fail at the deadline), keeping its connection."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the consumer"
        consumer.step(0.02)


def test_published_events_are_stored_once_and_a_duplicate_is_acknowledged_and_ignored(
        broker: Broker, door: Device, consumer_factory: Callable[..., Consumer]) -> None:
    consumer = subscribed(consumer_factory())
    device = Publisher(broker)
    topic = commands.topic(door, "events")
    device.publish(topic, event("e-1"))
    device.publish(topic, event("e-2", "door.held_open", seconds=45))
    device.publish(topic, event("e-1"))  # a resend
    consume_until(consumer, lambda: consumer.processed == 3)
    device.close()

    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["e-1", "e-2"]
    door.refresh_from_db()
    assert door.availability == Availability.ONLINE


def test_a_bad_payload_goes_to_the_dead_letters_and_the_consumer_keeps_going(
        broker: Broker, door: Device, consumer_factory: Callable[..., Consumer]) -> None:
    consumer = subscribed(consumer_factory())
    device = Publisher(broker)
    topic = commands.topic(door, "events")
    device.publish(topic, b"\x00garbage{")
    device.publish(f"{broker.prefix}/{door.subdistrict.code}/ghost-door/events", event("g-1"))
    device.publish(topic, event("after"))
    consume_until(consumer, lambda: Event.objects.filter(event_id="after").exists())
    device.close()

    assert sorted(DeadLetter.objects.values_list("problem", flat=True)) == [DeadLetterReason.NOT_JSON,
                                                                           DeadLetterReason.UNKNOWN_DEVICE]
    assert consumer.connections == 1


def test_the_consumer_reconnects_after_the_broker_drops_it_and_gets_what_was_sent_meanwhile(
        broker: Broker, door: Device, consumer_factory: Callable[..., Consumer]) -> None:
    consumer = subscribed(consumer_factory())
    # Another connection with the consumer's client id: the broker drops the consumer's connection.
    intruder = Publisher(broker, consumer.client_id, session_expiry=60)
    consume_until(consumer, lambda: not consumer.connected)
    intruder.close()
    device = Publisher(broker)
    for number in range(5):
        device.publish(commands.topic(door, "events"), event(f"while-away-{number}"))
    consume_until(consumer, lambda: Event.objects.count() == 5)
    device.close()

    assert consumer.connections == 2


def test_a_consumer_that_dies_before_committing_loses_nothing_the_broker_delivered(
        broker: Broker, door: Device, consumer_factory: Callable[..., Consumer]) -> None:
    first = subscribed(consumer_factory(batch_wait=3600, batch_size=1000))
    device = Publisher(broker)
    for number in range(10):
        device.publish(commands.topic(door, "events"), event(f"rush-{number}"))
    consume_until(first, lambda: len(first.pending) == 10)  # delivered, not yet stored nor acknowledged
    first.client._sock_close()  # the process dies
    assert not Event.objects.exists()

    second = consumer_factory()
    consume_until(second, lambda: Event.objects.count() == 10)
    device.close()
    assert second.processed == 10


def test_a_batch_the_database_refuses_is_not_acknowledged_and_comes_again(
        broker: Broker, door: Device, consumer_factory: Callable[..., Consumer]) -> None:
    from shequ.safety.actions.ingest import ingest

    calls: list[int] = []

    def flaky(**kwargs: Any) -> Any:
        calls.append(len(kwargs["messages"]))
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return ingest(**kwargs)

    consumer = subscribed(consumer_factory(ingest=flaky))
    device = Publisher(broker)
    device.publish(commands.topic(door, "events"), event("kept"))
    consume_until(consumer, lambda: Event.objects.filter(event_id="kept").exists())
    device.close()
    assert consumer.connections == 2


def test_a_device_that_drops_off_is_marked_offline_by_its_last_will(
        broker: Broker, door: Device, consumer_factory: Callable[..., Consumer]) -> None:
    status = commands.topic(door, "status")
    consumer = subscribed(consumer_factory())
    device = Publisher(broker, will=(status, b"offline"))
    try:
        device.publish(status, b"online", retain=True)  # the birth message
        consume_until(consumer, lambda: Device.objects.get(pk=door.pk).availability == Availability.ONLINE)
        device.crash()
        consume_until(consumer, lambda: Device.objects.get(pk=door.pk).availability == Availability.OFFLINE)
    finally:
        cleaner = Publisher(broker)
        cleaner.publish(status, b"", retain=True)  # no retained status left on the broker
        cleaner.close()


def test_run_once_takes_what_is_waiting_and_stops_when_idle(
        broker: Broker, door: Device, consumer_factory: Callable[..., Consumer]) -> None:
    subscribed(consumer_factory()).close()  # the session exists: the broker queues for it
    device = Publisher(broker)
    device.publish(commands.topic(door, "heartbeat"), b"")
    device.publish(commands.topic(door, "events"), event("queued"))
    device.close()

    assert consumer_factory().run(idle_exit=0.3, timeout=DEADLINE) == 2
    assert Event.objects.get().event_id == "queued"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc (Linux)")
def test_serve_runs_the_consumer_beside_the_web_server_when_a_broker_is_set(tmp_path: Path, broker: Broker) -> None:
    from tests.core.test_serve import _descendants, _free_port, _get, _gone_within

    port = _free_port()
    client_id = f"shequ-serve-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "SHEQU_TESTING": "1", "SHEQU_DATA_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'shequ.sqlite3'}", "SHEQU_MQTT_URL": broker.url,
           "SHEQU_MQTT_TOPIC_PREFIX": broker.prefix, "SHEQU_MQTT_CLIENT_ID": client_id}
    env.pop("PYTEST_XDIST_WORKER", None)
    server = subprocess.Popen(  # noqa: S603 (our own venv's entry point, fixed arguments)
        [str(Path(sys.executable).parent / "shequ"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    consumers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not consumers:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, "shequ serve did not start the MQTT consumer"
            consumers = [pid for pid, command in _descendants(server.pid) if "shequ.cli mqtt" in command]
            time.sleep(0.2)
        wait_for(lambda: _answers(_get, port), "the web server")
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=90)
        assert _gone_within(consumers[0], 15), "the MQTT consumer outlived the server"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        for pid in consumers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        forget_session(broker, client_id)


def _answers(get: Callable[[str], tuple[int, str]], port: int) -> bool:
    try:
        return get(f"http://127.0.0.1:{port}/login/")[0] == 200
    except OSError:
        return False


def test_the_mqtt_command_once_takes_what_is_queued_and_stops(broker: Broker, door: Device,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from io import StringIO

    from django.core.management import call_command

    from shequ.safety.management.commands import mqtt as command

    monkeypatch.setattr(command, "IDLE_EXIT_SECONDS", 0.3)
    client_id = f"shequ-cmd-test-{uuid.uuid4().hex[:8]}"
    try:
        call_command("mqtt", "--once", "--client-id", client_id, stdout=StringIO())  # creates the session
        device = Publisher(broker)
        device.publish(commands.topic(door, "events"), event("by-command"))
        device.close()
        out = StringIO()
        call_command("mqtt", "--once", "--client-id", client_id, stdout=out)
    finally:
        forget_session(broker, client_id)
    assert "1 message(s) ingested" in out.getvalue()
    assert Event.objects.get().event_id == "by-command"


def test_the_mqtt_command_needs_a_broker(settings: Any) -> None:
    from django.core.management import CommandError, call_command

    settings.MQTT_URL = ""
    with pytest.raises(CommandError, match="SHEQU_MQTT_URL"):
        call_command("mqtt", "--once")


def forget_session(broker: Broker, client_id: str) -> None:
    """End a consumer's persistent session on the broker (a test's consumer is never coming back)."""
    forget = Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv5)
    forget.connect(broker.host, broker.port, clean_start=True)
    forget.loop_start()
    wait_for(forget.is_connected, "the broker")
    forget.disconnect()
    forget.loop_stop()


def test_the_mqtt_command_once_gives_up_on_a_broker_that_does_not_answer(settings: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management import CommandError, call_command

    from shequ.safety.management.commands import mqtt as command
    from tests.core.test_serve import _free_port

    monkeypatch.setattr(command, "ONCE_CONNECT_SECONDS", 0.5)
    settings.MQTT_URL = f"mqtt://127.0.0.1:{_free_port()}"  # nothing listens there
    with pytest.raises(CommandError, match="could not connect"):
        call_command("mqtt", "--once")
