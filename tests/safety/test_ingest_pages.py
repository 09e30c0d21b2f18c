"""The dead-letter pages: administrators see what was refused, and replay or discard it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse

from shequ.core.models import AuditEntry, User
from shequ.safety import commands
from shequ.safety.actions import ingest as actions
from shequ.safety.choices import DeadLetterStatus, DeviceKind, EventSource
from shequ.safety.models import DeadLetter, Device, Event
from tests.conftest import Org, login
from tests.safety.conftest import place

NOW = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
HOSTILE = '{"event_id": "<script>alert(1)</script>", "kind": "door.forced"'


def refused(device: Device, payload: str = HOSTILE) -> DeadLetter:
    actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(commands.topic(device, "events"), payload.encode())])
    return DeadLetter.objects.latest("pk")


def test_an_administrator_sees_the_waiting_dead_letters_and_the_payload_escaped(
        client: Client, admin: User, door: Device) -> None:
    letter = refused(door)
    login(client, admin)
    listing = client.get(reverse("safety:dead_letter_list"))
    assert listing.status_code == 200
    assert listing.content.decode().count('data-testid="dead-letter-row"') == 1

    page = client.get(reverse("safety:dead_letter_detail", args=[letter.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "not JSON" in page


def test_the_list_filters_by_status(client: Client, admin: User, door: Device) -> None:
    first, second = refused(door), refused(door, "also junk")
    actions.discard_dead_letter(actor=admin, dead_letter=first, reason="noise")
    login(client, admin)

    def rows(query: str) -> int:
        return client.get(reverse("safety:dead_letter_list") + query).content.decode().count("dead-letter-row")

    assert (rows(""), rows("?status=new"), rows("?status=discarded"), rows("?status=")) == (1, 1, 1, 2)
    assert client.get(reverse("safety:dead_letter_list") + "?status=bogus").status_code == 200
    assert second.status == DeadLetterStatus.NEW


def test_replaying_a_fixed_dead_letter_stores_the_event_and_is_audited(client: Client, admin: User, org: Org,
                                                                      settings: Any) -> None:
    topic = f"{settings.MQTT_TOPIC_PREFIX}/{org.subdistrict.code}/door-late-1/events"
    payload = '{"event_id": "late-1", "kind": "door.forced", "occurred_at": "2026-12-04T07:59:00Z"}'
    actions.ingest(source=EventSource.MQTT, now=NOW, messages=[(topic, payload.encode())])
    letter = DeadLetter.objects.get()
    login(client, admin)
    url = reverse("safety:dead_letter_replay", args=[letter.pk])

    # Not registered yet: refused again, nothing changes.
    answer = client.post(url, {"payload": payload}, follow=True)
    assert "door-late-1" in answer.content.decode()
    assert DeadLetter.objects.get().status == DeadLetterStatus.NEW

    place(org, DeviceKind.DOOR, "door-late-1")
    client.post(url, {"payload": payload})
    letter.refresh_from_db()
    assert letter.status == DeadLetterStatus.REPLAYED
    assert Event.objects.get().event_id == "late-1"
    assert AuditEntry.objects.filter(event=actions.DEAD_LETTER_REPLAYED, actor=admin).count() == 1


def test_discarding_needs_a_reason_and_is_audited(client: Client, admin: User, door: Device) -> None:
    letter = refused(door)
    login(client, admin)
    url = reverse("safety:dead_letter_discard", args=[letter.pk])
    client.post(url, {"reason": ""})
    assert DeadLetter.objects.get().status == DeadLetterStatus.NEW
    client.post(url, {"reason": "installer's test"})
    assert DeadLetter.objects.get().status == DeadLetterStatus.DISCARDED
    assert AuditEntry.objects.get(event=actions.DEAD_LETTER_DISCARDED).reason == "installer's test"


def test_others_see_no_dead_letters(client: Client, alice: User, police: User, door: Device) -> None:
    letter = refused(door)
    for user in (alice, police):
        login(client, user)
        assert client.get(reverse("safety:dead_letter_list")).status_code == 404
        assert client.get(reverse("safety:dead_letter_detail", args=[letter.pk])).status_code == 404
        assert client.post(reverse("safety:dead_letter_discard", args=[letter.pk]),
                           {"reason": "x"}).status_code == 404
    client.logout()
    assert client.get(reverse("safety:dead_letter_list")).status_code == 302
    assert DeadLetter.objects.get().status == DeadLetterStatus.NEW


def test_the_administrators_workbench_counts_the_waiting_dead_letters(admin: User, door: Device) -> None:
    from shequ.core.registry import registry

    refused(door)
    refused(door)
    count = registry.counts["safety.dead_letters"]
    assert count.allowed(admin)
    assert count.count(admin) == 2
    assert count.url(admin) == reverse("safety:dead_letter_list") + "?status=new"
