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
``water.reading``                      ``litres``: the meter's total; ``flow_lpm``: the flow as it reads
``door_sensor.opened``                 nothing (a home's front door opened)
``motion.detected``                    nothing (the infrared sensor saw someone move)
``smoke.alarm``                        ``level``: ``alarm``
``call.pressed``                       nothing (the one-button call)
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

from shequ.safety.choices import HOME_SENSOR_KINDS, DeviceKind, EventKind

DENIAL_REASONS = ("unknown_credential", "blocked", "expired", "wrong_pin")

# An elder living alone, by Shanghai's hour of day (shared by the demo's back-filled day and the simulator):
# litres of water an hour (about 120 L a day: washing and breakfast, lunch, supper and the evening wash, a flush
# or two at night), movements the infrared sensor sees an hour (asleep at night, a nap after lunch) and times the
# front door opens an hour (the morning market, an afternoon walk).
WATER_BY_HOUR = (1, 0.5, 0.5, 0.5, 0.5, 2, 12, 14, 8, 4, 4, 8, 6, 2, 2, 3, 4, 10, 12, 8, 8, 6, 2, 1)
MOTION_BY_HOUR = (0.3, 0.3, 0.3, 0.3, 0.3, 1, 3, 4, 4, 4, 4, 4, 3, 1, 1, 4, 4, 4, 4, 4, 4, 3, 2, 0.5)
DOOR_BY_HOUR = (0, 0, 0, 0, 0, 0, 0.1, 0.5, 0.6, 0.5, 0.3, 0.2, 0.1, 0, 0.2, 0.4, 0.4, 0.3, 0.1, 0.1, 0, 0, 0, 0)
METER_SECONDS = 1800  # a smart water meter reports its total every half-hour
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def shanghai_hour(at: dt.datetime) -> int:
    return at.astimezone(SHANGHAI).hour


def litres_in_slot(hour: int, rng: random.Random) -> float:
    """Water used in one half-hour of ``hour`` (never nothing by day, so any 12 hours of normal life pass the
    water-low rule's 10 L)."""
    return round(WATER_BY_HOUR[hour] / 2 * rng.uniform(0.5, 1.5), 1)


def flow_now(hour: int, rng: random.Random) -> float:
    """The flow the meter reads at the moment it reports: mostly none, a running tap at busy hours."""
    return round(rng.uniform(3, 8), 1) if rng.random() < min(0.5, WATER_BY_HOUR[hour] / 30) else 0.0


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


@dataclass
class Homes:
    """The home sensors' side of a scenario: each meter's running total (read from its last reading, so the totals
    only grow), the devices of the quiet dwelling (alive, but nobody moves: the meter reports an unchanged total),
    the wall-clock time of the scenario's start (for the hour of day) and the alarms to fire once, at the start."""

    totals: dict[str, float] = field(default_factory=dict)
    quiet: frozenset[str] = frozenset()
    clock: dt.datetime | None = None
    fire: tuple[SimDevice, ...] = ()


def _poisson_times(rng: random.Random, per_hour: float, start: float, end: float) -> list[float]:
    times: list[float] = []
    if per_hour <= 0:
        return times
    at = start + rng.expovariate(per_hour / 3600)
    while at < end:
        times.append(at)
        at += rng.expovariate(per_hour / 3600)
    return times


def _home(devices: list[SimDevice], homes: Homes, start: float, duration: float, rng: random.Random,
          counter: list[int]) -> list[Step]:
    """The home sensors of elders living alone, at their rates by the hour of day: a meter's total every
    half-hour, motion while she is up, the front door a few times a day; the quiet dwelling's meter reports the
    same total with no flow and its other sensors say nothing."""
    steps: list[Step] = []
    clock = homes.clock or dt.datetime.now(dt.UTC)
    end = start + duration

    def add(at: float, device: SimDevice, make: Make) -> None:
        counter[0] += 1
        steps.append(Step(at, counter[0], device, make))

    for device in devices:
        if device.kind not in HOME_SENSOR_KINDS:
            continue
        quiet = device.code in homes.quiet
        if device.kind == DeviceKind.WATER_METER:
            # Readings on the meter's own half-hour grid (its phase from its code, so restarts keep it).
            phase = sum(device.code.encode()) % METER_SECONDS
            at = start + (phase - start) % METER_SECONDS
            while at < end:
                hour = shanghai_hour(clock + dt.timedelta(seconds=at))
                total = homes.totals.get(device.code, 0.0)
                if not quiet:
                    total = round(total + litres_in_slot(hour, rng), 1)
                    homes.totals[device.code] = total
                flow = 0.0 if quiet else flow_now(hour, rng)
                add(at, device, _kind(EventKind.WATER_READING, litres=total, flow_lpm=flow))
                at += METER_SECONDS
            continue
        if quiet:
            continue
        rates = {DeviceKind.MOTION_SENSOR: MOTION_BY_HOUR, DeviceKind.DOOR_SENSOR: DOOR_BY_HOUR}.get(
            DeviceKind(device.kind))
        if rates is None:
            continue
        kind = EventKind.MOTION_DETECTED if device.kind == DeviceKind.MOTION_SENSOR else EventKind.DOOR_SENSOR_OPENED
        for at in _poisson_times(rng, rates[shanghai_hour(clock + dt.timedelta(seconds=start))], start, end):
            add(at, device, _kind(kind))
    if start == 0:
        for n, device in enumerate(homes.fire):
            if device.kind == DeviceKind.SMOKE_ALARM:
                add(3.0 + n, device, _kind(EventKind.SMOKE_ALARM, level="alarm"))
            elif device.kind == DeviceKind.CALL_BUTTON:
                add(3.0 + n, device, _kind(EventKind.CALL_PRESSED))
    return steps


# name → (default events a second, what it is)
SCENARIOS: dict[str, tuple[float, str]] = {
    "rush": (50.0, "the morning rush: door openings at every entrance"),
    "quiet": (0.5, "a quiet night: a door now and then, the access points' status"),
    "incident": (0.5, "quiet traffic, then a reader refusing six times, the door forced, a camera lost"),
}


def plan(scenario: str, devices: list[SimDevice], *, rng: random.Random, start: float = 0.0,
         duration: float = 60.0, rate: float | None = None, incident_at: float | None = 2.0,
         homes: Homes | None = None) -> list[Step]:
    """The steps of ``scenario`` from ``start`` for ``duration`` seconds, in the order they are due; the incident
    (of the ``incident`` scenario) begins at ``incident_at`` seconds, or not at all if that is None. Home sensors
    among ``devices`` play an elder's day whatever the scenario (``homes`` keeps their state between calls)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}: choose from {', '.join(SCENARIOS)}")
    counter = [0]
    steps = _background(devices, SCENARIOS[scenario][0] if rate is None else rate, start, duration, rng, counter)
    if scenario == "incident" and incident_at is not None:
        steps += _incident(devices, rng, counter, incident_at)
    if any(d.kind in HOME_SENSOR_KINDS for d in devices):
        steps += _home(devices, homes if homes is not None else Homes(), start, duration, rng, counter)
    return sorted(steps)
