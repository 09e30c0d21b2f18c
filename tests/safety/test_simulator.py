"""The device simulator against the real broker: well-formed messages on the right topics, the incident scenario's
forced door and denials at one reader, and a vanished device's last will."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pwd
import random
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shequ.safety import secrets, traffic
from shequ.safety.choices import DEFAULT_HEARTBEAT_SECONDS, DeviceKind, EventKind
from shequ.safety.demo import demo_secret
from shequ.safety.models import Device
from shequ.safety.simulator import Simulator, sim_devices
from tests.conftest import require_service
from tests.safety.conftest import Broker, place


@pytest.fixture
def devices(org, door, camera) -> list[Device]:
    ap = place(org, DeviceKind.ACCESS_POINT, "ap-01", name="华山小区1号楼无线接入点")
    return [door, camera, ap]


def _simulator(broker: Broker, scenario: str, **options) -> Simulator:
    played = sim_devices(Device.objects.select_related("subdistrict").order_by("pk"))
    return Simulator(played, scenario=scenario, host=broker.host, port=broker.port, prefix=broker.prefix,
                     seed=13, log=lambda line: None, **options)


def test_the_simulator_publishes_well_formed_events_heartbeats_and_birth_on_the_devices_topics(
        broker, listener, devices):
    simulator = _simulator(broker, "rush", duration=1.5, rate=30)
    stats = simulator.run()
    assert stats.events > 10 and not stats.errors
    listener.wait_for(lambda: len(listener.on("/events")) >= stats.events)
    channels = "events|heartbeat|status"
    pattern = re.compile(rf"^{re.escape(broker.prefix)}/310105002/(?P<code>[^/]+)/(?P<channel>{channels})$")
    codes = {device.code for device in devices}
    seen_ids = set()
    for topic, payload, _retain in listener.messages:
        match = pattern.match(topic)
        assert match and match["code"] in codes, topic
        if match["channel"] == "status":
            continue
        message = json.loads(payload)
        assert set(message) == {"event_id", "kind", "occurred_at", "data"}
        assert message["kind"] in EventKind.values
        assert (match["channel"] == "heartbeat") == (message["kind"] == EventKind.HEARTBEAT)
        assert dt.datetime.fromisoformat(message["occurred_at"]).tzinfo is not None
        assert message["event_id"] not in seen_ids
        seen_ids.add(message["event_id"])
        if message["kind"] == EventKind.DOOR_GRANTED:
            assert match["code"] == "door-hs-1-1"
            assert message["data"]["method"] in {"card", "pin", "qr"} and message["data"]["direction"] in {"in", "out"}
            assert message["data"]["credential"]
    # Each device was born online (retained) and said offline when the simulator stopped.
    for code in codes:
        listener.wait_for(lambda code=code: listener.on(f"/{code}/status")[-1:] == [b"offline"])
        assert listener.on(f"/{code}/status") == [b"online", b"offline"]
        assert listener.on(f"/{code}/heartbeat")


def test_the_incident_plan_has_a_forced_door_after_five_denials_at_one_reader_within_a_minute():
    devices = [traffic.SimDevice("door-1", DeviceKind.DOOR, "310105002"),
               traffic.SimDevice("door-2", DeviceKind.DOOR, "310105002"),
               traffic.SimDevice(CAMERA := "31010500001320000001", DeviceKind.CAMERA, "310105002")]
    steps = traffic.plan("incident", devices, rng=random.Random(1), duration=90, rate=0.5)
    made = [(step.at, step.device.code, step.make(dt.datetime.now(dt.UTC), random.Random(2)), step.action)
            for step in steps]
    forced = [(at, code, payload) for at, code, payload, _action in made if payload["kind"] == EventKind.DOOR_FORCED]
    [(forced_at, door, _forced)] = forced
    denials = [at for at, code, payload, _action in made if code == door and payload["kind"] == EventKind.DOOR_DENIED
               and payload["data"]["direction"] == "in"]
    assert len([at for at in denials if forced_at - 60 <= at <= forced_at]) >= 5
    assert any(code == CAMERA and action == "drop" for _at, code, _payload, action in made)


def test_the_incident_scenario_on_the_broker_forces_a_door_after_denials_and_loses_a_camera(
        broker, listener, devices, door, camera):
    # Ten times faster: the minute of the incident takes six seconds.
    stats = _simulator(broker, "incident", duration=1, rate=0, speed=10).run()
    assert stats.dropped == [camera.code]
    listener.wait_for(lambda: any(b"door.forced" in p for p in listener.on(f"/{door.code}/events")))
    events = [json.loads(p) for p in listener.on(f"/{door.code}/events")]
    forced = next(e for e in events if e["kind"] == EventKind.DOOR_FORCED)
    denied = [e for e in events if e["kind"] == EventKind.DOOR_DENIED and e["data"]["direction"] == "in"]
    assert len(denied) >= 5
    at = dt.datetime.fromisoformat
    assert all(at(forced["occurred_at"]) - at(e["occurred_at"]) <= dt.timedelta(seconds=60) for e in denied)
    lost = [json.loads(p)["kind"] for p in listener.on(f"/{camera.code}/events")]
    assert lost == [EventKind.CAMERA_VIDEO_LOST]
    # The camera vanished without a goodbye: the broker published its last will.
    listener.wait_for(lambda: listener.on(f"/{camera.code}/status")[-1:] == [b"offline"])


def test_a_device_that_vanishes_is_declared_offline_by_its_last_will(broker, listener, devices, door):
    simulator = _simulator(broker, "quiet", rate=0)
    simulator.connect()
    try:
        listener.wait_for(lambda: listener.on(f"/{door.code}/status") == [b"online"])
        simulator.drop(door.code)
        listener.wait_for(lambda: listener.on(f"/{door.code}/status") == [b"online", b"offline"])
    finally:
        simulator.close()


def test_each_simulated_device_signs_in_with_its_demo_secret(devices):
    played = sim_devices(Device.objects.select_related("subdistrict"), limit=2)
    assert [d.kind for d in played] == [DeviceKind.CAMERA, DeviceKind.DOOR] or len({d.kind for d in played}) == 2
    assert all(d.secret == demo_secret(d.code) for d in played)
    assert DEFAULT_HEARTBEAT_SECONDS[DeviceKind.CAMERA] == next(
        d.heartbeat_seconds for d in sim_devices(Device.objects.select_related("subdistrict"))
        if d.kind == DeviceKind.CAMERA)


@pytest.fixture
def checking_broker(tmp_path, devices) -> Iterator[Broker]:
    """A Mosquitto of this test's own that lets devices in only with their secret: its password file is written
    from the registry's hashes (the format of :mod:`shequ.safety.secrets`)."""
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    require_service(os.path.exists(mosquitto), "Debian's mosquitto is not installed")
    for device in devices:
        device.secret_hash = secrets.hash_secret(demo_secret(device.code))
        device.save(update_fields=["secret_hash"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    passwords = tmp_path / "passwords"
    passwords.write_text("".join(f"{d.code}:{d.secret_hash}\n" for d in Device.objects.all()))
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\n"
                      f"persistence false\nuser {pwd.getpwuid(os.getuid()).pw_name}\n")
    process = subprocess.Popen([mosquitto, "-c", str(config)],  # noqa: S603 (fixed arguments)
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "mosquitto did not start"
                time.sleep(0.05)
        yield Broker("127.0.0.1", port, f"shequ-test-{uuid.uuid4().hex[:12]}")
    finally:
        process.terminate()
        process.wait(10)


def test_a_broker_that_checks_secrets_lets_the_devices_in_with_their_demo_secrets_only(checking_broker, devices):
    stats = _simulator(checking_broker, "rush", duration=0.5, rate=10).run()
    assert stats.events > 0 and not stats.refused
    played = sim_devices(Device.objects.select_related("subdistrict"), limit=1)
    impostor = Simulator([replace(played[0], secret="not-the-secret")], scenario="quiet", host=checking_broker.host,
                         port=checking_broker.port, prefix=checking_broker.prefix, log=lambda line: None)
    with pytest.raises(ConnectionRefusedError):
        impostor.connect()
    impostor.close()


def test_with_http_the_simulator_posts_each_event_as_its_device_and_says_online_and_offline(devices):
    received: list[tuple[str, str, dict]] = []

    class Ingest(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.path, self.headers["Authorization"], body))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/devices/events/"
        played = sim_devices(Device.objects.select_related("subdistrict").order_by("pk"))
        stats = Simulator(played, scenario="rush", prefix="unused", duration=0.5, rate=20, seed=3, http=url,
                          log=lambda line: None).run()
    finally:
        server.shutdown()
    assert stats.events > 0 and not stats.errors
    door = devices[0]
    statuses = [body["status"] for path, auth, body in received
                if path == "/api/v1/devices/status/" and auth == f"Device {door.code}:{demo_secret(door.code)}"]
    assert statuses == ["online", "offline"]
    events = [(auth, body) for path, auth, body in received if path == "/api/v1/devices/events/"]
    assert len(events) == sum(stats.sent.values())
    granted = [(auth, body) for auth, body in events if body["kind"] == EventKind.DOOR_GRANTED]
    assert granted and {auth for auth, _body in granted} == {f"Device {door.code}:{demo_secret(door.code)}"}


def test_the_command_plays_the_registrys_devices_and_says_what_it_sent(broker, listener, devices):
    out = io.StringIO()
    call_command("simulate_devices", scenario="rush", duration=0.5, rate=20, devices=2, stdout=out)
    assert "Simulating 2 devices (rush)" in out.getvalue() and "0 errors" in out.getvalue()
    listener.wait_for(lambda: len({topic.split("/")[2] for topic, _p, _r in listener.messages}) == 2)


def test_the_command_without_devices_says_to_build_the_demo(db):
    with pytest.raises(CommandError, match="make demo"):
        call_command("simulate_devices", duration=0.1)
