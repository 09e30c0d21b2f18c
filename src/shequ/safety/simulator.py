"""A device simulator: the demo's doors, cameras, access points and home sensors talking to the broker as real
ones would.

Each simulated device has its own MQTT connection, signed in with its code and its demo secret
(:func:`shequ.safety.demo.demo_secret`), with a last will of ``offline`` (retained) on its ``status`` topic; once
connected it publishes ``online`` there (retained), then heartbeats on ``heartbeat`` and what the scenario says
on ``events`` (QoS 1), all in the topic scheme of :func:`shequ.safety.commands.topic`. On a clean stop every
device says ``offline`` itself; a device the scenario *drops* just vanishes, and the broker publishes its will.

Hundreds of connections run in one thread: paho-mqtt's sockets are driven from one selector (paho's "external
event loop"), so the simulator costs one core at most however many devices it plays. With ``http`` set it
posts the same messages to the HTTP ingest instead (``POST /api/v1/devices/events/`` with
``Authorization: Device <code>:<secret>``; ``online`` and ``offline`` to ``…/status/`` beside it).

The home sensors of elders living alone (water meter, door sensor, infrared motion sensor, smoke alarm, one-button
call) play an elder's day in every scenario (:class:`shequ.safety.traffic.Homes`): :func:`homes_of` reads each
meter's last total, so that the totals go on growing from the demo's back-filled day.
"""

from __future__ import annotations

import contextlib
import heapq
import random
import selectors
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from paho.mqtt.client import CallbackAPIVersion, Client, ConnectFlags, MQTTv311
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from shequ.safety import traffic
from shequ.safety.choices import DeviceKind, EventKind
from shequ.safety.traffic import Homes, SimDevice, Step

WINDOW = 60.0  # seconds of traffic planned at a time
CONNECT_TIMEOUT = 15.0
RECONNECT_SECONDS = 5.0  # a device that lost the broker (a broker restart) tries again this often


@dataclass
class Stats:
    sent: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(count for kind, count in self.sent.items() if kind != EventKind.HEARTBEAT)


def sim_devices(queryset: Iterable[Any], *, limit: int | None = None) -> list[SimDevice]:
    """Registry rows → simulated devices with their demo secrets, the kinds taken in turn when ``limit`` is set
    (so that three devices are a door, a camera and an access point)."""
    from shequ.safety.demo import demo_secret

    by_kind: dict[str, list[SimDevice]] = {}
    for device in queryset:
        by_kind.setdefault(device.kind, []).append(SimDevice(
            code=device.code, kind=device.kind, subdistrict_code=device.subdistrict.code,
            secret=demo_secret(device.code), accepts_pin=device.accepts_pin,
            heartbeat_seconds=device.heartbeat_seconds))
    if limit is None:
        return [d for group in by_kind.values() for d in group]
    chosen: list[SimDevice] = []
    queues = list(by_kind.values())
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return chosen


# Everyday events, not logged one by one (the summary counts them).
ROUTINE = frozenset({EventKind.DOOR_GRANTED, EventKind.AP_STATUS, EventKind.WATER_READING,
                     EventKind.MOTION_DETECTED, EventKind.DOOR_SENSOR_OPENED})


def homes_of(devices: Iterable[SimDevice], *, quiet: Iterable[str] = (), fire: Iterable[str] = (),
             clock: Any = None) -> Homes:
    """The home sensors' state for a run: each simulated meter's last total from the event table, the codes of
    the quiet dwelling's devices, the devices to fire once (codes of smoke alarms or call buttons)."""
    from shequ.safety.models import Event

    played = {d.code: d for d in devices}
    meters = [code for code, d in played.items() if d.kind == DeviceKind.WATER_METER]
    totals: dict[str, float] = {}
    for code, data in (Event.objects.filter(device__code__in=meters, kind=EventKind.WATER_READING)
                       .order_by("device__code", "-occurred_at").values_list("device__code", "data")):
        if code not in totals and isinstance(data, dict) and "litres" in data:
            totals[code] = float(data["litres"])
    return Homes(totals=totals, quiet=frozenset(quiet), clock=clock,
                 fire=tuple(played[code] for code in fire if code in played))


class Simulator:
    """Plays ``scenario`` on ``devices`` for ``duration`` seconds (0: until stopped)."""

    def __init__(self, devices: list[SimDevice], *, scenario: str, prefix: str, host: str = "127.0.0.1",
                 port: int = 1883, duration: float = 0.0, rate: float | None = None, seed: int | None = None,
                 speed: float = 1.0, heartbeat: float | None = None, http: str | None = None,
                 anonymous: bool = False, keepalive: int = 60, log: Callable[[str], None] = print,
                 homes: Homes | None = None) -> None:
        if scenario not in traffic.SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}: choose from {', '.join(traffic.SCENARIOS)}")
        if not devices:
            raise ValueError("no devices to simulate")
        self.devices = devices
        self.scenario, self.prefix, self.host, self.port = scenario, prefix, host, port
        self.duration, self.rate, self.speed, self.heartbeat = duration, rate, max(speed, 0.01), heartbeat
        self.http, self.anonymous, self.keepalive, self.log = http, anonymous, keepalive, log
        self.rng = random.Random(seed)
        self.homes = homes or Homes()
        self.stats = Stats()
        self.stopping = threading.Event()
        self._selector = selectors.DefaultSelector()
        self._clients: dict[str, Client] = {}
        self._connected: set[str] = set()
        self._by_code = {d.code: d for d in devices}
        self._attempts: dict[str, float] = {}

    # MQTT connections --------------------------------------------------------------------------------------

    def _client(self, device: SimDevice) -> Client:
        client = Client(CallbackAPIVersion.VERSION2, client_id=f"{device.code}-{uuid.uuid4().hex[:6]}",
                        protocol=MQTTv311, userdata=device)
        if not self.anonymous and device.secret:
            client.username_pw_set(device.code, device.secret)
        client.will_set(device.topic(self.prefix, "status"), b"offline", qos=1, retain=True)
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_register_write
        client.on_socket_unregister_write = self._on_unregister_write
        client.on_connect = self._on_connect
        client.on_publish = self._on_publish
        return client

    def _on_socket_open(self, client: Client, device: SimDevice, sock: Any) -> None:
        self._selector.register(sock, selectors.EVENT_READ, client)

    def _on_socket_close(self, client: Client, device: SimDevice, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        self._connected.discard(device.code)

    def _on_register_write(self, client: Client, device: SimDevice, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, client)

    def _on_unregister_write(self, client: Client, device: SimDevice, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.modify(sock, selectors.EVENT_READ, client)

    def _on_connect(self, client: Client, device: SimDevice, flags: ConnectFlags, reason: ReasonCode,
                    properties: Properties | None) -> None:
        if reason.is_failure:
            self.stats.refused.append(f"{device.code}: {reason}")
            return
        self._connected.add(device.code)
        client.publish(device.topic(self.prefix, "status"), b"online", qos=1, retain=True)
        self._send(device, traffic.envelope(EventKind.HEARTBEAT, self._now(), self.rng), channel="heartbeat")

    def _on_publish(self, client: Client, device: SimDevice, mid: int, reason: ReasonCode,
                    properties: Properties | None) -> None:
        self.stats.acknowledged += 1

    def _pump(self, timeout: float) -> None:
        for key, mask in self._selector.select(max(timeout, 0)):
            client: Client = key.data
            if mask & selectors.EVENT_READ:
                client.loop_read()
            if mask & selectors.EVENT_WRITE and key.fileobj in self._selector.get_map():
                client.loop_write()

    def _http_status(self, status: str) -> None:
        """The HTTP form of birth and last will, when the events URL ends in ``/events/``."""
        assert self.http is not None
        if not self.http.rstrip("/").endswith("/events"):
            return
        url = self.http.rstrip("/")[: -len("events")] + "status/"
        for device in self.devices:
            self._post(device, {"status": status}, url=url)

    def connect(self) -> None:
        """Connect every device and wait for the broker's answers; raise if it refuses any."""
        if self.http:
            self._http_status("online")
            return
        for device in self.devices:
            client = self._client(device)
            self._clients[device.code] = client
            client.connect(self.host, self.port, keepalive=self.keepalive)
            self._pump(0)
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while len(self._connected) + len(self.stats.refused) < len(self.devices) and time.monotonic() < deadline:
            self._pump(0.1)
        if self.stats.refused:
            raise ConnectionRefusedError(f"the broker refused {len(self.stats.refused)} devices, first "
                                         f"{self.stats.refused[0]} (is each device's secret the demo one?)")
        if len(self._connected) < len(self.devices):
            raise TimeoutError(f"only {len(self._connected)} of {len(self.devices)} devices connected in "
                               f"{CONNECT_TIMEOUT:.0f} s")

    def drop(self, code: str) -> None:
        """The device vanishes (power cut, cable pulled): its connection closes with no goodbye."""
        client = self._clients.pop(code, None)
        if client is None:
            return
        sock = client.socket()
        if isinstance(sock, socket.socket):
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._connected.discard(code)
        self.stats.dropped.append(code)

    def close(self) -> None:
        """Every device still connected says ``offline`` and disconnects cleanly."""
        if self.http:
            self._http_status("offline")
            return
        for code, client in list(self._clients.items()):
            if code in self._connected:
                client.publish(self._by_code[code].topic(self.prefix, "status"), b"offline", qos=1, retain=True)
                client.disconnect()
        deadline = time.monotonic() + 5
        while self._selector.get_map() and time.monotonic() < deadline:
            self._pump(0.1)
        self._clients.clear()

    # Sending -----------------------------------------------------------------------------------------------

    def _now(self) -> Any:
        from django.utils import timezone

        return timezone.now()

    def _send(self, device: SimDevice, payload: dict[str, Any], *, channel: str = "events") -> None:
        self.stats.sent[str(payload["kind"])] += 1
        if self.http:
            self._post(device, payload)
            return
        client = self._clients.get(device.code)
        if client is None or device.code not in self._connected:
            return
        qos = 0 if channel == "heartbeat" else 1
        client.publish(device.topic(self.prefix, channel), traffic.encode(payload), qos=qos)

    def _post(self, device: SimDevice, payload: dict[str, Any], *, url: str | None = None) -> None:
        assert self.http is not None
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's --http)
            url or self.http, data=traffic.encode(payload), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Device {device.code}:{device.secret}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                response.read()
            self.stats.acknowledged += 1
        except (urllib.error.URLError, OSError) as exc:
            if len(self.stats.errors) < 100:
                self.stats.errors.append(f"{device.code} {payload.get('kind', payload)}: {exc}")

    def _do(self, step: Step) -> None:
        if step.action == "drop":
            self.log(f"{step.device.code} drops off the network")
            self.drop(step.device.code)
            return
        payload = step.make(self._now(), self.rng)
        if payload["kind"] not in ROUTINE:
            self.log(f"{step.device.code} {payload['kind']} {payload['data']}")
        self._send(step.device, payload)

    def run(self) -> Stats:
        """Connect, play the scenario until ``duration`` (or :attr:`stopping`), then say goodbye."""
        self.connect()
        try:
            self._play()
        finally:
            self.close()
        return self.stats

    def _play(self) -> None:
        started = time.monotonic()
        if self.homes.clock is None:
            self.homes.clock = self._now()
        steps: list[Step] = []
        planned = 0.0
        # Heartbeats: each device on its own interval (its first came with its birth), staggered so that they do
        # not all come at once.
        beats = [(self.rng.uniform(0.5, 1.0) * interval, d.code, interval) for d in self.devices
                 for interval in [self.heartbeat or float(d.heartbeat_seconds)]]
        heapq.heapify(beats)
        last_misc = 0.0
        while not self.stopping.is_set():
            elapsed = (time.monotonic() - started) * self.speed  # scenario seconds
            # At a high speed several windows fall due between two turns of the loop; what fell due before the
            # end is still sent.
            while planned <= elapsed + 1 and (not self.duration or planned < self.duration):
                length = min(WINDOW, self.duration - planned) if self.duration else WINDOW
                for step in traffic.plan(self.scenario, self.devices, rng=self.rng, start=planned, duration=length,
                                         rate=self.rate, incident_at=2.0 if planned == 0 else None,
                                         homes=self.homes):
                    heapq.heappush(steps, step)
                planned += length
            due = min(elapsed, self.duration) if self.duration and self.scenario != "incident" else elapsed
            while steps and steps[0].at <= due:
                self._do(heapq.heappop(steps))
            if self.duration and elapsed >= self.duration and (not steps or self.scenario != "incident"):
                break
            real = time.monotonic() - started
            while beats and beats[0][0] <= real:
                due, code, interval = heapq.heappop(beats)
                if code in self._clients or self.http:
                    self._send(self._by_code[code], traffic.envelope(EventKind.HEARTBEAT, self._now(), self.rng),
                               channel="heartbeat")
                    heapq.heappush(beats, (due + interval, code, interval))
            if real - last_misc >= 1.0:
                for code, client in list(self._clients.items()):
                    client.loop_misc()
                    if code not in self._connected and real - self._attempts.get(code, 0.0) >= RECONNECT_SECONDS:
                        self._attempts[code] = real
                        with contextlib.suppress(OSError):
                            client.reconnect()  # the same will and credentials; the birth follows on connect
                last_misc = real
            next_step = (steps[0].at - elapsed) / self.speed if steps else 0.5
            next_beat = beats[0][0] - real if beats else 0.5
            self._pump(min(next_step, next_beat, 0.5) if not self.http else 0)
            if self.http and min(next_step, next_beat) > 0:
                self.stopping.wait(min(next_step, next_beat, 0.5))
