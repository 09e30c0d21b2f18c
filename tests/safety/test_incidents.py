"""Handling incidents: acknowledge, note, close with an outcome, reopen; scope; the pages, the API, the counts;
and two workers raising alarms of one group at once on PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.core.registry import counts_for
from shequ.safety import alarms
from shequ.safety.actions import incidents as actions
from shequ.safety.choices import EventKind, IncidentStatus, IncidentStepKind, Severity
from shequ.safety.models import Alarm, Incident
from shequ.safety.queries import incidents as queries
from tests.conftest import login
from tests.safety.incidents_helpers import T0, event, happen


@pytest.fixture
def forced(door: Any) -> Incident:
    for _ in range(3):
        happen(door, EventKind.DOOR_FORCED, T0)
    return Incident.objects.get()


@pytest.fixture
def yuyuan_incident(yuyuan_door: Any) -> Incident:
    happen(yuyuan_door, EventKind.DOOR_TAMPER, T0)
    return Incident.objects.get(device=yuyuan_door)


@pytest.mark.django_db
def test_the_life_of_an_incident_is_on_its_timeline_and_in_the_audit_log(forced, police):
    actions.acknowledge_incident(actor=police, incident=forced, note="已派保安前往")
    actions.add_note(actor=police, incident=forced, note="门锁被撬，已报修")
    actions.close_incident(actor=police, incident=forced, outcome="盗窃未遂，已报案")
    forced.refresh_from_db()
    assert forced.status == IncidentStatus.CLOSED and forced.closed_by == police and forced.acknowledged_by == police
    assert forced.takes_alarms is None and forced.outcome == "盗窃未遂，已报案"
    actions.reopen_incident(actor=police, incident=forced, note="嫌疑人再次出现")
    forced.refresh_from_db()
    assert forced.status == IncidentStatus.ACKNOWLEDGED and forced.takes_alarms == forced.group_key
    kinds = list(forced.steps.values_list("kind", flat=True))
    assert kinds == [IncidentStepKind.OPENED, IncidentStepKind.ACKNOWLEDGED, IncidentStepKind.NOTE,
                     IncidentStepKind.CLOSED, IncidentStepKind.REOPENED]
    assert forced.steps.filter(actor=police).count() == 4
    events = set(AuditEntry.objects.filter(object_type="safety.incident", object_id=str(forced.pk))
                 .values_list("event", flat=True))
    assert {actions.INCIDENT_ACKNOWLEDGED, actions.INCIDENT_NOTE_ADDED, actions.INCIDENT_CLOSED,
            actions.INCIDENT_REOPENED, alarms.INCIDENT_OPENED} <= events


@pytest.mark.django_db
def test_closing_needs_an_outcome_and_wrong_states_are_refused(forced, police):
    with pytest.raises(Invalid):
        actions.close_incident(actor=police, incident=forced, outcome="  ")
    with pytest.raises(Invalid):
        actions.add_note(actor=police, incident=forced, note="")
    with pytest.raises(Conflict):
        actions.reopen_incident(actor=police, incident=forced, note="x")
    actions.acknowledge_incident(actor=police, incident=forced)
    with pytest.raises(Conflict):
        actions.acknowledge_incident(actor=police, incident=forced)


@pytest.mark.django_db
def test_reopening_leaves_new_alarms_to_a_newer_incident_of_the_group(door, forced, police):
    actions.close_incident(actor=police, incident=forced, outcome="误报")
    happen(door, EventKind.DOOR_FORCED, T0)
    newer = Incident.objects.exclude(pk=forced.pk).get()
    actions.reopen_incident(actor=police, incident=forced, note="同一起")
    forced.refresh_from_db()
    assert forced.takes_alarms is None and newer.takes_alarms == newer.group_key


@pytest.mark.django_db
def test_bob_and_the_yuyuan_worker_see_no_huashan_incident(forced, yuyuan_incident, alice, bob, police):
    assert set(queries.incidents(alice)) == {forced}
    assert set(queries.incidents(bob)) == {yuyuan_incident}
    assert set(queries.incidents(police)) == {forced}  # the police office's beat is 华山
    with pytest.raises(NotFound):
        actions.acknowledge_incident(actor=bob, incident=forced)
    with pytest.raises(NotFound):
        queries.incident(bob, forced.pk)


@pytest.mark.django_db
def test_a_resident_and_a_librarian_see_no_incidents(forced, resident, make_staff):
    from shequ.core.roles import Role

    assert not queries.incidents(resident).exists()
    assert not queries.incidents(make_staff(Role.LIBRARIAN, "lib")).exists()


@pytest.mark.django_db
def test_the_workbench_counts_are_the_rows_of_the_lists_they_open(client, door, forced, police, settings):
    settings.SAFETY_EMERGENCY_SERVICE = "none"
    happen(door, EventKind.DOOR_DURESS, T0)  # joins: the same incident is now an emergency
    happen(door, EventKind.FAULT, T0)  # another, a warning
    counts = {count.key: count for count in counts_for(police)}
    login(client, police)
    for key, expected in (("safety.incidents_waiting", 2), ("safety.emergencies_open", 1)):
        count = counts[key]
        assert count.count(police) == expected
        page = client.get(count.url(police))
        assert page.status_code == 200 and page.context["page"].paginator.count == expected
    actions.acknowledge_incident(actor=police, incident=forced)
    assert counts["safety.incidents_waiting"].count(police) == 1
    assert counts["safety.emergencies_open"].count(police) == 1


@pytest.mark.django_db
def test_the_pages_list_filter_and_handle_an_incident(client, door, forced, yuyuan_incident, police):
    happen(door, EventKind.FAULT, T0)
    login(client, police)
    page = client.get("/safety/incidents/")
    text = page.content.decode()
    assert page.status_code == 200 and forced.number in text and yuyuan_incident.number not in text
    assert page.context["page"].paginator.count == 2
    alert = client.get("/safety/incidents/", {"severity": Severity.ALERT})
    assert [row.pk for row in alert.context["page"]] == [forced.pk]
    detail = client.get(f"/safety/incidents/{forced.pk}/")
    text = detail.content.decode()
    assert detail.status_code == 200 and text.count('data-testid="alarm-row"') == 3
    assert 'data-testid="acknowledge"' in text
    assert client.post(f"/safety/incidents/{forced.pk}/acknowledge/").status_code == 302
    client.post(f"/safety/incidents/{forced.pk}/note/", {"note": "保安已到场"})
    answer = client.post(f"/safety/incidents/{forced.pk}/close/", {"outcome": ""}, follow=True)
    assert answer.status_code == 200 and Incident.objects.get(pk=forced.pk).status == IncidentStatus.ACKNOWLEDGED
    client.post(f"/safety/incidents/{forced.pk}/close/", {"outcome": "住户忘带钥匙，强行开门"})
    forced.refresh_from_db()
    assert forced.status == IncidentStatus.CLOSED and forced.steps.filter(kind="note", note="保安已到场").exists()
    after = client.get(f"/safety/incidents/{forced.pk}/")
    assert after.status_code == 200 and "/reopen/" in after.content.decode() and after.context["plan_form"] is None
    closed = client.get("/safety/incidents/", {"status": "closed"})
    assert [row.pk for row in closed.context["page"]] == [forced.pk]
    assert client.get(f"/safety/incidents/{yuyuan_incident.pk}/").status_code == 404
    assert client.post(f"/safety/incidents/{yuyuan_incident.pk}/close/", {"outcome": "x"}).status_code in (302, 404)
    assert Incident.objects.get(pk=yuyuan_incident.pk).status == IncidentStatus.OPEN


@pytest.mark.django_db
def test_a_resident_gets_no_incident_page(client, forced, resident):
    login(client, resident)
    assert client.get("/safety/incidents/").status_code == 404
    assert client.get(f"/safety/incidents/{forced.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_api_lists_shows_acknowledges_and_closes(forced, yuyuan_incident, police, bob):
    api = APIClient()
    api.force_authenticate(police)
    listed = api.get("/api/v1/safety/incidents/", {"status": "open"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["number"] for row in rows] == [forced.number]
    one = api.get(f"/api/v1/safety/incidents/{forced.pk}/").json()
    assert one["alarm_count"] == 3 and len(one["alarms"]) == 3 and one["steps"][0]["kind"] == "opened"
    assert api.get("/api/v1/safety/incidents/", {"severity": "9"}).status_code == 400
    assert api.get("/api/v1/safety/incidents/", {"status": "nonsense"}).status_code == 400
    assert api.post(f"/api/v1/safety/incidents/{forced.pk}/acknowledge/", {}, format="json").json()[
        "status"] == "acknowledged"
    assert api.post(f"/api/v1/safety/incidents/{forced.pk}/acknowledge/", {}, format="json").status_code == 409
    assert api.post(f"/api/v1/safety/incidents/{forced.pk}/close/", {}, format="json").status_code == 400
    closed = api.post(f"/api/v1/safety/incidents/{forced.pk}/close/", {"outcome": "误报"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    other = APIClient()
    other.force_authenticate(bob)
    assert other.get(f"/api/v1/safety/incidents/{forced.pk}/").status_code == 404
    assert other.post(f"/api/v1/safety/incidents/{forced.pk}/close/", {"outcome": "x"},
                      format="json").status_code == 404


@pytest.mark.django_db
def test_the_openapi_schema_describes_the_incidents():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/safety/incidents/{id}/close/" in schema["paths"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_raising_alarms_of_one_door_at_once_make_one_incident(postgres_only, door):
    stored = [event(door, EventKind.DOOR_FORCED, T0) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(one: Any) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                alarms.on_events([one])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(one,)) for one in stored]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    incident = Incident.objects.get()
    assert incident.alarm_count == 2 and Alarm.objects.filter(incident=incident).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_second_worker_waits_for_the_first_incident_and_joins_it(postgres_only, door):
    """Made deterministic: the first worker holds its new incident uncommitted until the second is seen waiting
    on the unique ``takes_alarms`` (PostgreSQL's lock wait), then commits; the second's insert fails and joins."""
    first_event, second_event = (event(door, EventKind.DOOR_FORCED, T0) for _ in range(2))
    opened, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                alarms.on_events([first_event])
                opened.set()
                assert release.wait(timeout=20)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            assert opened.wait(timeout=20)
            with transaction.atomic():
                alarms.on_events([second_event])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    waiting = False
    while time.monotonic() < deadline and not waiting:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            waiting = cursor.fetchone()[0] > 0
    release.set()
    for thread in threads:
        thread.join()
    assert waiting, "the second worker never waited for the first"
    assert not errors, errors
    incident = Incident.objects.get()
    assert incident.alarm_count == 2 and incident.alarms.count() == 2
