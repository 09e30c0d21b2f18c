"""The device API: scoped like the pages, registering and changing through the actions, never a secret's hash."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from shequ.safety.actions import devices as actions
from shequ.safety.models import Device
from tests.safety.conftest import CAMERA_ID


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_lists_are_scoped_and_never_carry_the_secret_hash(admin, alice, bob, police, door, yuyuan_door):
    actions.issue_secret(actor=admin, device=door)
    door.refresh_from_db()
    codes = lambda user: {row["code"] for row in api(user).get("/api/v1/safety/devices/").json()["results"]}  # noqa: E731
    assert codes(admin) == {"door-hs-1-1", "door-yy-1-1"}
    assert codes(alice) == {"door-hs-1-1"} and codes(police) == {"door-hs-1-1"} and codes(bob) == {"door-yy-1-1"}
    response = api(alice).get(f"/api/v1/safety/devices/{door.pk}/")
    body = response.json()
    assert body["has_secret"] is True and "secret_hash" not in body
    assert door.secret_hash not in response.content.decode()
    assert api(bob).get(f"/api/v1/safety/devices/{door.pk}/").status_code == 404


def test_a_resident_gets_nothing(resident, door):
    assert api(resident).get("/api/v1/safety/devices/").status_code == 404


def test_filters(admin, door, camera, yuyuan_door, org):
    client = api(admin)
    rows = client.get("/api/v1/safety/devices/", {"kind": "camera"}).json()["results"]
    assert [row["code"] for row in rows] == [CAMERA_ID]
    rows = client.get("/api/v1/safety/devices/", {"compound": org.yuyuan_compound.pk}).json()["results"]
    assert [row["code"] for row in rows] == ["door-yy-1-1"]
    rows = client.get("/api/v1/safety/devices/", {"q": "hs-1"}).json()["results"]
    assert [row["code"] for row in rows] == ["door-hs-1-1"]
    assert client.get("/api/v1/safety/devices/", {"kind": "lift"}).status_code == 400


def test_register_and_change(org, alice):
    client = api(alice)
    response = client.post("/api/v1/safety/devices/", {
        "kind": "camera", "code": CAMERA_ID, "name": "东门", "compound": org.huashan_compound.pk,
        "manufacturer": "Hikvision"}, format="json")
    assert response.status_code == 201, response.content
    device = Device.objects.get(pk=response.json()["id"])
    assert device.heartbeat_seconds == 60
    response = client.patch(f"/api/v1/safety/devices/{device.pk}/", {"firmware_version": "V5.7.3"}, format="json")
    assert response.status_code == 200 and response.json()["firmware_version"] == "V5.7.3"
    device.refresh_from_db()
    assert device.manufacturer == "Hikvision" and device.name == "东门"  # a PATCH leaves the rest alone


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "camera", "code": "31010500002000000001", "name": "x"}, "code"),
    ({"kind": "door", "code": "door/1", "name": "x"}, "code"),
    ({"kind": "door", "code": "d1", "name": "x", "compound": 999999}, "compound"),
    ({"kind": "door", "code": "d1", "name": "x", "secret_hash": "$7$"}, "secret_hash"),
])
def test_bad_input_is_a_400_naming_the_field(org, admin, body, field):
    body.setdefault("compound", org.huashan_compound.pk)
    response = api(admin).post("/api/v1/safety/devices/", body, format="json")
    assert response.status_code == 400 and response.json()["field"] == field
    assert not Device.objects.exists()


def test_bob_may_not_register_in_huashan_and_police_may_not_register(org, bob, police):
    body = {"kind": "door", "code": "d1", "name": "x", "compound": org.huashan_compound.pk}
    assert api(bob).post("/api/v1/safety/devices/", body, format="json").status_code == 400
    assert api(police).post("/api/v1/safety/devices/", body, format="json").status_code == 404
    assert not Device.objects.exists()
