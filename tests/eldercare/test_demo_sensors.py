"""The demo's elders living alone have the four small sensors and the one-button call, with an ordinary day behind
them; one of them has gone quiet, and only she breaches the inactivity rules. The simulator plays their homes
through the real HTTP ingest (nothing lands in the dead letters) and keeps her flat quiet."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shequ.demo import builder, logins
from shequ.eldercare import rules
from shequ.eldercare.demo import living_alone, quiet_elder
from shequ.eldercare.models import Consent
from shequ.safety import secrets
from shequ.safety.choices import HOME_SENSOR_KINDS, DeviceKind, EventKind
from shequ.safety.demo import demo_secret
from shequ.safety.models import DeadLetter, Device, Event, Incident
from shequ.safety.simulator import Simulator, homes_of, sim_devices

RESIDENTS = 300
EVENTS_URL = "/api/v1/devices/events/"
INACTIVITY = {rules.Rule.WATER_LOW, rules.Rule.DOOR_IDLE, rules.Rule.NO_MOTION}


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def demo(db: Any, now: dt.datetime) -> builder.BuildResult:
    return builder.build(residents=RESIDENTS, now=now)


@pytest.fixture
def through_ingest(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The simulator's HTTP posts go to the platform's own HTTP ingest (in process), signed as each device."""
    client = Client()
    answers: list[tuple[str, int]] = []

    def post(self: Simulator, device: Any, payload: dict[str, Any], *, url: str | None = None) -> None:
        from shequ.safety import traffic

        response = client.post(url or self.http, traffic.encode(payload), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Device {device.code}:{device.secret}")
        answers.append((device.code, response.status_code))
        self.stats.acknowledged += 1

    monkeypatch.setattr(Simulator, "_post", post)
    return answers


def test_every_elder_living_alone_on_the_roll_has_the_four_sensors_and_the_call_in_her_home(demo):
    elders = living_alone()
    assert len(elders) >= 3
    for elder in elders:
        fitted = Device.objects.filter(dwelling_id=elder.person.dwelling_id, active=True)
        assert sorted(fitted.values_list("kind", flat=True)) == sorted(HOME_SENSOR_KINDS)
        for device in fitted:
            assert device.neighborhood_id == elder.person.neighborhood_id
            assert secrets.matches(demo_secret(device.code), device.secret_hash)
        consent = Consent.objects.in_force().get(recipient=elder)
        assert sorted(consent.sensors) == sorted(HOME_SENSOR_KINDS)
        assert elder.worker is not None and elder.worker.neighborhood_id == elder.person.neighborhood_id
    # The quiet elder has what a visit needs: contacts, a grade, a paired volunteer.
    quiet = next(e for e in elders if e.person == quiet_elder())
    assert quiet.contacts.count() == 2 and quiet.assessments.exists() and quiet.volunteer is not None


def test_the_back_filled_day_is_ordinary_life_without_smoke(demo, now):
    elders = [e for e in living_alone() if e.person != quiet_elder()]
    events = Event.objects.filter(device__dwelling_id__in=[e.person.dwelling_id for e in elders])
    per_kind = Counter(events.values_list("kind", flat=True))
    # A meter every half-hour over a day and its margin (26 h), motion through the day, the door a few times.
    assert per_kind[EventKind.WATER_READING] == pytest.approx(53 * len(elders), abs=len(elders))
    assert per_kind[EventKind.MOTION_DETECTED] > 20 * len(elders)
    assert len(elders) <= per_kind[EventKind.DOOR_SENSOR_OPENED] <= 12 * len(elders)
    assert not per_kind[EventKind.SMOKE_ALARM] and not per_kind[EventKind.CALL_PRESSED]
    night = [e for e in events.filter(kind=EventKind.MOTION_DETECTED)
             if e.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=8))).hour in (1, 2, 3)]
    assert len(night) < per_kind[EventKind.MOTION_DETECTED] / 10  # asleep at night
    assert not events.filter(occurred_at__gt=now).exists()


def test_only_the_quiet_elder_breaches_the_inactivity_rules_at_demo_start(demo, now):
    quiet = quiet_elder()
    assert quiet is not None
    findings = rules.evaluate_all(now=now)
    assert {code: {f.code for f in found} for code, found in findings.items()} == {quiet.dwelling_id: INACTIVITY}
    # Nothing elsewhere settles it: no meal, loan, check-in or sign-in of hers.
    assert not rules.signs_of_life([quiet.pk], since=now - dt.timedelta(hours=24))
    # Her meter still reports, the same total since she went quiet.
    readings = Event.objects.filter(device__dwelling_id=quiet.dwelling_id, kind=EventKind.WATER_READING,
                                    occurred_at__gte=now - dt.timedelta(hours=20))
    assert readings.count() >= 39 and {r.data["litres"] for r in readings} == {readings.first().data["litres"]}
    # The demo names her, and who to sign in as, where it prints what to try.
    tips = "\n".join(logins.what_to_try("http://127.0.0.1:8000"))
    assert quiet.name in tips and str(quiet.dwelling) in tips and "/eldercare/elders/" in tips
    assert "/eldercare/desk/" in tips
    # The worker's watch opens her alert, and only hers: the ladder runs in front of a newcomer.
    from shequ.eldercare.actions.watch import watch
    from shequ.eldercare.models import Alert

    watch(now)
    assert [(a.recipient.person_id, set(a.rules)) for a in Alert.objects.select_related("recipient")] == [
        (quiet.pk, INACTIVITY)]


def test_the_simulators_home_messages_are_accepted_by_the_ingest_and_the_quiet_elder_gets_none(
        demo, through_ingest):
    quiet = quiet_elder()
    assert quiet is not None
    homes = Device.objects.filter(kind__in=list(HOME_SENSOR_KINDS)).select_related("subdistrict")
    played = sim_devices(homes)
    quiet_codes = list(homes.filter(dwelling_id=quiet.dwelling_id).values_list("code", flat=True))
    before = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    last_totals = homes_of(played).totals
    simulator = Simulator(played, scenario="quiet", prefix="unused", http=f"http://testserver{EVENTS_URL}",
                          duration=3 * 3600, speed=3 * 3600, rate=0, seed=5, log=lambda line: None,
                          homes=homes_of(played, quiet=quiet_codes))
    stats = simulator.run()

    assert through_ingest and {status for _code, status in through_ingest} <= {200, 201, 202}
    assert not DeadLetter.objects.exists()
    new = list(Event.objects.filter(pk__gt=before).select_related("device").order_by("pk"))
    kinds = Counter(e.kind for e in new)
    dwellings = len(played) // len(HOME_SENSOR_KINDS)
    assert kinds[EventKind.WATER_READING] >= 5 * dwellings  # every meter, every half-hour of three hours
    assert kinds[EventKind.MOTION_DETECTED] and not kinds[EventKind.CALL_PRESSED]
    assert kinds[EventKind.WATER_READING] == stats.sent[EventKind.WATER_READING]
    assert not kinds[EventKind.SMOKE_ALARM]
    mine = [e for e in new if e.device.code in quiet_codes]
    assert mine and {e.kind for e in mine} == {EventKind.WATER_READING}
    assert {(e.data["litres"], e.data["flow_lpm"]) for e in mine} == {
        (last_totals[next(c for c in quiet_codes if c.startswith("water"))], 0.0)}
    # The others' meters go on from their back-filled totals.
    for event in new:
        if event.kind == EventKind.WATER_READING and event.device.code not in quiet_codes:
            assert event.data["litres"] >= last_totals[event.device.code]
    assert rules.evaluate_all().keys() == {quiet.dwelling_id}


def test_the_command_sets_off_an_elders_smoke_alarm_once(demo, through_ingest, capsys):
    elder = next(e for e in living_alone() if e.person != quiet_elder())
    call_command("simulate_devices", scenario="quiet", rate=0, duration=60, speed=60, devices=0, homes=0,
                 smoke=elder.person.name, http=f"http://testserver{EVENTS_URL}", seed=1)
    smoke = Event.objects.filter(kind=EventKind.SMOKE_ALARM)
    assert [e.device.dwelling_id for e in smoke] == [elder.person.dwelling_id]
    assert smoke.get().device.kind == DeviceKind.SMOKE_ALARM
    assert Incident.objects.filter(device__dwelling_id=elder.person.dwelling_id).exists()
    assert not DeadLetter.objects.exists()
