"""The inactivity rules: each just inside and just outside its threshold, over readings stored as the ingest
stores them; sensors not fitted, away periods, signs of life and overrides."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from shequ.core.models import Dwelling
from shequ.eldercare import rules
from shequ.eldercare.rules import ElderContext, Rule, Thresholds, evaluate, readings_by_dwelling
from shequ.safety.choices import DEFAULT_HEARTBEAT_SECONDS, DeviceKind, EventKind, EventSource
from shequ.safety.models import Device, Event
from tests.conftest import Org

NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)
FOUR = (DeviceKind.WATER_METER, DeviceKind.DOOR_SENSOR, DeviceKind.MOTION_SENSOR, DeviceKind.SMOKE_ALARM)


def pass_queries() -> int:
    """The statements of a full pass's aggregate: on PostgreSQL its session settings, then the one query."""
    return 2 if connection.vendor == "postgresql" else 1


class Home:
    """One elder's flat with its sensors, and a way to make them speak at a given time."""

    def __init__(self, org: Org, dwelling: Dwelling, kinds: tuple[str, ...] = FOUR) -> None:
        self.dwelling = dwelling
        self.devices = {kind: Device.objects.create(
            subdistrict=org.subdistrict, neighborhood=dwelling.building.compound.neighborhood,
            compound=dwelling.building.compound, building=dwelling.building, dwelling=dwelling, kind=kind,
            code=f"{kind}-{dwelling.pk}", name=kind, heartbeat_seconds=DEFAULT_HEARTBEAT_SECONDS[kind])
            for kind in kinds}

    def event(self, kind: str, ago: dt.timedelta, **data: Any) -> None:
        device_kind = {EventKind.WATER_READING: DeviceKind.WATER_METER,
                       EventKind.DOOR_SENSOR_OPENED: DeviceKind.DOOR_SENSOR,
                       EventKind.MOTION_DETECTED: DeviceKind.MOTION_SENSOR,
                       EventKind.SMOKE_ALARM: DeviceKind.SMOKE_ALARM}[kind]
        device = self.devices[device_kind]
        Event.objects.create(device=device, event_id=f"e{next(_ids)}", kind=kind, occurred_at=NOW - ago,
                             received_at=NOW - ago, source=EventSource.MQTT, data=data,
                             subdistrict=device.subdistrict, neighborhood=device.neighborhood,
                             compound=device.compound)

    def water(self, ago: dt.timedelta, litres: float, flow: float | None = None) -> None:
        data: dict[str, Any] = {"litres": litres}
        if flow is not None:
            data["flow_lpm"] = flow
        self.event(EventKind.WATER_READING, ago, **data)

    def lively(self) -> None:
        """An ordinary day: water used, the door opened, movement an hour ago."""
        self.water(H(25), 1000.0)
        self.water(H(13), 1040.0, flow=0)
        self.water(H(11), 1050.0, flow=0)
        self.water(H(1), 1200.0, flow=0)
        self.event(EventKind.DOOR_SENSOR_OPENED, H(5))
        self.event(EventKind.MOTION_DETECTED, H(1))

    def findings(self, thresholds: Thresholds | None = None, **kwargs: Any) -> set[str]:
        readings = readings_by_dwelling([self.dwelling.pk], NOW)[self.dwelling.pk]
        return {f.code for f in evaluate(readings, thresholds or rules.thresholds_for("310105002"), **kwargs)}


def H(hours: float) -> dt.timedelta:
    return dt.timedelta(hours=hours)


@pytest.fixture
def home(org: Org) -> Home:
    return Home(org, org.huashan_dwellings[0])


def test_an_ordinary_day_breaches_nothing(home: Home) -> None:
    home.lively()
    assert home.findings() == set()


def test_water_low_just_inside_and_just_outside(home: Home, org: Org) -> None:
    # 0.01 m³ = 10 L in 12 h: 9.9 L breaches, 10 L does not. The total before the window is the starting point.
    home.water(H(13), 500.0)
    home.water(H(1), 509.9)
    home.event(EventKind.DOOR_SENSOR_OPENED, H(2))
    home.event(EventKind.MOTION_DETECTED, H(2))
    assert home.findings() == {Rule.WATER_LOW}
    other = Home(org, org.huashan_dwellings[1])
    other.water(H(13), 500.0)
    other.water(H(1), 510.0)
    other.event(EventKind.DOOR_SENSOR_OPENED, H(2))
    other.event(EventKind.MOTION_DETECTED, H(2))
    assert other.findings() == set()


def test_water_low_message_has_the_figures(home: Home) -> None:
    home.water(H(13), 500.0)
    home.water(H(1), 502.5)
    readings = readings_by_dwelling([home.dwelling.pk], NOW)[home.dwelling.pk]
    finding = next(f for f in evaluate(readings, Thresholds()) if f.code == Rule.WATER_LOW)
    assert "用水 2.5 升" in finding.message and "12 小时" in finding.message  # in the reader's language, zh-Hans first


def test_door_idle_just_inside_and_just_outside(home: Home) -> None:
    home.lively()
    Event.objects.filter(kind=EventKind.DOOR_SENSOR_OPENED).delete()
    home.event(EventKind.DOOR_SENSOR_OPENED, H(24) + dt.timedelta(seconds=1))  # just outside the day
    assert home.findings() == {Rule.DOOR_IDLE}
    home.event(EventKind.DOOR_SENSOR_OPENED, H(24) - dt.timedelta(seconds=1))  # just inside
    assert home.findings() == set()


def test_no_motion_just_inside_and_just_outside(home: Home) -> None:
    home.lively()
    Event.objects.filter(kind=EventKind.MOTION_DETECTED).delete()
    home.event(EventKind.MOTION_DETECTED, H(24) + dt.timedelta(seconds=1))
    assert home.findings() == {Rule.NO_MOTION}
    home.event(EventKind.MOTION_DETECTED, H(24) - dt.timedelta(seconds=1))
    assert home.findings() == set()


def test_silent_sensors_breach_all_three_inactivity_rules(home: Home) -> None:
    home.water(H(20), 700.0)
    home.water(H(1), 700.0)
    assert home.findings() == {Rule.WATER_LOW, Rule.DOOR_IDLE, Rule.NO_MOTION}


def test_water_high_just_inside_and_just_outside(home: Home, org: Org) -> None:
    home.lively()
    home.water(H(0.5), 1000.0 + 2000.0)  # exactly 2 m³ since the total before the day
    assert Rule.WATER_HIGH not in home.findings()
    home.water(H(0.25), 1000.0 + 2000.5)
    assert Rule.WATER_HIGH in home.findings()


def test_leak_is_flow_in_every_half_hour(home: Home) -> None:
    home.event(EventKind.DOOR_SENSOR_OPENED, H(5))
    home.event(EventKind.MOTION_DETECTED, H(1))
    # Flow in 47 of the 48 half-hours: no leak.
    for slot in range(1, 48):
        home.water(dt.timedelta(minutes=30 * slot - 5), 1200.0 - slot, flow=0.1)
    assert home.findings() == set()
    home.water(dt.timedelta(minutes=30 * 48 - 5), 1150.0, flow=0.1)
    assert home.findings() == {Rule.LEAK}
    # The same readings, but the flow stopped once in the day: a busy day, not a leak.
    home.water(dt.timedelta(minutes=1), 1200.0, flow=0)
    assert home.findings() == set()


def test_smoke_at_once_and_not_hours_later(home: Home) -> None:
    home.lively()
    home.event(EventKind.SMOKE_ALARM, dt.timedelta(minutes=14))
    assert home.findings() == {Rule.SMOKE}
    Event.objects.filter(kind=EventKind.SMOKE_ALARM).delete()
    home.event(EventKind.SMOKE_ALARM, dt.timedelta(minutes=16))
    assert home.findings() == set()


def test_no_door_sensor_no_door_rule(org: Org) -> None:
    home = Home(org, org.huashan_dwellings[2], kinds=(DeviceKind.WATER_METER, DeviceKind.MOTION_SENSOR))
    home.water(H(20), 700.0)
    home.water(H(1), 700.0)
    readings = readings_by_dwelling([home.dwelling.pk], NOW)[home.dwelling.pk]
    assert not readings.has_door_sensor and not readings.has_smoke_alarm
    assert home.findings() == {Rule.WATER_LOW, Rule.NO_MOTION}


def test_a_silent_dwelling_still_comes_back_with_its_sensors(home: Home) -> None:
    readings = readings_by_dwelling([home.dwelling.pk], NOW)[home.dwelling.pk]
    assert readings.has_door_sensor and readings.door_openings_24h == 0 and readings.last_motion_at is None
    # No meter reading at all: the water rules wait (an offline meter is the offline rule's business).
    assert home.findings() == {Rule.DOOR_IDLE, Rule.NO_MOTION}


def test_away_pauses_everything_but_smoke(home: Home) -> None:
    home.water(H(20), 700.0)
    home.water(H(1), 700.0)
    assert home.findings(away=True) == set()
    home.event(EventKind.SMOKE_ALARM, dt.timedelta(minutes=1))
    assert home.findings(away=True) == {Rule.SMOKE}


def test_a_sign_of_life_settles_the_inactivity_rules_but_not_a_leak(home: Home) -> None:
    home.water(H(20), 700.0)
    home.water(H(1), 700.0)
    lunch = NOW - H(3)  # a meal at the canteen three hours ago
    assert home.findings(signs_of_life=lunch) == set()
    # A meal yesterday morning settles the day's rules only if within their window.
    assert home.findings(signs_of_life=NOW - H(13)) == {Rule.WATER_LOW}
    for slot in range(48):
        home.water(dt.timedelta(minutes=30 * slot + 5), 700.0, flow=0.2)
    assert Rule.LEAK in home.findings(signs_of_life=lunch)


def test_per_subdistrict_override(home: Home) -> None:
    home.lively()  # 160 L in the last 12 h
    with override_settings(ELDERCARE_SUBDISTRICT_RULES={"310105002": {"water_low": {"min_m3": 0.2}}}):
        assert home.findings() == {Rule.WATER_LOW}
        assert home.findings(rules.thresholds_for("310105003")) == set()


def test_per_elder_override_wins_over_the_subdistrict(home: Home) -> None:
    home.water(H(20), 700.0)
    home.water(H(1), 700.0)
    home.event(EventKind.MOTION_DETECTED, H(1))
    with override_settings(ELDERCARE_SUBDISTRICT_RULES={"310105002": {"door_idle": {"min_openings": 2}}}):
        elder = rules.thresholds_for("310105002", {"door_idle": {"enabled": False}, "water_low": {"min_m3": "0"}})
        assert elder.door_idle.enabled is False and elder.door_idle.min_openings == 2
        assert home.findings(elder) == set()


def test_unknown_override_is_refused() -> None:
    with pytest.raises(ValueError, match="nap"):
        Thresholds().with_overrides({"nap": {"hours": 1}})
    with pytest.raises(ValueError, match="minutes"):
        Thresholds().with_overrides({"door_idle": {"minutes": 1}})


def test_the_aggregate_is_one_query(org: Org, django_assert_num_queries: Any) -> None:
    homes = [Home(org, dwelling) for dwelling in org.huashan_dwellings[:3]]
    for home in homes:
        home.lively()
    with django_assert_num_queries(pass_queries()):
        readings = readings_by_dwelling(None, NOW)
    assert set(readings) == {home.dwelling.pk for home in homes}
    first = readings[homes[0].dwelling.pk]
    assert first.water_litres_24h == pytest.approx(200.0) and first.water_litres_12h == pytest.approx(160.0)
    assert first.door_openings_24h == 1 and first.last_motion_at == NOW - H(1)


def test_evaluate_all_is_a_pure_read_per_dwelling(org: Org, django_assert_num_queries: Any) -> None:
    quiet, lively = Home(org, org.huashan_dwellings[0]), Home(org, org.yuyuan_dwellings[0])
    lively.lively()
    away = Home(org, org.yuyuan_dwellings[1])
    with django_assert_num_queries(pass_queries() + 1):  # the aggregate, and the sub-districts' codes
        found = rules.evaluate_all(NOW, {away.dwelling.pk: ElderContext(away=True)})
    assert set(found) == {quiet.dwelling.pk}
    assert {f.code for f in found[quiet.dwelling.pk]} == {Rule.DOOR_IDLE, Rule.NO_MOTION}
    assert Event.objects.count() == 6 and Device.objects.count() == 12


def test_evaluate_dwelling_finds_what_a_full_pass_finds_for_it(org: Org,
                                                               django_assert_num_queries: Any) -> None:
    quiet, lively = Home(org, org.huashan_dwellings[0]), Home(org, org.huashan_dwellings[1])
    lively.lively()
    smoky = Home(org, org.yuyuan_dwellings[0])
    smoky.lively()
    smoky.event(EventKind.SMOKE_ALARM, dt.timedelta(minutes=3))
    leaking = Home(org, org.yuyuan_dwellings[1], kinds=(DeviceKind.WATER_METER,))
    for slot in range(48):
        leaking.water(dt.timedelta(minutes=30 * slot + 5), 3000.0 - 50 * slot, flow=0.3)
    full = rules.evaluate_all(NOW)
    for home in (quiet, lively, smoky, leaking):
        with django_assert_num_queries(2):  # its aggregate, and its sub-district's code
            one = rules.evaluate_dwelling(home.dwelling.pk, NOW)
        assert one == full.get(home.dwelling.pk, [])
    assert {f.code for f in full[smoky.dwelling.pk]} == {Rule.SMOKE}
    assert {f.code for f in full[leaking.dwelling.pk]} == {Rule.LEAK, Rule.WATER_HIGH}
    # Its own sensors only: the smoke next door is not this dwelling's.
    assert rules.evaluate_dwelling(lively.dwelling.pk, NOW) == []


def test_evaluate_dwelling_with_the_elders_context(home: Home, django_assert_num_queries: Any) -> None:
    home.water(H(20), 700.0)
    home.water(H(1), 700.0)
    with django_assert_num_queries(1):  # the sub-district's code given: the aggregate alone
        found = rules.evaluate_dwelling(home.dwelling.pk, NOW, ElderContext(subdistrict_code="310105002"))
    assert {f.code for f in found} == {Rule.WATER_LOW, Rule.DOOR_IDLE, Rule.NO_MOTION}
    assert rules.evaluate_dwelling(home.dwelling.pk, NOW, ElderContext(away=True)) == []
    assert rules.evaluate_dwelling(home.dwelling.pk, NOW, ElderContext(signs_of_life=NOW - H(2))) == []
    assert rules.evaluate_dwelling(home.dwelling.pk, NOW, ElderContext(
        overrides={"door_idle": {"enabled": False}, "no_motion": {"enabled": False}})) == [
        f for f in found if f.code == Rule.WATER_LOW]


def test_evaluate_dwelling_without_home_sensors(org: Org) -> None:
    assert rules.evaluate_dwelling(org.huashan_dwellings[3].pk, NOW) == []
    assert readings_by_dwelling([], NOW) == {}


def test_the_aggregate_reads_only_the_home_sensors_readings_of_the_window(home: Home, org: Org) -> None:
    home.lively()
    before = readings_by_dwelling([home.dwelling.pk], NOW)[home.dwelling.pk]
    # A reading of the future, one older than the 26 h looked back, and an event of another kind change nothing.
    home.event(EventKind.MOTION_DETECTED, -H(1))
    home.water(H(27), 10.0, flow=0)
    home.event(EventKind.DOOR_SENSOR_OPENED, H(30))
    Event.objects.create(device=home.devices[DeviceKind.DOOR_SENSOR], event_id="closed", kind=EventKind.DOOR_CLOSED,
                         occurred_at=NOW - H(1), received_at=NOW, source=EventSource.MQTT, data={},
                         subdistrict=org.subdistrict, neighborhood=home.devices[DeviceKind.DOOR_SENSOR].neighborhood)
    assert readings_by_dwelling([home.dwelling.pk], NOW)[home.dwelling.pk] == before
    assert readings_by_dwelling(None, NOW)[home.dwelling.pk] == before
    # A sensor out of service is not fitted, and its readings are not read.
    Device.objects.filter(pk=home.devices[DeviceKind.MOTION_SENSOR].pk).update(active=False)
    after = readings_by_dwelling([home.dwelling.pk], NOW)[home.dwelling.pk]
    assert not after.has_motion_sensor and after.last_motion_at is None and after.has_door_sensor


def test_signs_of_life_from_a_portal_sign_in(resident: Any, resident_person: Any) -> None:
    resident.last_login = timezone.now() - H(2)
    resident.save(update_fields=["last_login"])
    seen = rules.signs_of_life([resident_person.pk], timezone.now() - H(24))
    assert seen == {resident_person.pk: resident.last_login}
    assert rules.signs_of_life([resident_person.pk], timezone.now() - H(1)) == {}


def test_signs_of_life_from_a_diary_entry(resident_person: Any, django_assert_max_num_queries: Any) -> None:
    from shequ.health.models import DiaryEntry

    entry = DiaryEntry.objects.create(person=resident_person, measured_at=timezone.now() - H(1),
                                      systolic=None, diastolic=None, glucose=None, weight=None)
    with django_assert_max_num_queries(5):  # one per source
        seen = rules.signs_of_life([resident_person.pk], timezone.now() - H(24))
    assert seen[resident_person.pk] >= entry.recorded_at


def test_runs_on_this_database() -> None:
    assert connection.vendor in {"sqlite", "postgresql"}
