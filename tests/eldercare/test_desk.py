"""The care desk, the alert page and its forms, the elder's own "I'm fine", a volunteer's door visits, rule settings
and the tuning suggestions from false alarms — each as the person using it sees it, in her scope."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shequ.core.models import AuditEntry, User
from shequ.core.registry import Period, registry
from shequ.eldercare.actions import alerts
from shequ.eldercare.actions import roll as roll_actions
from shequ.eldercare.choices import AlertOutcome, AlertStatus, FalseAlarmCause, LadderStep
from shequ.eldercare.models import Alert, CareRecipient
from shequ.eldercare.queries import alerts as queries
from shequ.eldercare.queries import tuning
from shequ.eldercare.queries.tuning import FalseAlarm, suggest
from shequ.eldercare.rules import Finding, Rule, Thresholds
from shequ.population.models import Person
from shequ.safety.choices import Availability, DeviceKind, Severity
from shequ.safety.models import Device
from shequ.volunteers.models import Volunteer
from tests.eldercare.conftest import tag

WATER_LOW = Finding(Rule.WATER_LOW, Severity.WARNING, {"litres": 0.0, "hours": 12, "limit": 10.0})
DOOR_IDLE = Finding(Rule.DOOR_IDLE, Severity.WARNING, {"count": 0, "hours": 24, "limit": 1})


def _open(recipient: CareRecipient, finding: Finding = WATER_LOW, now: dt.datetime | None = None) -> Alert:
    alert = alerts.open_or_join(recipient, [finding], now=now or timezone.now())
    assert alert is not None
    return alert


@pytest.fixture
def worked(on_roll: dict[str, CareRecipient], alice: User, bob: User) -> dict[str, Alert]:
    """Each neighbourhood's elder with her own worker and an open alert waiting at the worker's rung."""
    roll_actions.pair(actor=alice, recipient=on_roll["huashan"], worker=alice, volunteer=None)
    roll_actions.pair(actor=bob, recipient=on_roll["yuyuan"], worker=bob, volunteer=None)
    return {"huashan": _open(CareRecipient.objects.get(pk=on_roll["huashan"].pk)),
            "yuyuan": _open(CareRecipient.objects.get(pk=on_roll["yuyuan"].pk))}


def test_a_committee_worker_sees_only_her_elders_alerts(client, alice: User, bob: User,
                                                       worked: dict[str, Alert]) -> None:
    assert worked["huashan"].step == LadderStep.WORKER
    assert list(queries.open_alerts(alice)) == [worked["huashan"]]
    assert list(queries.open_alerts(bob)) == [worked["yuyuan"]]
    client.force_login(alice)
    page = client.get("/eldercare/desk/")
    assert page.status_code == 200
    assert [alert.pk for alert in page.context["alerts"]] == [worked["huashan"].pk]
    assert [row.recipient.pk for row in page.context["elders"]] == [worked["huashan"].recipient_id]
    assert client.get(f"/eldercare/alerts/{worked['huashan'].pk}/").status_code == 200
    assert client.get(f"/eldercare/alerts/{worked['yuyuan'].pk}/").status_code == 404
    assert client.post(f"/eldercare/alerts/{worked['yuyuan'].pk}/close/",
                       {"outcome": "fine"}).status_code == 404
    assert Alert.objects.get(pk=worked["yuyuan"].pk).is_open


def test_the_workbench_counts_are_the_rows_of_the_desk(client, alice: User, worked: dict[str, Alert],
                                                       org: Any) -> None:
    home = worked["huashan"].recipient.person.dwelling
    Device.objects.create(subdistrict=org.subdistrict, neighborhood=org.huashan, compound=org.huashan_compound,
                          dwelling=home, kind=DeviceKind.WATER_METER, code="WM-1", name="水表 101",
                          heartbeat_seconds=3600, availability=Availability.OFFLINE)
    Device.objects.create(subdistrict=org.subdistrict, neighborhood=org.yuyuan, compound=org.yuyuan_compound,
                          dwelling=worked["yuyuan"].recipient.person.dwelling, kind=DeviceKind.DOOR_SENSOR,
                          code="DS-1", name="门磁 愚园", heartbeat_seconds=3600, availability=Availability.OFFLINE)
    counts = registry.counts
    client.force_login(alice)
    page = client.get(counts["eldercare.open_alerts"].url(alice))
    assert counts["eldercare.open_alerts"].count(alice) == len(page.context["alerts"]) == 1
    assert counts["eldercare.sensors_offline"].count(alice) == len(page.context["offline"]) == 1
    assert page.context["offline"][0].name == "水表 101"
    figure = registry.figures["eldercare.open_alerts"]
    today = timezone.localdate()
    assert figure.value(alice, Period(today, today + dt.timedelta(days=1))) == 1
    assert figure.value(alice, Period(today - dt.timedelta(days=2), today - dt.timedelta(days=1))) == 0


def test_the_desk_puts_the_riskiest_elder_first(alice: User, make_person: Any, admin: User,
                                                on_roll: dict[str, CareRecipient]) -> None:
    quiet = make_person("张老伯", birth=dt.date(1940, 1, 1))
    tag(admin, quiet, "elder_alone")
    roll_actions.refresh_roll()
    quiet_recipient = CareRecipient.objects.get(person=quiet)
    first = [row.recipient.pk for row in queries.elders_by_risk(alice)]
    assert set(first) == {on_roll["huashan"].pk, quiet_recipient.pk}
    _open(quiet_recipient)
    assert queries.elders_by_risk(alice)[0].recipient.pk == quiet_recipient.pk


def test_pass_on_needs_a_note_and_close_a_cause_for_a_false_alarm(client, alice: User,
                                                                  worked: dict[str, Alert]) -> None:
    alert = worked["huashan"]
    client.force_login(alice)
    response = client.post(f"/eldercare/alerts/{alert.pk}/pass-on/", {"note": ""})
    assert response.status_code == 200 and "note" in response.context["pass_on_form"].errors
    response = client.post(f"/eldercare/alerts/{alert.pk}/close/", {"outcome": "false_alarm", "note": "x"})
    assert response.status_code == 200 and "cause" in response.context["close_form"].errors
    assert Alert.objects.get(pk=alert.pk).is_open
    assert client.post(f"/eldercare/alerts/{alert.pk}/take-on/", {"note": "去看看"}).status_code == 302
    assert Alert.objects.get(pk=alert.pk).step_taken_by == alice
    assert client.post(f"/eldercare/alerts/{alert.pk}/pass-on/", {"note": "敲门没人应"}).status_code == 302
    assert Alert.objects.get(pk=alert.pk).step == LadderStep.DOOR_VISIT
    assert client.post(f"/eldercare/alerts/{alert.pk}/close/",
                       {"outcome": "false_alarm", "cause": "away", "note": "在女儿家"}).status_code == 302
    closed = Alert.objects.get(pk=alert.pk)
    assert (closed.status, closed.outcome, closed.false_alarm_cause) == (AlertStatus.CLOSED, "false_alarm", "away")
    page = client.get(f"/eldercare/alerts/{alert.pk}/")
    ends = [(step.step, step.end) for step in page.context["steps"]]
    # Her phone and family rungs were skipped (nobody to tell); the worker took it on, the door visit closed it.
    assert ends == [("call_elder", "skipped"), ("contact", "skipped"), ("worker", "acknowledged"),
                    ("door_visit", "closed")]
    assert not page.context["can_work"]


@pytest.fixture
def elder_user(resident: User, resident_person: Person, admin: User, alice: User) -> User:
    """王秀英 with a phone and a portal account, living alone, on the roll with alice as her worker."""
    tag(admin, resident_person, "elder_alone")
    roll_actions.refresh_roll()
    recipient = CareRecipient.objects.get(person=resident_person)
    roll_actions.pair(actor=alice, recipient=recipient, worker=alice, volunteer=None)
    return resident


def test_her_i_am_fine_closes_her_alert_and_nobody_elses(client, elder_user: User, resident_person: Person,
                                                         volunteer_user: User, on_roll: dict[str, CareRecipient],
                                                         alice: User) -> None:
    mine = _open(CareRecipient.objects.get(person=resident_person))
    other = _open(on_roll["huashan"])
    assert mine.step == LadderStep.CALL_ELDER
    # Another resident (the volunteer) pressing the button closes nothing: she is not on the roll.
    client.force_login(volunteer_user)
    assert client.post("/eldercare/me/fine/").status_code == 404
    client.force_login(elder_user)
    tiles = client.get("/me/").context["tiles"]
    lines = dict((tile.key, lines) for tile, lines in tiles)["eldercare.my_care"]
    assert lines and lines[0].warn
    assert client.get("/eldercare/me/").context["alert"] == mine
    assert client.post("/eldercare/me/fine/").status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.outcome) == (AlertStatus.CLOSED, AlertOutcome.FINE)
    assert Alert.objects.get(pk=other.pk).is_open
    assert client.get("/eldercare/me/").context["alert"] is None
    # Her page offers a call to her worker's phone, or the hotline.
    assert client.get("/eldercare/me/").context["call_number"]
    # The desk shows it closed; she cannot open the desk.
    assert client.get("/eldercare/desk/").status_code == 404
    client.force_login(alice)
    assert mine.pk not in [alert.pk for alert in client.get("/eldercare/desk/").context["alerts"]]


def test_the_tile_is_only_for_an_elder_on_the_roll(client, volunteer_user: User) -> None:
    client.force_login(volunteer_user)
    keys = [tile.key for tile, _lines in client.get("/me/").context["tiles"]]
    assert "eldercare.my_care" not in keys
    assert client.get("/eldercare/me/").status_code == 404


def test_a_volunteer_sees_only_her_pairs_door_visits_and_no_phones(client, alice: User, volunteer_user: User,
                                                                   volunteer: Volunteer,
                                                                   on_roll: dict[str, CareRecipient]) -> None:
    recipient = on_roll["huashan"]
    roll_actions.pair(actor=alice, recipient=recipient, worker=alice, volunteer=volunteer)
    roll_actions.add_contact(actor=alice, recipient=recipient, name="王小明", relationship="child",
                             phone="13812345678")
    alert = _open(CareRecipient.objects.get(pk=recipient.pk))
    assert alert.step == LadderStep.WORKER
    assert queries.door_visits(volunteer_user) == []
    alerts.pass_on(actor=alice, alert=alert, note="电话没人接")
    visits = queries.door_visits(volunteer_user)
    assert [visit.pk for visit in visits] == [alert.pk]
    assert {f.name for f in dataclasses.fields(visits[0])} == {"pk", "name", "address", "what", "deadline"}
    client.force_login(volunteer_user)
    page = client.get("/eldercare/my-pairs/").content.decode()
    assert "王秀英" in page and "13812345678" not in page and "138****5678" not in page
    # The staff pages stay closed to her.
    assert client.get(f"/eldercare/alerts/{alert.pk}/").status_code == 404
    assert client.get("/eldercare/desk/").status_code == 404
    assert list(queries.open_alerts(volunteer_user)) == []


# Tuning ------------------------------------------------------------------------------------------------------------

def test_suggestions_from_recurring_causes() -> None:
    t = Thresholds()
    away = [FalseAlarm(FalseAlarmCause.AWAY_UNMARKED, [Rule.WATER_LOW])]
    assert suggest(away, t, recurs=2) == []
    found = {s.key: s for s in suggest(away * 2, t, recurs=2)}
    assert set(found) == {"away"} and not found["away"].changes_a_rule

    habit_water = [FalseAlarm(FalseAlarmCause.HABIT, [Rule.WATER_LOW, Rule.DOOR_IDLE])] * 2
    found = {s.key: s for s in suggest(habit_water, t, recurs=2)}
    assert found["habit-water_low"].change == {"water_low": {"min_m3": 0.005}}
    assert found["habit-door_idle"].change == {"door_idle": {"enabled": False}}

    motion = [FalseAlarm(FalseAlarmCause.HABIT, [Rule.NO_MOTION])] * 2
    assert suggest(motion, t, recurs=2)[0].change == {"no_motion": {"enabled": False}}
    shorter = t.with_overrides({"no_motion": {"hours": 12}})
    assert suggest(motion, shorter, recurs=2)[0].change == {"no_motion": {"hours": 24.0}}
    assert suggest(motion, t.with_overrides({"no_motion": {"enabled": False}}), recurs=2) == []

    visitors = [FalseAlarm(FalseAlarmCause.VISITOR, [Rule.WATER_HIGH])] * 2
    assert suggest(visitors, t, recurs=2)[0].change == {"water_high": {"max_m3": 3.0}}
    sensor = [FalseAlarm(FalseAlarmCause.SENSOR, [Rule.DOOR_IDLE]), FalseAlarm(FalseAlarmCause.SENSOR, [Rule.LEAK])]
    found = suggest(sensor, t, recurs=2)
    assert [s.key for s in found] == ["sensor"] and not found[0].changes_a_rule
    # A cause that names no change, and habit on a rule without one, suggest nothing.
    assert suggest([FalseAlarm(FalseAlarmCause.PRESSED_BY_MISTAKE, [alerts.CALL])] * 3, t, recurs=2) == []
    assert suggest([FalseAlarm(FalseAlarmCause.HABIT, [Rule.WATER_HIGH])] * 3, t, recurs=2) == []


def test_merged_keeps_her_other_settings() -> None:
    assert tuning.merged({"water_low": {"enabled": True}, "leak": {"slots": 40}},
                         {"water_low": {"min_m3": 0.005}}) == {"water_low": {"enabled": True, "min_m3": 0.005},
                                                               "leak": {"slots": 40}}


def test_false_alarms_suggest_and_apply_a_change_once(client, alice: User, worked: dict[str, Alert],
                                                      settings: Any) -> None:
    settings.ELDERCARE_TUNING_FALSE_ALARMS = 2
    recipient = worked["huashan"].recipient
    now = timezone.now()
    alerts.close(actor=alice, alert=worked["huashan"], outcome=AlertOutcome.FALSE_ALARM,
                 cause=FalseAlarmCause.HABIT, now=now - dt.timedelta(hours=3))
    assert tuning.for_elder(recipient, now=now) == []
    again = _open(recipient, now=now - dt.timedelta(hours=2))
    alerts.close(actor=alice, alert=again, outcome=AlertOutcome.FALSE_ALARM, cause=FalseAlarmCause.HABIT,
                 now=now - dt.timedelta(hours=1))
    # An old false alarm, past the window, counts for nothing.
    assert [s.key for s in tuning.for_elder(recipient, now=now + dt.timedelta(days=200))] == []
    client.force_login(alice)
    page = client.get(f"/eldercare/elders/{recipient.pk}/")
    assert [s.key for s in page.context["tuning"]] == ["habit-water_low"]
    assert client.post(f"/eldercare/elders/{recipient.pk}/tuning/apply/",
                       {"key": "habit-water_low"}).status_code == 302
    recipient.refresh_from_db()
    assert recipient.rule_overrides == {"water_low": {"min_m3": 0.005}}
    assert AuditEntry.objects.filter(event=roll_actions.OVERRIDES_CHANGED, actor=alice).count() == 1
    # Applied once: the false alarms before the change suggest nothing more.
    assert client.get(f"/eldercare/elders/{recipient.pk}/").context["tuning"] == []


def test_rule_settings_validate_through_the_rules(client, alice: User, bob: User,
                                                  on_roll: dict[str, CareRecipient]) -> None:
    recipient = on_roll["huashan"]
    url = f"/eldercare/elders/{recipient.pk}/rules/"
    client.force_login(alice)
    form = client.get(url).context["form"]
    data = {name: ("on" if value is True else value) for name, value in
            ((name, field.initial) for name, field in form.fields.items()) if value is not False}
    response = client.post(url, {**data, "water_low__min_m3": "-1"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(url, {**data, "no_motion__hours": "36"})
    assert response.status_code == 200 and "no_motion__hours" in response.context["form"].errors
    assert client.post(url, {**{k: v for k, v in data.items() if k != "door_idle__enabled"},
                             "water_high__max_m3": "3"}).status_code == 302
    recipient.refresh_from_db()
    assert recipient.rule_overrides == {"door_idle": {"enabled": False}, "water_high": {"max_m3": 3.0}}
    client.force_login(bob)
    assert client.get(url).status_code == 404
