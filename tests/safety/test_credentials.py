"""Door credentials: granted for her building, pushed to its doors through the outbox, and following the registry."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry, OutboxMessage, User
from shequ.core.roles import Role
from shequ.population import actions as population_actions
from shequ.safety import commands, secrets
from shequ.safety.actions import credentials, ingest
from shequ.safety.choices import CredentialCause, CredentialKind, CredentialStatus, DeviceKind, EventSource
from shequ.safety.models import DoorCredential
from tests.safety.conftest import place


@pytest.fixture
def pin_door(org: Any) -> Any:
    return place(org, DeviceKind.DOOR, "door-hs-1-2", entrance="2单元", accepts_pin=True, accepts_qr=True)


@pytest.fixture
def card(make_staff: Any, resident_person: Any) -> Any:
    return card_actions.issue_card(actor=make_staff(Role.CLERK, "clerk"), person=resident_person)


def _commands(command: str) -> list[dict[str, Any]]:
    found = []
    for message in OutboxMessage.objects.filter(channel="mqtt").order_by("pk"):
        payload = json.loads(message.body)
        if payload["command"] == command:
            found.append({"topic": message.recipient, **payload})
    return found


def test_granting_her_card_pushes_a_grant_command_to_each_door_of_her_building(alice, resident_person, card, door,
                                                                                pin_door, yuyuan_door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    made = DoorCredential.objects.get(person=resident_person)
    assert made.card == card and made.status == CredentialStatus.ACTIVE and made.cause == CredentialCause.GRANTED
    grants = _commands("credential.grant")
    assert sorted(g["topic"].split("/")[-2] for g in grants) == ["door-hs-1-1", "door-hs-1-2"]
    assert grants[0]["data"] == {"credential": made.pk, "kind": "card", "card": card.number}
    assert "王秀英" not in json.dumps(grants, ensure_ascii=False)
    entry = AuditEntry.objects.get(event=credentials.CREDENTIAL_GRANTED, object_id=str(made.pk))
    assert entry.actor == alice and entry.after["doors"] == 2


def test_a_grant_that_fails_queues_no_command(alice, resident_person, door):
    with pytest.raises(Invalid):  # no card issued yet
        credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    assert not OutboxMessage.objects.filter(channel="mqtt").exists()
    assert not DoorCredential.objects.exists()


def test_a_pin_is_kept_only_as_a_hash_and_goes_only_to_doors_that_take_one(alice, resident_person, door, pin_door):
    shown = credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.PIN])
    pin = shown["pin"]
    made = DoorCredential.objects.get(kind=CredentialKind.PIN)
    assert len(pin) == 6 and pin not in made.secret_hash and secrets.matches(pin, made.secret_hash)
    [grant] = _commands("credential.grant")
    assert grant["topic"].endswith("/door-hs-1-2/commands") and grant["data"]["hash"] == made.secret_hash
    assert pin not in json.dumps(list(AuditEntry.objects.values("before", "after", "reason")))


def test_a_chosen_pin_that_is_easy_to_guess_is_refused(alice, resident_person, pin_door):
    with pytest.raises(Invalid):
        credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.PIN], pin="123456")


def test_a_pin_is_refused_where_no_door_takes_one(alice, resident_person, door):
    with pytest.raises(Invalid):
        credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.PIN])


def test_a_qr_code_is_valid_for_90_days_and_the_sweep_replaces_it_after(alice, resident_person, pin_door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.QR])
    qr = DoorCredential.objects.get(kind=CredentialKind.QR)
    assert qr.qr_code.startswith("SQ1-") and secrets.matches(qr.qr_code, qr.secret_hash)
    assert qr.expires_at - qr.issued_at == dt.timedelta(days=90)
    assert credentials.sweep(now=timezone.now() + dt.timedelta(days=89)) == 0
    assert credentials.sweep(now=timezone.now() + dt.timedelta(days=91)) == 1
    qr.refresh_from_db()
    assert qr.status == CredentialStatus.REVOKED and qr.cause == CredentialCause.EXPIRED
    fresh = DoorCredential.objects.get(kind=CredentialKind.QR, status=CredentialStatus.ACTIVE)
    assert fresh.qr_code != qr.qr_code and fresh.cause == CredentialCause.ROTATED
    assert [c["data"]["credential"] for c in _commands("credential.revoke")] == [qr.pk]


def test_another_neighborhoods_worker_cannot_grant(bob, resident_person, card, door):
    with pytest.raises(NotFound):
        credentials.grant(actor=bob, person=resident_person, kinds=[CredentialKind.CARD])


def test_granting_twice_is_a_conflict(alice, resident_person, card, door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    with pytest.raises(Conflict):
        credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])


def test_moving_out_revokes_her_credentials_and_tells_the_doors(alice, resident_person, card, door, pin_door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD, CredentialKind.QR])
    population_actions.move_out(actor=alice, person=resident_person, destination="浦东新区")
    assert set(DoorCredential.objects.values_list("status", "cause")) == {
        (CredentialStatus.REVOKED, CredentialCause.MOVED_OUT)}
    revokes = _commands("credential.revoke")
    assert len(revokes) == 3  # the card on two doors, the QR on the one that takes it
    assert AuditEntry.objects.filter(event=credentials.CREDENTIAL_REVOKED, actor=alice).count() == 2


def test_a_death_revokes_her_credentials(alice, resident_person, card, door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    population_actions.record_death(actor=alice, person=resident_person, died_on=timezone.localdate())
    assert DoorCredential.objects.get().cause == CredentialCause.DIED


def test_moving_to_another_building_revokes_the_old_buildings_credentials(alice, org, resident_person, card, door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    population_actions.move_person(actor=alice, person=resident_person, dwelling=org.huashan_dwellings[5])
    assert DoorCredential.objects.get().cause == CredentialCause.MOVED_AWAY


def test_a_lost_card_is_blocked_at_once_and_the_reissued_card_takes_its_doors(alice, make_staff, resident_person,
                                                                              card, door):
    clerk = User.objects.get(username="clerk")
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    card_actions.report_lost(actor=clerk, card=card)
    old = DoorCredential.objects.get(card=card)
    assert old.status == CredentialStatus.BLOCKED and old.cause == CredentialCause.CARD_LOST
    [blocked] = _commands("credential.block")
    assert blocked["data"] == {"credential": old.pk, "kind": "card", "card": card.number}
    new_card = card_actions.reissue_card(actor=clerk, card=card)
    fresh = DoorCredential.objects.get(status=CredentialStatus.ACTIVE)
    assert fresh.card == new_card and fresh.cause == CredentialCause.CARD_REISSUED


def test_the_sweep_catches_a_registry_change_the_signals_missed(alice, resident_person, card, door):
    from shequ.population.models import Person

    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    Person.objects.filter(pk=resident_person.pk).update(status="moved_out", dwelling=None)
    assert credentials.sweep() == 1
    assert DoorCredential.objects.get().cause == CredentialCause.MOVED_OUT
    assert credentials.sweep() == 0


def test_staff_revoke_and_block_need_a_reason_and_are_audited(alice, resident_person, card, door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    made = DoorCredential.objects.get()
    with pytest.raises(Invalid):
        credentials.block(actor=alice, credential=made, reason=" ")
    credentials.block(actor=alice, credential=made, reason="卡被他人冒用")
    entry = AuditEntry.objects.get(event=credentials.CREDENTIAL_BLOCKED)
    assert entry.reason == "卡被他人冒用" and entry.actor == alice
    with pytest.raises(Conflict):
        credentials.revoke(actor=alice, credential=made, reason="再次")


def test_a_resident_replaces_her_qr_code_and_chooses_her_pin(alice, resident, resident_person, pin_door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.QR, CredentialKind.PIN])
    old = DoorCredential.objects.get(kind=CredentialKind.QR)
    [fresh] = credentials.renew_qr(actor=resident)
    assert fresh.qr_code != old.qr_code
    assert credentials.change_pin(actor=resident, pin="480215") == 1
    pin = DoorCredential.objects.get(kind=CredentialKind.PIN, status=CredentialStatus.ACTIVE)
    assert secrets.matches("480215", pin.secret_hash)


# Pages ---------------------------------------------------------------------------------------------------------


def test_a_committee_worker_grants_from_the_page(client, alice, resident_person, card, door):
    client.force_login(alice)
    url = reverse("safety:credential_person", args=[resident_person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kinds": ["card"]})
    assert response.status_code == 302
    assert DoorCredential.objects.filter(person=resident_person, status=CredentialStatus.ACTIVE).count() == 1
    listing = client.get(reverse("safety:credential_list"))
    assert "王秀英" in listing.content.decode()


def test_the_credential_pages_are_404_out_of_scope_and_for_anonymous(client, bob, resident_person):
    url = reverse("safety:credential_person", args=[resident_person.pk])
    assert client.get(url).status_code == 302
    client.force_login(bob)
    assert client.get(url).status_code == 404


def test_her_page_shows_her_qr_code_as_an_image(client, alice, resident, resident_person, pin_door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.QR])
    client.force_login(resident)
    page = client.get(reverse("safety:my_doors")).content.decode()
    assert "<svg" in page and DoorCredential.objects.get().qr_code in page


def test_a_door_registered_later_is_loaded_with_the_buildings_credentials(alice, org, resident_person, card, door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    late = place(org, DeviceKind.DOOR, "door-hs-1-9", entrance="9单元")
    assert credentials.load_door(door=late) == 1
    assert [g["topic"].split("/")[-2] for g in _commands("credential.grant")] == ["door-hs-1-1", "door-hs-1-9"]


def test_a_new_door_is_sent_its_buildings_credentials_when_it_first_reports_and_not_at_each_reconnect(
        alice, org, resident_person, card, door):
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    late = place(org, DeviceKind.DOOR, "door-hs-1-9", entrance="9单元")
    status = commands.topic(late, "status")
    for said in (b"online", b"offline", b"online"):
        ingest.ingest(source=EventSource.MQTT, messages=[(status, said)])
    to_late = [g for g in _commands("credential.grant") if g["topic"].split("/")[-2] == "door-hs-1-9"]
    assert [g["data"]["card"] for g in to_late] == [card.number]
