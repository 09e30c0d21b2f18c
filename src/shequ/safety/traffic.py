"""What simulated devices say, and when: the payloads of each event kind and the scenarios of the simulator.

Nothing here opens a connection (that is :mod:`shequ.safety.simulator`), so the scenarios can be planned, read
and tested on their own. A scenario is a plan: a time-ordered list of ``(seconds from start, device, payload)``.

Every message is the JSON envelope the ingest reads (docs/simulator.md)::

    {"event_id": "<32 hex digits>", "kind": "<EventKind>", "occurred_at": "<ISO 8601 with offset>", "data": {…}}

``data`` by kind (kept small on purpose):

=====================================  ==================================================================
``door.granted``                       ``credential``: the card number or credential id; ``method``:
                                       ``card``, ``pin`` or ``qr``; ``direction``: ``in`` or ``out``
``door.denied``                        ``reason``: ``unknown_credential``, ``blocked``, ``expired`` or
                                       ``wrong_pin``; ``credential`` and ``method`` as above
``door.forced``                        nothing
``door.held_open``                     ``seconds``: how long it has stood open
``door.closed``                        nothing
``camera.video_lost`` / ``_restored``  ``channel``: the video channel, from 1
``ap.status``                          ``clients``: wireless clients connected; ``uplink``: ``up``/``down``
``heartbeat``                          nothing (on the ``heartbeat`` channel)
=====================================  ==================================================================

These are the schemas of :mod:`shequ.safety.schemas` (the ingest's), reduced to what a demo needs.
A door has one reader per side; "at one reader" below means the same door and ``direction``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shequ.safety.choices import DeviceKind, EventKind

DENIAL_REASONS = ("unknown_credential", "blocked", "expired", "wrong_pin")


@dataclass(frozen=True)
class SimDevice:
    """A device as the simulator knows it: what it is, where it publishes and how it signs in."""

    code: str
    kind: str
    subdistrict_code: str
    secret: str = ""
    accepts_pin: bool = False
    heartbeat_seconds: int = 300

    def topic(self, prefix: str, channel: str) -> str:
        """The topic scheme of :func:`shequ.safety.commands.topic`."""
        return f"{prefix}/{self.subdistrict_code}/{self.code}/{channel}"


def envelope(kind: str, at: dt.datetime, rng: random.Random, **data: Any) -> dict[str, Any]:
    return {"event_id": f"{rng.getrandbits(128):032x}", "kind": str(kind),
            "occurred_at": at.isoformat(timespec="milliseconds"), "data": data}


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# An action of a plan: made into a payload when it is due, so that ``occurred_at`` is the moment it is sent.
Make = Callable[[dt.datetime, random.Random], dict[str, Any]]


@dataclass(order=True)
class Step:
    at: float
    seq: int
    device: SimDevice = field(compare=False)
    make: Make = field(compare=False)
    # "event" for the events channel; "drop" makes the device vanish without a goodbye (its last will fires).
    action: str = field(default="event", compare=False)


def _kind(kind: str, **data: Any) -> Make:
    return lambda at, rng: envelope(kind, at, rng, **data)


def credential_id(method: str, rng: random.Random) -> str:
    """A made-up credential: a card's number, or the id of a PIN or QR code (never the PIN itself)."""
    return f"{method.upper()}{rng.randrange(10**8):08d}"


def opening(device: SimDevice, rng: random.Random) -> Make:
    """An everyday door event: mostly granted (card, else PIN or QR where the door takes them), a few denials."""
    methods = ["card", "pin", "qr"] if device.accepts_pin else ["card"]
    method = rng.choices(methods, weights=[8, 1, 1][: len(methods)])[0]
    direction = rng.choices(["in", "out"], weights=[3, 1])[0]
    credential = credential_id(method, rng)
    if rng.random() < 0.02:
        return _kind(EventKind.DOOR_DENIED, credential=credential, method=method, direction=direction,
                     reason=rng.choice(DENIAL_REASONS))
    return _kind(EventKind.DOOR_GRANTED, credential=credential, method=method, direction=direction)


def _background(devices: list[SimDevice], rate: float, start: float, duration: float, rng: random.Random,
                counter: list[int]) -> list[Step]:
    """Poisson arrivals at ``rate`` a second: door openings, and now and then an access point's status."""
    doors = [d for d in devices if d.kind == DeviceKind.DOOR]
    aps = [d for d in devices if d.kind == DeviceKind.ACCESS_POINT]
    steps: list[Step] = []
    if rate <= 0 or not (doors or aps):
        return steps
    at = start + rng.expovariate(rate)
    while at < start + duration:
        counter[0] += 1
        if aps and (not doors or rng.random() < 0.01):
            ap = rng.choice(aps)
            steps.append(Step(at, counter[0], ap, _kind(EventKind.AP_STATUS, clients=rng.randint(0, 40),
                                                              uplink="up")))
        else:
            door = rng.choice(doors)
            steps.append(Step(at, counter[0], door, opening(door, rng)))
        at += rng.expovariate(rate)
    return steps


def _incident(devices: list[SimDevice], rng: random.Random, counter: list[int], start: float) -> list[Step]:
    """At one reader: six denials in 25 s, then the door forced and left open; a camera loses its signal and
    then drops off the network altogether."""
    steps: list[Step] = []

    def add(at: float, device: SimDevice, make: Make, action: str = "event") -> None:
        counter[0] += 1
        steps.append(Step(start + at, counter[0], device, make, action))

    doors = [d for d in devices if d.kind == DeviceKind.DOOR]
    cameras = [d for d in devices if d.kind == DeviceKind.CAMERA]
    if doors:
        door = rng.choice(doors)
        for n in range(6):
            add(n * 5.0, door, _kind(EventKind.DOOR_DENIED, credential=credential_id("card", rng), method="card",
                                     direction="in", reason="unknown_credential" if n % 2 else "blocked"))
        add(31.0, door, _kind(EventKind.DOOR_FORCED))
        add(65.0, door, _kind(EventKind.DOOR_HELD_OPEN, seconds=34))
    if cameras:
        camera = rng.choice(cameras)
        add(10.0, camera, _kind(EventKind.CAMERA_VIDEO_LOST, channel=1))
        add(20.0, camera, _kind(EventKind.HEARTBEAT), action="drop")
    return steps


# name → (default events a second, what it is)
SCENARIOS: dict[str, tuple[float, str]] = {
    "rush": (50.0, "the morning rush: door openings at every entrance"),
    "quiet": (0.5, "a quiet night: a door now and then, the access points' status"),
    "incident": (0.5, "quiet traffic, then a reader refusing six times, the door forced, a camera lost"),
}


def plan(scenario: str, devices: list[SimDevice], *, rng: random.Random, start: float = 0.0,
         duration: float = 60.0, rate: float | None = None, incident_at: float | None = 2.0) -> list[Step]:
    """The steps of ``scenario`` from ``start`` for ``duration`` seconds, in the order they are due; the incident
    (of the ``incident`` scenario) begins at ``incident_at`` seconds, or not at all if that is None."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}: choose from {', '.join(SCENARIOS)}")
    counter = [0]
    steps = _background(devices, SCENARIOS[scenario][0] if rate is None else rate, start, duration, rng, counter)
    if scenario == "incident" and incident_at is not None:
        steps += _incident(devices, rng, counter, incident_at)
    return sorted(steps)
