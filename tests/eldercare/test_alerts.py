"""The alert ladder: what the watch opens from an elder's quiet home, who is told at each rung and when, what a
sign of life or her own "I'm fine" settles, and a smoke alarm going straight to the service centre."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from shequ.affairs.models import ServiceRequest
from shequ.cards import actions as card_actions
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import OutboxMessage, User
from shequ.dining import actions as dining_actions
from shequ.eldercare.actions import alerts
from shequ.eldercare.actions import roll as roll_actions
from shequ.eldercare.actions.watch import watch
from shequ.eldercare.choices import AlertOutcome, AlertStatus, FalseAlarmCause, LadderStep, StepEnd
from shequ.eldercare.models import Alert, CareRecipient
from shequ.population import actions as population_actions
from shequ.safety.choices import DeviceKind, EventKind
from shequ.safety.models import Incident
from tests.affairs.conftest import centre, staff  # noqa: F401  (the service centre's departments and staff)
from tests.dining.conftest import canteen, clerk, lunch, operator  # noqa: F401  (a canteen and its till)
from tests.eldercare.test_rules import FOUR, H, Home
from tests.safety.incidents_helpers import happen
from tests.safety.test_emergency import safety_service  # noqa: F401  (the emergency service a request opens)

pytestmark = pytest.mark.django_db

ALL_SENSORS = [DeviceKind.WATER_METER, DeviceKind.DOOR_SENSOR, DeviceKind.MOTION_SENSOR, DeviceKind.SMOKE_ALARM]
INACTIVITY = {"water_low", "door_idle", "no_motion"}


class QuietHome(Home):
    """Home of test_rules, at a clock of our choosing: she was last active 14 hours before ``now``."""

    def __init__(self, *args: Any, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def quiet(self) -> None:
        shift = self.now - _rules_now()
        self.water(H(30) - shift, 1000.0, flow=0)
        self.water(H(26) - shift, 1010.0, flow=0)
        self.water(H(14) - shift, 1040.0, flow=0)
        self.water(H(1) - shift, 1040.0, flow=0)
        self.event(EventKind.DOOR_SENSOR_OPENED, H(25) - shift)
        self.event(EventKind.MOTION_DETECTED, H(25) - shift)


def _rules_now() -> dt.datetime:
    from tests.eldercare.test_rules import NOW

    return NOW


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def worker(make_staff: Any, org: Any) -> User:
    from shequ.core.roles import Role

    user: User = make_staff(Role.COMMITTEE, "hs-care", neighborhood=org.huashan)
    user.phone = "13700001111"
    user.save(update_fields=["phone"])
    return user


@pytest.fixture
def cared(elder: Any, admin: User, worker: User, volunteer: Any, org: Any) -> CareRecipient:
    """王秀英 on the roll with all four sensors agreed, family may be told, a daughter who may be told and a son
    who may not, her committee worker and her paired volunteer."""
    elder.phone = "13600002222"
    elder.save()
    roll_actions.refresh_roll()
    recipient = CareRecipient.objects.get(person=elder)
    roll_actions.record_consent(actor=admin, recipient=recipient, sensors=ALL_SENSORS, tell_family=True,
                                form="paper", given_on=timezone.localdate())
    roll_actions.add_contact(actor=admin, recipient=recipient, name="张丽", relationship="child",
                             phone="13500003333", order=1, may_be_told=True)
    roll_actions.add_contact(actor=admin, recipient=recipient, name="张强", relationship="child",
                             phone="13500004444", order=2, may_be_told=False)
    roll_actions.pair(actor=admin, recipient=recipient, worker=worker, volunteer=volunteer)
    return CareRecipient.objects.select_related("person").get(pk=recipient.pk)


@pytest.fixture
def home(org: Any, cared: CareRecipient, now: dt.datetime) -> QuietHome:
    return QuietHome(org, cared.person.dwelling, FOUR, now=now)


def _sms_to(phone: str) -> list[str]:
    return [m.body for m in OutboxMessage.objects.filter(channel="sms") if m.recipient == phone]


def _alert() -> Alert:
    return Alert.objects.select_related("recipient__person").get()


def test_a_quiet_home_opens_one_alert_and_texts_her_first(home: QuietHome, cared: CareRecipient,
                                                          now: dt.datetime) -> None:
    home.quiet()
    result = watch(now)
    assert result.opened == 1
    alert = _alert()
    assert set(alert.rules) == INACTIVITY and alert.status == AlertStatus.OPEN
    assert alert.step == LadderStep.CALL_ELDER and alert.step_deadline == now + dt.timedelta(minutes=15)
    assert len(_sms_to("13600002222")) == 1
    # The next pass finds the same silence: nothing new is written, nobody is texted twice.
    again = watch(now + dt.timedelta(minutes=1))
    assert again.opened == again.joined == again.climbed == 0
    assert alert.steps.count() == 1 and len(_sms_to("13600002222")) == 1


def test_the_ladder_climbs_on_its_deadlines_and_tells_only_family_she_allows(
        home: QuietHome, cared: CareRecipient, worker: User, volunteer: Any, now: dt.datetime,
        safety_service: Any) -> None:  # noqa: F811
    home.quiet()
    watch(now)
    assert alerts.climb_due(now + dt.timedelta(minutes=14)) == 0
    assert alerts.climb_due(now + dt.timedelta(minutes=15)) == 1
    assert _alert().step == LadderStep.CONTACT
    assert len(_sms_to("13500003333")) == 1
    assert _sms_to("13500004444") == []  # the son she does not let be told
    alerts.climb_due(now + dt.timedelta(minutes=45))
    assert _alert().step == LadderStep.WORKER and len(_sms_to("13700001111")) == 1
    alerts.climb_due(now + dt.timedelta(minutes=105))
    assert _alert().step == LadderStep.DOOR_VISIT
    assert len(_sms_to("13911112222")) == 1  # her paired volunteer
    alerts.climb_due(now + dt.timedelta(minutes=225))
    alert = _alert()
    assert alert.step == LadderStep.EMERGENCY and alert.request is not None
    assert alert.request.is_emergency and alert.request.dwelling == cared.person.dwelling
    assert [s.end for s in alert.steps.order_by("started_at", "pk")][:4] == [StepEnd.TIMED_OUT] * 4
    assert alerts.climb_due(now + dt.timedelta(days=1)) == 0  # the service centre's own escalation takes over


def test_without_consent_to_tell_family_the_contact_rung_is_skipped(home: QuietHome, cared: CareRecipient,
                                                                    admin: User, now: dt.datetime) -> None:
    roll_actions.record_consent(actor=admin, recipient=cared, sensors=ALL_SENSORS, tell_family=False,
                                form="verbal", given_on=timezone.localdate())
    home.quiet()
    watch(now)
    alerts.climb_due(now + dt.timedelta(minutes=15))
    alert = _alert()
    assert alert.step == LadderStep.WORKER
    skipped = alert.steps.get(step=LadderStep.CONTACT)
    assert skipped.end == StepEnd.SKIPPED and "家属" in skipped.note
    assert _sms_to("13500003333") == [] and _sms_to("13500004444") == []


def test_a_sensor_she_did_not_agree_to_raises_nothing(home: QuietHome, cared: CareRecipient, admin: User,
                                                      now: dt.datetime) -> None:
    roll_actions.record_consent(actor=admin, recipient=cared, sensors=[DeviceKind.DOOR_SENSOR], tell_family=True,
                                form="paper", given_on=timezone.localdate())
    home.quiet()
    watch(now)
    assert _alert().rules == ["door_idle"]


def test_away_pauses_the_rules_and_settles_an_open_alert(home: QuietHome, cared: CareRecipient, admin: User,
                                                         now: dt.datetime) -> None:
    home.quiet()
    watch(now)
    roll_actions.set_away(actor=admin, recipient=cared, starts_on=timezone.localdate(now), until=None,
                          reason="family")
    result = watch(now + dt.timedelta(minutes=2))
    alert = _alert()
    assert result.settled == 1 and alert.status == AlertStatus.CLOSED and alert.outcome == AlertOutcome.FINE
    assert "外出" in alert.outcome_note or "不在家" in alert.outcome_note
    assert watch(now + dt.timedelta(minutes=3)).opened == 0


def test_a_meal_at_the_canteen_settles_the_alert(home: QuietHome, cared: CareRecipient, operator: User,  # noqa: F811
                                                 canteen: Any, lunch: Any, clerk: User, now: dt.datetime) -> None:  # noqa: F811
    home.quiet()
    watch(now)
    card = card_actions.issue_card(actor=clerk, person=cared.person)
    card_actions.top_up(actor=clerk, card=card, amount_fen=5000)
    dining_actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    result = watch(now + dt.timedelta(minutes=5))
    alert = _alert()
    assert result.settled == 1 and alert.status == AlertStatus.CLOSED
    assert alert.outcome == AlertOutcome.FINE and alert.closed_by is None
    assert alert.steps.order_by("-pk").first().end == StepEnd.CLOSED


def test_an_alert_someone_has_taken_on_is_left_to_her(home: QuietHome, cared: CareRecipient, worker: User,
                                                      now: dt.datetime) -> None:
    home.quiet()
    watch(now)
    alerts.take_on(actor=worker, alert=_alert(), note="我去看看", now=now + dt.timedelta(minutes=1))
    alert = _alert()
    assert alert.step_taken_by == worker and alert.step_deadline == now + dt.timedelta(minutes=121)
    # Life at home again does not close it: the worker closes it with what she found.
    home.water(H(0) - (now - _rules_now()), 1100.0, flow=2)
    home.event(EventKind.DOOR_SENSOR_OPENED, H(0) - (now - _rules_now()))
    home.event(EventKind.MOTION_DETECTED, H(0) - (now - _rules_now()))
    assert watch(now + dt.timedelta(minutes=2)).settled == 0
    # Taken on but no outcome in two hours: the ladder climbs on, saying so.
    alerts.climb_due(now + dt.timedelta(minutes=121))
    alert = _alert()
    assert alert.step == LadderStep.CONTACT
    assert alert.steps.get(step=LadderStep.CALL_ELDER).end == StepEnd.ACKNOWLEDGED


def test_closing_a_false_alarm_needs_its_cause(home: QuietHome, cared: CareRecipient, worker: User,
                                               now: dt.datetime) -> None:
    home.quiet()
    watch(now)
    with pytest.raises(Invalid):
        alerts.close(actor=worker, alert=_alert(), outcome=AlertOutcome.FALSE_ALARM, now=now)
    alerts.close(actor=worker, alert=_alert(), outcome=AlertOutcome.FALSE_ALARM, cause=FalseAlarmCause.HABIT,
                 note="她去女儿家吃饭", now=now)
    alert = _alert()
    assert alert.status == AlertStatus.CLOSED and alert.false_alarm_cause == FalseAlarmCause.HABIT
    assert alert.closed_by == worker
    with pytest.raises(Conflict):
        alerts.close(actor=worker, alert=alert, outcome=AlertOutcome.FINE, now=now)


def test_passing_on_needs_a_note_and_climbs_at_once(home: QuietHome, cared: CareRecipient, worker: User,
                                                    now: dt.datetime) -> None:
    home.quiet()
    watch(now)
    with pytest.raises(Invalid):
        alerts.pass_on(actor=worker, alert=_alert(), note=" ", now=now)
    alerts.pass_on(actor=worker, alert=_alert(), note="打了两次电话没人接", now=now)
    alert = _alert()
    assert alert.step == LadderStep.CONTACT
    first = alert.steps.get(step=LadderStep.CALL_ELDER)
    assert first.end == StepEnd.PASSED_ON and first.by == worker and "没人接" in first.note


def test_her_own_im_fine_closes_her_alert_and_nobody_elses(home: QuietHome, cared: CareRecipient, admin: User,
                                                          resident: User, now: dt.datetime) -> None:
    home.quiet()
    watch(now)
    assert alerts.elder_is_fine(actor=resident, now=now) is None  # another resident closes nothing
    assert _alert().is_open
    elder_user = population_actions.create_resident_account(actor=admin, person=cared.person)
    alerts.elder_is_fine(actor=elder_user, now=now + dt.timedelta(minutes=3))
    alert = _alert()
    assert alert.status == AlertStatus.CLOSED and alert.outcome == AlertOutcome.FINE
    assert alert.closed_by == elder_user


def test_a_smoke_alarm_goes_straight_to_the_emergency_request(home: QuietHome, cared: CareRecipient,
                                                              admin: User, now: dt.datetime,
                                                              safety_service: Any) -> None:  # noqa: F811
    happen(home.devices[DeviceKind.SMOKE_ALARM], EventKind.SMOKE_ALARM, now)
    incident = Incident.objects.get()
    alert = _alert()
    assert alert.step == LadderStep.EMERGENCY and alert.rules == ["smoke"]
    assert alert.incident == incident and alert.request == incident.request
    assert ServiceRequest.objects.count() == 1  # the incident's request, not a second one
    assert _sms_to("13600002222") == []  # no "are you fine?" text while the fire service is called
    # Her "I'm fine" at the emergency rung is noted; the service centre decides.
    elder_user = population_actions.create_resident_account(actor=admin, person=cared.person)
    alerts.elder_is_fine(actor=elder_user, now=now)
    assert _alert().is_open and _alert().steps.filter(by=elder_user).exists()


def test_a_smoke_alarm_moves_an_open_quiet_alert_to_the_top(home: QuietHome, cared: CareRecipient,
                                                            now: dt.datetime, safety_service: Any) -> None:  # noqa: F811
    home.quiet()
    watch(now)
    happen(home.devices[DeviceKind.SMOKE_ALARM], EventKind.SMOKE_ALARM, now + dt.timedelta(minutes=5))
    alert = _alert()
    assert alert.step == LadderStep.EMERGENCY and "smoke" in alert.rules and set(alert.rules) >= INACTIVITY
    assert alert.steps.get(step=LadderStep.CALL_ELDER).end == StepEnd.PASSED_ON
    assert Alert.objects.count() == 1


@override_settings(ELDERCARE_LADDER_MINUTES={"call_elder": 5, "contact": 5, "worker": 5, "door_visit": 5})
def test_the_ladder_minutes_are_settings(home: QuietHome, cared: CareRecipient, now: dt.datetime) -> None:
    home.quiet()
    watch(now)
    assert _alert().step_deadline == now + dt.timedelta(minutes=5)


def test_only_her_workers_and_at_the_door_her_volunteer_may_work_her_alert(
        home: QuietHome, cared: CareRecipient, make_staff: Any, org: Any, volunteer_user: User,
        now: dt.datetime) -> None:
    from shequ.core.roles import Role

    home.quiet()
    watch(now)
    yuyuan_worker = make_staff(Role.COMMITTEE, "yy-care", neighborhood=org.yuyuan)
    with pytest.raises(NotFound):
        alerts.take_on(actor=yuyuan_worker, alert=_alert(), now=now)
    with pytest.raises(NotFound):  # her volunteer, before the ladder asks her to go
        alerts.take_on(actor=volunteer_user, alert=_alert(), now=now)
    for minutes in (15, 45, 105):  # each rung waits its own time from when its people were told
        alerts.climb_due(now + dt.timedelta(minutes=minutes))
    assert _alert().step == LadderStep.DOOR_VISIT
    alerts.take_on(actor=volunteer_user, alert=_alert(), note="我在门口了", now=now + dt.timedelta(minutes=110))
    alerts.close(actor=volunteer_user, alert=_alert(), outcome=AlertOutcome.HELPED, note="她摔了一跤，已扶起",
                 now=now + dt.timedelta(minutes=115))
    alert = _alert()
    assert alert.status == AlertStatus.CLOSED and alert.closed_by == volunteer_user


def test_the_service_centre_closing_the_request_is_said_on_the_alert(
        home: QuietHome, cared: CareRecipient, centre: Any, now: dt.datetime,  # noqa: F811
        safety_service: Any) -> None:  # noqa: F811
    from shequ.affairs import actions as affairs_actions

    happen(home.devices[DeviceKind.SMOKE_ALARM], EventKind.SMOKE_ALARM, now)
    request = _alert().request
    affairs_actions.resolve(actor=centre.clerk, request=request, note="厨房烧焦，无人受伤")
    affairs_actions.close(actor=centre.clerk, request=request, note="")
    alert = _alert()
    assert alert.is_open  # what happened to her is the worker's to record
    assert any(request.number in step.note for step in alert.steps.all())


def test_the_api_lists_her_workers_alerts_with_their_timeline_and_no_phone(
        client: Any, home: QuietHome, cared: CareRecipient, worker: User, make_staff: Any, org: Any,
        volunteer_user: User, now: dt.datetime) -> None:
    from shequ.core.roles import Role

    home.quiet()
    watch(now)
    alerts.climb_due(now + dt.timedelta(minutes=15))
    client.force_login(worker)
    body = client.get("/api/v1/eldercare/alerts/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [row["name"] for row in rows] == ["王秀英"]
    assert rows[0]["step"] == "contact" and set(rows[0]["rules"]) == INACTIVITY
    assert [step["step"] for step in rows[0]["steps"]] == ["call_elder", "contact"]
    assert "135****3333" in rows[0]["steps"][1]["told"] and "13500003333" not in str(body)
    alerts.close(actor=worker, alert=_alert(), outcome=AlertOutcome.FINE, now=now + dt.timedelta(minutes=20))
    assert client.get("/api/v1/eldercare/alerts/").json()["count"] == 0
    assert client.get("/api/v1/eldercare/alerts/", {"status": "all"}).json()["count"] == 1
    assert client.get("/api/v1/eldercare/alerts/", {"status": "bogus"}).status_code == 400
    client.force_login(make_staff(Role.COMMITTEE, "yy-api", neighborhood=org.yuyuan))
    assert client.get(f"/api/v1/eldercare/alerts/{rows[0]['id']}/").status_code == 404
    client.force_login(volunteer_user)  # a resident reads her door visits on her page, not here
    assert client.get("/api/v1/eldercare/alerts/").json()["count"] == 0


def test_no_eldercare_page_or_answer_shows_her_health_data(
        client: Any, home: QuietHome, cared: CareRecipient, worker: User, volunteer_user: User, make_staff: Any,
        admin: User, now: dt.datetime) -> None:
    """Her chronic condition is the health app's: the care desk, the alert, her care page, the API and her
    volunteer's pages never show it, though the alert is about her staying at home."""
    from shequ.core.roles import Role
    from shequ.health import actions as health_actions
    from shequ.health.choices import ConditionCode, WorkerKind

    centre_staff = make_staff(Role.HEALTH, "hc-centre")
    health_actions.assign_health_worker(actor=admin, user=centre_staff, kind=WorkerKind.CENTRE_STAFF, team="华山团队")
    health_actions.register_condition(actor=centre_staff, person=cared.person, code=ConditionCode.HYPERTENSION,
                                      note="每日服用氨氯地平")
    home.quiet()
    watch(now)
    for minutes in (15, 45, 105):
        alerts.climb_due(now + dt.timedelta(minutes=minutes))
    alert = _alert()
    assert alert.step == LadderStep.DOOR_VISIT
    client.force_login(worker)
    pages = [client.get(url) for url in ("/eldercare/desk/", f"/eldercare/alerts/{alert.pk}/",
                                         f"/eldercare/elders/{cared.pk}/", "/api/v1/eldercare/alerts/")]
    client.force_login(volunteer_user)
    pages.append(client.get("/eldercare/my-pairs/"))
    assert [page.status_code for page in pages] == [200] * 5
    assert "王秀英" in pages[0].content.decode() and "王秀英" in pages[4].content.decode()
    for page in pages:
        text = page.content.decode()
        assert "高血压" not in text and "氨氯地平" not in text and "Hypertension" not in text
