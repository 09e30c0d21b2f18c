"""The demo's safety devices and their last day, in the report's numbers.

The report (江苏路街道, ``seed/jiangsu-road-digital-community.zh.txt``) counts 324 electronically controlled
anti-theft doors (电控防盗门) and 44 entrance cameras in its compounds, 100 cameras of the community security
network (144 in all) and wireless access points in the main buildings (无线社区). The demo places them in its
13 compounds: the doors on the entrances (单元) of the buildings, the entrance cameras at the compound gates,
the network's cameras about the compounds' grounds, and 17 access points in the first buildings.

Every device gets a *demo* secret derived from its code (:func:`demo_secret`) so that ``shequ simulate-devices``
can sign in as any of them without a list of secrets; only its hash is stored, as for a real device. A real
installation never does this: a real device's secret is random and shown once (:mod:`shequ.safety.secrets`).

The last 24 hours of door history (granted and denied openings, a door forced in the night), a camera whose
signal was lost and the access points' hourly status are written in batches as :class:`Event` rows, as if the
ingest had stored them; the unusual ones go through the alarm rules so that the police office's board has
something on it. Called by :mod:`shequ.demo.builder` as :func:`build_safety`.

The home sensors of the elders living alone (四小件: water meter, door sensor, infrared motion sensor, smoke alarm,
and the one-button call) are placed in their dwellings by :func:`home_devices`, with a back-filled day
of an elder's life from :func:`home_history` (the rates of :mod:`shequ.safety.traffic`): one dwelling, the
*quiet* one, falls silent :data:`QUIET_FOR` before the build. The care roll's side is :mod:`shequ.eldercare.demo`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from shequ.core import actions as core_actions
from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict, User
from shequ.core.roles import Role
from shequ.safety import secrets, traffic
from shequ.safety.choices import (
    DEFAULT_HEARTBEAT_SECONDS,
    Availability,
    DeviceKind,
    EventKind,
    EventSource,
    PlanType,
)
from shequ.safety.models import Device, EmergencyPlan, Event

# The report's figures.
DOORS = 324
ENTRANCE_CAMERAS = 44
NETWORK_CAMERAS = 100
CAMERAS = ENTRANCE_CAMERAS + NETWORK_CAMERAS
ACCESS_POINTS = 17

# GB/T 28181 device ID: 8-digit centre code (GB/T 2260 division 310105 长宁区 + 00), industry 00 (public-security
# road access), type 132 (IP camera), then a 7-digit serial.
CAMERA_CENTRE, CAMERA_INDUSTRY, CAMERA_TYPE = "31010500", "00", "132"

EMERGENCY_SERVICE = "safety-emergency"
POLICE_LOGINS = (("police-huashan", "华山居民区", "华山社区警务室"),
                 ("police-caojiayan", "曹家堰居民区", "曹家堰社区警务室"))

# Only for the demo: anyone who reads this file can compute every demo device's secret.
_DEMO_SECRET_KEY = b"shequ demo device secrets - not for a real installation"

_GATES = ("东门", "南门", "西门", "北门", "正门")
_GROUNDS = ("中心花园", "非机动车棚", "垃圾厢房", "地下车库入口", "健身苑点", "围墙周界", "儿童游乐区", "主干道",
            "消防通道", "快递柜")
_CAMERA_MODELS = (("Hikvision", "DS-2CD3T47", "V5.7.3"), ("Dahua", "IPC-HFW2431", "V2.840.0"),
                  ("Uniview", "IPC2124SB", "IPC_G6103"))
_DOOR_MODELS = (("立林 Leelen", "DC-8000", "3.2.1"), ("狄耐克 DNAKE", "AC-02C", "1.9.4"))
_AP_MODELS = (("Huawei", "AirEngine 5761-11", "V200R022"), ("H3C", "WA6320", "R2456P01"))
# Door openings by hour of day: quiet at night, the morning rush, school and market, the evening return.
_HOURLY = (1, 0.5, 0.3, 0.3, 0.5, 2, 6, 12, 10, 5, 4, 4, 5, 4, 3, 4, 6, 9, 10, 7, 5, 4, 3, 2)

# The home sensors: code prefix, name, where in the flat, (manufacturer, model, firmware).
_HOME: dict[str, tuple[str, str, str, tuple[str, str, str]]] = {
    DeviceKind.WATER_METER: ("water", "智能水表", "厨房", ("宁波水表 Ningbo Water Meter", "LXSY-20E NB-IoT", "2.1.0")),
    DeviceKind.DOOR_SENSOR: ("doorsensor", "门磁", "入户门", ("Aqara", "MCCGQ11LM", "1.0.6")),
    DeviceKind.MOTION_SENSOR: ("pir", "红外人体感应器", "客厅", ("Aqara", "RTCGQ11LM", "1.0.7")),
    DeviceKind.SMOKE_ALARM: ("smoke", "独立式烟感", "厨房顶", ("海曼 Heiman", "HS1SA-N", "3.1.2")),
    DeviceKind.CALL_BUTTON: ("call", "一键呼叫", "床头", ("安康通 Ankang", "AKT-P8", "5.0.3")),
}
# How long the back-filled history of the home sensors reaches back: the day the rules look at and the meter's
# margin before it (26 h); the quiet elder's reaches further, to show her last ordinary morning.
HOME_BACKFILL = dt.timedelta(hours=26)
QUIET_BACKFILL = dt.timedelta(hours=36)
# The quiet elder's sensors last saw her this long before the build: longer than the door and motion rules'
# 24 hours (Jiangsu Road's: door not opened, no movement in 24 h), so that all three inactivity rules find her.
QUIET_FOR = dt.timedelta(hours=25)

Bulk = Callable[[Any, list[Any], str], list[Any]]


def demo_secret(code: str) -> str:
    """The demo device's secret, the same every time for the same code (demo only: see the module docstring)."""
    digest = hmac.new(_DEMO_SECRET_KEY, code.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def camera_code(serial: int) -> str:
    """A valid GB/T 28181 20-digit ID for the demo's ``serial``-th camera."""
    return f"{CAMERA_CENTRE}{CAMERA_INDUSTRY}{CAMERA_TYPE}{serial:07d}"


def door_code(compound_index: int, building_index: int, entrance: int) -> str:
    return f"door-{compound_index + 1:02d}-{building_index + 1:02d}-{entrance}"


@dataclass
class _Placer:
    subdistrict: Subdistrict
    now: dt.datetime
    rng: random.Random

    def device(self, compound: Compound, building: Building | None, kind: str, code: str, name: str, *,
               location: str = "", entrance: str = "", models: Sequence[tuple[str, str, str]] = (),
               **extra: Any) -> Device:
        manufacturer, model, firmware = self.rng.choice(models) if models else ("", "", "")
        installed = (self.now - dt.timedelta(days=self.rng.randint(90, 2000))).date()
        return Device(
            subdistrict=self.subdistrict, neighborhood_id=compound.neighborhood_id, compound=compound,
            building=building, kind=kind, code=code, name=name, location=location, entrance=entrance,
            manufacturer=manufacturer, model=model, firmware_version=firmware,
            serial_number=f"{model}-{code[-8:]}" if model else "",
            heartbeat_seconds=DEFAULT_HEARTBEAT_SECONDS[DeviceKind(kind)],
            availability=Availability.ONLINE, availability_changed_at=self.now - dt.timedelta(days=1),
            last_seen_at=self.now, secret_hash=secrets.hash_secret(demo_secret(code)),
            secret_issued_at=self.now - dt.timedelta(days=30), installed_on=installed, **extra)


def _devices(placer: _Placer, compounds: Sequence[Compound]) -> list[Device]:
    rng = placer.rng
    buildings = {c.pk: list(Building.objects.filter(compound=c).order_by("pk")) for c in compounds}
    made: list[Device] = []
    # Doors: 324 entrances, shared out over every building (the first ones get one more).
    everywhere = [(ci, bi, b) for ci, c in enumerate(compounds) for bi, b in enumerate(buildings[c.pk])]
    for position, (ci, bi, building) in enumerate(everywhere):
        entrances = DOORS // len(everywhere) + (1 if position < DOORS % len(everywhere) else 0)
        for entrance in range(1, entrances + 1):
            renewed = rng.random() < 0.4  # the 202 new or renewed doors also take a PIN and a QR code
            made.append(placer.device(
                compounds[ci], building, DeviceKind.DOOR, door_code(ci, bi, entrance),
                f"{compounds[ci].name}{building.number}楼{entrance}单元", entrance=f"{entrance}单元",
                location=f"{building.number}楼{entrance}单元门", models=_DOOR_MODELS, accepts_pin=renewed,
                accepts_qr=renewed))
    # Cameras: the entrance cameras at the gates, then the network's about the grounds.
    for serial in range(1, CAMERAS + 1):
        compound = compounds[(serial - 1) % len(compounds)]
        index = (serial - 1) // len(compounds)
        if serial <= ENTRANCE_CAMERAS:
            location = _GATES[index % len(_GATES)]
        else:
            location = _GROUNDS[(serial + index) % len(_GROUNDS)]
        code = camera_code(serial)
        device = placer.device(compound, None, DeviceKind.CAMERA, code, f"{compound.name}{location}",
                               location=location, models=_CAMERA_MODELS)
        device.hardware_id = f"HW{serial:06d}"
        made.append(device)
    # Access points: the first building of each compound, then the second of the largest.
    by_size = sorted(compounds, key=lambda c: -len(buildings[c.pk]))
    hosts = [(c, buildings[c.pk][0]) for c in compounds if buildings[c.pk]]
    hosts += [(c, buildings[c.pk][1]) for c in by_size if len(buildings[c.pk]) > 1]
    for number in range(1, ACCESS_POINTS + 1):
        # A small demo has fewer buildings than access points: the big ones then get one upstairs too.
        compound, building = hosts[(number - 1) % len(hosts)]
        spot = ("大堂", "三楼走廊", "顶楼")[min((number - 1) // len(hosts), 2)]
        made.append(placer.device(compound, building, DeviceKind.ACCESS_POINT, f"ap-{number:02d}",
                                  f"{compound.name}{building.number}楼无线接入点",
                                  location=f"{building.number}楼{spot}", models=_AP_MODELS))
    return made


def home_code(kind: str, dwelling_id: int) -> str:
    """The demo code of a home sensor: its kind's prefix and the dwelling, e.g. ``water-000437``."""
    return f"{_HOME[kind][0]}-{dwelling_id:06d}"


def home_devices(*, subdistrict: Subdistrict, dwellings: Sequence[Dwelling], now: dt.datetime,
                 rng: random.Random, installed: dict[int, dt.date] | None = None) -> list[Device]:
    """The four small sensors and the one-button call in each dwelling (unsaved), with demo secrets like every
    demo device; ``installed`` gives a dwelling's installation date (after the elder's consent)."""
    placer = _Placer(subdistrict=subdistrict, now=now, rng=rng)
    made: list[Device] = []
    for dwelling in dwellings:
        building = dwelling.building
        compound = building.compound
        for kind, (_prefix, name, spot, model) in _HOME.items():
            device = placer.device(compound, building, kind, home_code(kind, dwelling.pk),
                                   f"{dwelling.label}{name}", location=spot, models=[model], dwelling=dwelling)
            if installed and dwelling.pk in installed:
                device.installed_on = installed[dwelling.pk]
            made.append(device)
    return made


def _home_day(devices: dict[str, Device], start: dt.datetime, now: dt.datetime, stop: dt.datetime,
              rng: random.Random) -> list[Event]:
    """One dwelling's events from ``start`` to ``now``; after ``stop`` nobody moves (the meter still reports)."""
    made: list[Event] = []
    meter = devices.get(DeviceKind.WATER_METER)
    if meter is not None:
        total = round(rng.uniform(20_000, 400_000), 1)  # litres since the meter was fitted
        at = start
        while at <= now:
            hour = traffic.shanghai_hour(at)
            active = at <= stop
            if active:
                total = round(total + traffic.litres_in_slot(hour, rng), 1)
            flow = traffic.flow_now(hour, rng) if active else 0.0
            made.append(_event(meter, EventKind.WATER_READING, at, rng, litres=total, flow_lpm=flow))
            at += dt.timedelta(seconds=traffic.METER_SECONDS)
    hours = []
    at = start
    while at < min(now, stop):
        hours.append(at)
        at += dt.timedelta(hours=1)

    def moments(per_hour: float, hour_start: dt.datetime) -> list[dt.datetime]:
        found, offset = [], rng.expovariate(per_hour) * 3600 if per_hour > 0 else 3600.0
        while offset < 3600:
            moment = hour_start + dt.timedelta(seconds=offset)
            if moment <= min(now, stop):
                found.append(moment)
            offset += rng.expovariate(per_hour) * 3600
        return found

    motion = devices.get(DeviceKind.MOTION_SENSOR)
    door = devices.get(DeviceKind.DOOR_SENSOR)
    for hour_start in hours:
        hour = traffic.shanghai_hour(hour_start)
        if motion is not None:
            made += [_event(motion, EventKind.MOTION_DETECTED, m, rng)
                     for m in moments(traffic.MOTION_BY_HOUR[hour], hour_start)]
        if door is not None:
            # An outing opens the door twice: going out, and coming back a while later.
            for leave in moments(traffic.DOOR_BY_HOUR[hour] / 2, hour_start):
                back = leave + dt.timedelta(minutes=rng.uniform(20, 120))
                made += [_event(door, EventKind.DOOR_SENSOR_OPENED, at, rng) for at in (leave, back)
                         if at <= min(now, stop)]
    if door is not None and stop >= now and not any(
            e.device is door and e.occurred_at >= now - dt.timedelta(hours=24) for e in made):
        # A day without going out is no alarm for someone who still lives normally: she went to the market.
        market = max(h for h in hours if traffic.DOOR_BY_HOUR[traffic.shanghai_hour(h)] >= 0.5
                     and now - dt.timedelta(hours=24) <= h <= now - dt.timedelta(hours=2))
        leave = market + dt.timedelta(minutes=rng.uniform(0, 30))
        made += [_event(door, EventKind.DOOR_SENSOR_OPENED, at, rng)
                 for at in (leave, leave + dt.timedelta(minutes=rng.uniform(30, 60)))]
    return made


def home_history(devices: Sequence[Device], *, now: dt.datetime, rng: random.Random,
                 quiet_dwelling_id: int | None = None) -> list[Event]:
    """:data:`HOME_BACKFILL` of the home sensors' events (unsaved): the meters' half-hourly totals, movement by
    day, the front door a few times a day, no smoke, no calls; the quiet dwelling's sensors see nobody after
    :data:`QUIET_FOR` ago (its meter goes on reporting the same total)."""
    by_dwelling: dict[int, dict[str, Device]] = {}
    for device in devices:
        if device.dwelling_id is not None:
            by_dwelling.setdefault(device.dwelling_id, {})[device.kind] = device
    made: list[Event] = []
    for dwelling_id, kinds in by_dwelling.items():
        quiet = dwelling_id == quiet_dwelling_id
        # The meters' half-hour grid, on the hour and the half-hour.
        start = (now - (QUIET_BACKFILL if quiet else HOME_BACKFILL)).replace(second=0, microsecond=0)
        start = start.replace(minute=0 if start.minute < 30 else 30)
        made += _home_day(kinds, start, now, now - QUIET_FOR if quiet else now, rng)
    return made


def _event(device: Device, kind: str, at: dt.datetime, rng: random.Random, **data: Any) -> Event:
    return Event(device=device, event_id=f"{rng.getrandbits(128):032x}", kind=kind, occurred_at=at,
                 received_at=at + dt.timedelta(milliseconds=rng.randint(20, 400)), source=EventSource.MQTT,
                 data=data, subdistrict_id=device.subdistrict_id, neighborhood_id=device.neighborhood_id,
                 compound_id=device.compound_id)


def _history(devices: list[Device], now: dt.datetime, rng: random.Random) -> tuple[list[Event], list[Event]]:
    """24 hours of events, and the unusual ones among them (for the alarm rules)."""
    start = now - dt.timedelta(hours=24)
    hours = [start + dt.timedelta(hours=h) for h in range(24)]
    weights = [_HOURLY[(moment.astimezone(dt.UTC).hour + 8) % 24] for moment in hours]  # Shanghai's hour of day

    def moment() -> dt.datetime:
        hour = rng.choices(hours, weights=weights)[0]
        return hour + dt.timedelta(seconds=rng.uniform(0, 3600))

    routine: list[Event] = []
    notable: list[Event] = []
    doors = [d for d in devices if d.kind == DeviceKind.DOOR]
    for door in doors:
        methods = ["card"] + (["pin", "qr"] if door.accepts_pin else [])
        for _ in range(rng.randint(15, 45)):
            method = rng.choices(methods, weights=[8, 1, 1][: len(methods)])[0]
            routine.append(_event(door, EventKind.DOOR_GRANTED, moment(), rng,
                                  credential=traffic.credential_id(method, rng), method=method,
                                  direction=rng.choices(["in", "out"], weights=[3, 1])[0]))
        if rng.random() < 0.3:
            notable.append(_event(door, EventKind.DOOR_DENIED, moment(), rng,
                                  credential=traffic.credential_id("card", rng), method="card", direction="in",
                                  reason=rng.choice(traffic.DENIAL_REASONS)))
    # Last night a door was forced open (03:10 Shanghai time) and closed again a minute later.
    forced_door = doors[rng.randrange(len(doors))]
    night = (now.astimezone(dt.UTC) - dt.timedelta(hours=24)).replace(hour=19, minute=10, second=0, microsecond=0)
    if night < start:
        night += dt.timedelta(days=1)
    for offset, (method, reason) in enumerate((("card", "unknown_credential"), ("pin", "wrong_pin"))):
        notable.append(_event(forced_door, EventKind.DOOR_DENIED, night - dt.timedelta(minutes=3 - offset), rng,
                              credential=traffic.credential_id(method, rng), method=method, direction="in",
                              reason=reason))
    notable.append(_event(forced_door, EventKind.DOOR_FORCED, night, rng))
    notable.append(_event(forced_door, EventKind.DOOR_CLOSED, night + dt.timedelta(seconds=70), rng))
    # A door propped open in the afternoon.
    held = doors[(doors.index(forced_door) + 7) % len(doors)]
    afternoon = now - dt.timedelta(hours=5)
    notable.append(_event(held, EventKind.DOOR_HELD_OPEN, afternoon, rng, seconds=95))
    notable.append(_event(held, EventKind.DOOR_CLOSED, afternoon + dt.timedelta(seconds=95), rng))
    # A camera lost its signal for twenty minutes this morning.
    cameras = [d for d in devices if d.kind == DeviceKind.CAMERA]
    flaky = cameras[rng.randrange(len(cameras))]
    lost = now - dt.timedelta(hours=9)
    notable.append(_event(flaky, EventKind.CAMERA_VIDEO_LOST, lost, rng, channel=1))
    notable.append(_event(flaky, EventKind.CAMERA_VIDEO_RESTORED, lost + dt.timedelta(minutes=20), rng, channel=1))
    # The access points report how many clients they serve, every hour.
    for ap in (d for d in devices if d.kind == DeviceKind.ACCESS_POINT):
        for hour, weight in zip(hours, weights, strict=True):
            routine.append(_event(ap, EventKind.AP_STATUS, hour + dt.timedelta(minutes=rng.randint(0, 5)), rng,
                                  clients=int(weight * rng.uniform(2, 5)), uplink="up"))
    return routine, notable


def _police(admin: User, neighborhoods: Sequence[Neighborhood], password_hash: str, *,
            services: bool) -> list[tuple[str, str, str]]:
    """The two neighbourhoods' community police offices (社区数字警务室), one officer each; with the service
    centre, members of the police station's department, so that emergencies reach them."""
    from shequ.affairs.models import Department

    station = Department.objects.filter(code="police").first() if services else None
    made = []
    by_name = {nb.name: nb for nb in neighborhoods}
    for username, nb_name, office in POLICE_LOGINS:
        neighborhood = by_name.get(nb_name)
        if neighborhood is None:
            continue
        user = core_actions.create_user(actor=None, username=username, role=Role.POLICE, full_name=office,
                                        subdistrict=admin.subdistrict, neighborhood=neighborhood)
        user.password = password_hash
        user.save(update_fields=["password"])
        if station is not None:
            from shequ.affairs import actions as affairs_actions

            affairs_actions.add_member(actor=admin, department=station, user=user)
        made.append((username, str(Role.POLICE), neighborhood.name))
    return made


def _plans(admin: User, subdistrict: Subdistrict, *, services: bool) -> None:
    """The emergency service in the catalogue (when the service centre is built) and two emergency plans."""
    from shequ.affairs.choices import SlaUnit
    from shequ.affairs.models import Department

    departments = {d.code: d for d in Department.objects.filter(code__in=["office", "police", "health"])}
    service = None
    if services and "police" in departments:
        from shequ.affairs import actions as affairs_actions

        service = affairs_actions.save_service(
            actor=admin, code=EMERGENCY_SERVICE, name="平安通紧急事件", category="应急",
            description="门禁、监控或烟感报警形成的紧急事件：多方同时告警，限时确认。",
            department=departments["police"], sla_amount=2, sla_unit=SlaUnit.HOURS, is_emergency=True,
            ack_minutes=5, keywords="报警 强行开门 烟雾 火警 老人", linked_departments=list(departments.values()))
    fire = EmergencyPlan.objects.create(
        subdistrict=subdistrict, plan_type=PlanType.FIRE, title="小区火警应急预案", service=service,
        steps=["拨打119并报告地址、楼号、起火情况", "物业关闭电梯、打开消防通道与单元门",
               "组织楼内居民疏散，优先协助老人和行动不便者", "社区民警维持秩序、保护现场",
               "清点人数，向街道应急办报告"],
        contacts="街道应急办 52389022\n江苏路派出所 110\n物业值班 52380000",
        materials="灭火器：每栋楼一层楼道\n应急照明与喇叭：居委会仓库\n急救箱：社区卫生服务站")
    elder = EmergencyPlan.objects.create(
        subdistrict=subdistrict, plan_type=PlanType.ELDER_UNWELL, title="独居老人突发不适应急预案", service=service,
        steps=["拨打120，说明老人情况与地址", "联系老人的紧急联系人", "居委会或志愿者上门，开门需民警在场",
               "等待救护车期间按急救指引处置", "记录经过，次日回访"],
        contacts="社区卫生服务中心 62522222\n江苏路派出所 110",
        materials="备用钥匙：居委会保险柜（经老人同意登记）\nAED：社区卫生服务中心一楼")
    for plan, codes in ((fire, ["office", "police"]), (elder, ["health", "police"])):
        plan.departments.set([departments[code] for code in codes if code in departments])


def build_safety(*, admin: User, subdistrict: Subdistrict, neighborhoods: Sequence[Neighborhood],
                 compounds: Sequence[Compound], rng: random.Random, now: dt.datetime, password_hash: str,
                 services: bool = True, bulk: Bulk | None = None) -> list[tuple[str, str, str]]:
    """Build the devices, their last day, the police logins and the plans; returns the new logins as
    (username, role, where they work).

    ``services=False`` leaves out what goes through the service centre's (durable) actions."""
    from shequ.safety import alarms

    def default_bulk(model: Any, objs: list[Any], _name: str) -> list[Any]:
        return list(model.objects.bulk_create(objs, batch_size=2000))

    write = bulk or default_bulk
    placer = _Placer(subdistrict=subdistrict, now=now, rng=rng)
    devices = write(Device, _devices(placer, compounds), "safety_device")
    if any(d.pk is None for d in devices):  # bulk_create sets keys on PostgreSQL and SQLite ≥ 3.35 alike
        devices = list(Device.objects.filter(subdistrict=subdistrict).order_by("pk"))
    routine, notable = _history(devices, now, rng)
    write(Event, routine, "safety_event")
    stored = write(Event, sorted(notable, key=lambda e: e.occurred_at), "safety_event")
    with transaction.atomic():  # the rules lock what they update, as in the ingest's transaction
        alarms.on_events(stored)
    logins = _police(admin, neighborhoods, password_hash, services=services)
    _plans(admin, subdistrict, services=services)
    return logins
