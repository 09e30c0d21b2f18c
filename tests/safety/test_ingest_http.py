"""The HTTP ingest: devices that cannot speak MQTT post their events with their own secret."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from shequ.core.models import User
from shequ.safety import secrets
from shequ.safety.choices import Availability, DeadLetterReason
from shequ.safety.models import DeadLetter, Device, Event
from tests.conftest import login

EVENTS = "/api/v1/devices/events/"
STATUS = "/api/v1/devices/status/"


def with_secret(device: Device) -> str:
    secret = secrets.new_secret()
    Device.objects.filter(pk=device.pk).update(secret_hash=secrets.hash_secret(secret),
                                               secret_issued_at=timezone.now())
    return f"Device {device.code}:{secret}"


def event(event_id: str, kind: str = "door.forced", **data: Any) -> dict[str, Any]:
    return {"event_id": event_id, "kind": kind, "occurred_at": timezone.now().isoformat(), "data": data}


def post(client: Client, url: str, body: Any, auth: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, raw, content_type="application/json", **headers)


def test_a_device_posts_a_batch_and_gets_a_result_per_event(client: Client, door: Device) -> None:
    auth = with_secret(door)
    answer = post(client, EVENTS, [event("a"), event("b", "door.held_open", seconds=40), event("a"),
                                   event("c", "door.held_open", seconds=-1), event("hb", "heartbeat")], auth)

    assert answer.status_code == 202
    body = answer.json()
    assert [(r["event_id"], r["status"]) for r in body["results"]] == [
        ("a", "stored"), ("b", "stored"), ("a", "duplicate"), ("c", "rejected"), ("hb", "heartbeat")]
    assert "data.seconds" in body["results"][3]["reason"]
    assert (body["stored"], body["duplicates"], body["rejected"]) == (2, 1, 1)
    assert set(Event.objects.values_list("event_id", "source")) == {("a", "http"), ("b", "http")}
    letter = DeadLetter.objects.get()
    assert (letter.device, letter.problem, letter.source) == (door, DeadLetterReason.INVALID, "http")
    assert letter.topic.endswith(f"/{door.code}/events")


def test_one_event_on_its_own_and_a_retry_is_acknowledged_and_ignored(client: Client, door: Device) -> None:
    auth = with_secret(door)
    first = post(client, EVENTS, event("only"), auth)
    again = post(client, EVENTS, event("only"), auth)
    assert [first.json()["results"][0]["status"], again.json()["results"][0]["status"]] == ["stored", "duplicate"]
    assert Event.objects.count() == 1


@pytest.mark.parametrize("header", [None, "Device nocolon", "Device door-hs-1-1:wrong-secret", "Token abc",
                                    "Device a:b c"])
def test_without_the_device_secret_nothing_is_accepted(client: Client, door: Device, header: str | None) -> None:
    with_secret(door)
    answer = post(client, EVENTS, event("x"), header)
    assert answer.status_code == 401
    assert answer.json()["detail"]
    assert not Event.objects.exists() and not DeadLetter.objects.exists()


def test_a_revoked_secret_is_refused(client: Client, door: Device) -> None:
    auth = with_secret(door)
    Device.objects.filter(pk=door.pk).update(secret_revoked_at=timezone.now())
    assert post(client, EVENTS, event("x"), auth).status_code == 401


def test_a_signed_in_person_is_not_a_device(client: Client, door: Device, admin: User) -> None:
    login(client, admin)
    assert post(client, EVENTS, event("x"), None).status_code == 401


@pytest.mark.parametrize("body", ["{not json", "[]", "{}", json.dumps([{}] * 501)])
def test_a_body_that_is_not_events_is_a_400_with_a_message(client: Client, door: Device, body: str) -> None:
    answer = post(client, EVENTS, body, with_secret(door))
    assert answer.status_code == 400
    assert answer.json()["detail"]
    assert not DeadLetter.objects.exists()


def test_a_device_reports_its_status(client: Client, door: Device) -> None:
    auth = with_secret(door)
    answer = post(client, STATUS, {"status": "online"}, auth)
    assert answer.status_code == 202
    assert answer.json() == {"status": "online", "availability": "online"}
    assert post(client, STATUS, {"status": "offline"}, auth).json()["availability"] == "offline"
    door.refresh_from_db()
    assert door.availability == Availability.OFFLINE
    assert post(client, STATUS, {"status": "sleepy"}, auth).status_code == 400


def test_requests_are_limited_per_device(client: Client, door: Device, camera: Device, settings: Any) -> None:
    settings.SAFETY_DEVICE_HTTP_RATE = "2/m"
    door_auth, camera_auth = with_secret(door), with_secret(camera)
    assert [post(client, STATUS, {"status": "online"}, door_auth).status_code for _ in range(3)] == [202, 202, 429]
    assert post(client, STATUS, {"status": "online"}, camera_auth).status_code == 202


def test_the_schema_documents_the_device_scheme_and_answers() -> None:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    scheme = raw["components"]["securitySchemes"]["Device"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    operation = raw["paths"][EVENTS]["post"]
    assert operation["security"] == [{"Device": []}]
    assert {"202", "400", "401", "429"} <= set(operation["responses"])
    assert raw["paths"][STATUS]["post"]["security"] == [{"Device": []}]


def test_the_device_operations_keep_to_their_schema_whatever_a_device_sends(door: Device) -> None:
    """Schemathesis over the two operations as a signed-in device (tests/core/test_api_schema.py runs the whole
    API as people and a till): documented answers only, and never a 5xx for input that breaks the schema."""
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    from tests.core.test_api_schema import Caller, answered, run_every_operation

    raw = SchemaGenerator().get_schema(request=None, public=True)
    raw["paths"] = {path: raw["paths"][path] for path in (EVENTS, STATUS)}
    schema = schemathesis.openapi.from_dict(raw)
    caller = Caller({"Authorization": with_secret(door)})

    answered.clear()
    failures = run_every_operation(schema, caller)
    assert not failures, "\n\n".join(failures)
    assert 202 in answered[f"POST {EVENTS}"] and 202 in answered[f"POST {STATUS}"], answered  # really signed in
    failures = run_every_operation(schema, caller, GenerationMode.NEGATIVE, [not_a_server_error])
    assert not failures, "\n\n".join(failures)
