"""Safety personas and devices, and the real MQTT broker.

- ``police``: an officer of the 华山 police office (her beat is 华山居民区); ``alice`` (华山 committee) and ``bob``
  (愚园 committee) come from the root conftest.
- ``door`` and ``camera`` stand in 华山小区, ``yuyuan_door`` in 愚园新村.
- ``broker``: the Mosquitto on 127.0.0.1:1883 (required in CI), with a topic prefix of this test's own, so that
  tests running at once on one broker never see each other's messages; ``listener`` hears everything published
  under that prefix, as a device or a control room would.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings
from paho.mqtt.client import CallbackAPIVersion, Client, MQTTMessage

from shequ.core.models import User
from shequ.core.roles import Role
from shequ.safety.choices import DEFAULT_HEARTBEAT_SECONDS, DeviceKind
from shequ.safety.models import Device
from tests.conftest import Org, require_service

BROKER_HOST, BROKER_PORT = "127.0.0.1", 1883
# A valid GB/T 28181 ID: centre code 31010500 (长宁区) + industry 00 + type 132 (IP camera) + serial.
CAMERA_ID = "31010500001320000001"


def place(org: Org, kind: str, code: str, *, yuyuan: bool = False, **extra: Any) -> Device:
    compound = org.yuyuan_compound if yuyuan else org.huashan_compound
    building = compound.buildings.order_by("pk").first()
    return Device.objects.create(
        subdistrict=org.subdistrict, neighborhood=compound.neighborhood, compound=compound, building=building,
        kind=kind, code=code, name=extra.pop("name", code), heartbeat_seconds=DEFAULT_HEARTBEAT_SECONDS[kind],
        **extra)


@pytest.fixture
def police(org: Org) -> User:
    from tests.conftest import _staff

    return _staff(org, "police", Role.POLICE, neighborhood=org.huashan)


@pytest.fixture
def door(org: Org) -> Device:
    return place(org, DeviceKind.DOOR, "door-hs-1-1", entrance="1单元", name="华山小区1号楼1单元")


@pytest.fixture
def yuyuan_door(org: Org) -> Device:
    return place(org, DeviceKind.DOOR, "door-yy-1-1", yuyuan=True, entrance="1单元", name="愚园新村1号楼1单元")


@pytest.fixture
def camera(org: Org) -> Device:
    return place(org, DeviceKind.CAMERA, CAMERA_ID, name="华山小区东门", manufacturer="Hikvision",
                 model="DS-2CD3T47", firmware_version="V5.7.3", serial_number="DS-2CD3T47-20261201")


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    prefix: str

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def _broker_up() -> bool:
    try:
        with socket.create_connection((BROKER_HOST, BROKER_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker() -> Iterator[Broker]:
    require_service(_broker_up(), f"no MQTT broker on {BROKER_HOST}:{BROKER_PORT} (Debian's mosquitto)")
    found = Broker(BROKER_HOST, BROKER_PORT, f"shequ-test-{uuid.uuid4().hex[:12]}")
    with override_settings(MQTT_URL=found.url, MQTT_TOPIC_PREFIX=found.prefix):
        yield found


@dataclass
class Heard:
    messages: list[tuple[str, bytes, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, topic_end: str) -> list[bytes]:
        with self.lock:
            return [payload for topic, payload, _retain in self.messages if topic.endswith(topic_end)]

    def wait_for(self, check: Callable[[], bool], seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            assert time.monotonic() < deadline, "the broker did not deliver in time"
            time.sleep(0.02)


@pytest.fixture
def listener(broker: Broker) -> Iterator[Heard]:
    heard = Heard()
    subscribed = threading.Event()

    def on_message(client: Client, userdata: object, message: MQTTMessage) -> None:
        with heard.lock:
            heard.messages.append((message.topic, message.payload, bool(message.retain)))

    client = Client(CallbackAPIVersion.VERSION2, client_id=f"test-listener-{uuid.uuid4().hex[:8]}")
    client.on_message = on_message
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_connect = lambda c, *args: c.subscribe(f"{broker.prefix}/#", qos=1)
    client.connect(broker.host, broker.port)
    client.loop_start()
    assert subscribed.wait(10)
    yield heard
    client.loop_stop()
    client.disconnect()
    # Clear the retained status messages this test left on the broker.
    cleaner = Client(CallbackAPIVersion.VERSION2, client_id=f"test-cleaner-{uuid.uuid4().hex[:8]}")
    cleaner.connect(broker.host, broker.port)
    cleaner.loop_start()
    for topic in {topic for topic, _payload, _retain in heard.messages if topic.endswith("/status")}:
        cleaner.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    cleaner.disconnect()
    cleaner.loop_stop()
