"""The API of door credentials and patrols: allowed, out of scope, anonymous, and bad input as 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from shequ.cards import actions as card_actions
from shequ.core.roles import Role
from shequ.safety.choices import CredentialStatus
from shequ.safety.models import DoorCredential

API = "/api/v1/safety"


def api(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def card(make_staff: Any, resident_person: Any) -> Any:
    return card_actions.issue_card(actor=make_staff(Role.CLERK, "clerk"), person=resident_person)


def test_a_committee_worker_grants_and_blocks_through_the_api(alice, resident_person, card, door):
    made = api(alice).post(f"{API}/door-credentials/", {"person": resident_person.pk, "kinds": ["card"]},
                           format="json")
    assert made.status_code == 201, made.json()
    [credential] = made.json()["credentials"]
    assert credential["kind"] == "card" and "secret_hash" not in credential and "qr_code" not in credential
    blocked = api(alice).post(f"{API}/door-credentials/{credential['id']}/block/", {"reason": "卡被冒用"},
                              format="json")
    assert blocked.status_code == 200 and blocked.json()["status"] == CredentialStatus.BLOCKED
    again = api(alice).post(f"{API}/door-credentials/{credential['id']}/revoke/", {"reason": "x"}, format="json")
    assert again.status_code == 409


def test_bad_input_is_a_400_and_out_of_scope_a_404(alice, bob, resident_person, card, door):
    bad = api(alice).post(f"{API}/door-credentials/", {"person": resident_person.pk, "kinds": ["face"]},
                          format="json")
    assert bad.status_code == 400
    assert api(bob).post(f"{API}/door-credentials/", {"person": resident_person.pk, "kinds": ["card"]},
                         format="json").status_code == 400  # unknown person to her
    api(alice).post(f"{API}/door-credentials/", {"person": resident_person.pk, "kinds": ["card"]}, format="json")
    pk = DoorCredential.objects.get().pk
    assert api(bob).get(f"{API}/door-credentials/{pk}/").status_code == 404
    assert api().get(f"{API}/door-credentials/").status_code in (401, 403)


def test_a_resident_lists_her_own_credentials_and_cannot_grant(alice, resident, resident_person, card, door):
    api(alice).post(f"{API}/door-credentials/", {"person": resident_person.pk, "kinds": ["card"]}, format="json")
    mine = api(resident).get(f"{API}/door-credentials/")
    assert mine.status_code == 200 and len(mine.json()["results"] if "results" in mine.json() else mine.json()) == 1
    assert api(resident).post(f"{API}/door-credentials/", {"person": resident_person.pk, "kinds": ["card"]},
                              format="json").status_code == 404


def test_an_officer_logs_a_patrol_through_the_api(police, org, alice):
    started = api(police).post(f"{API}/patrols/", {"compound": org.huashan_compound.pk, "route": "东门"},
                               format="json")
    assert started.status_code == 201
    pk = started.json()["id"]
    assert api(police).post(f"{API}/patrols/{pk}/note/", {"note": "路灯不亮"}, format="json").status_code == 200
    done = api(police).post(f"{API}/patrols/{pk}/finish/", {"findings": "完毕"}, format="json")
    assert done.status_code == 200 and done.json()["ended_at"]
    assert api(alice).get(f"{API}/patrols/").status_code == 404
    outside = api(police).post(f"{API}/patrols/", {"compound": org.yuyuan_compound.pk}, format="json")
    assert outside.status_code == 400
