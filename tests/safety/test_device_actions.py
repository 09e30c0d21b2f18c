"""The device registry's actions: placed in the actor's area, audited, and each device's secret shown once."""

from __future__ import annotations

import pytest
from django.utils import translation

from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.safety import secrets
from shequ.safety.actions import devices as actions
from shequ.safety.choices import Availability, DeviceKind
from shequ.safety.models import Device
from shequ.safety.queries import devices as queries
from tests.safety.conftest import CAMERA_ID, place


def test_a_committee_worker_registers_a_door_of_her_compound_and_it_is_audited(org, alice):
    door = actions.register_device(actor=alice, kind=DeviceKind.DOOR, code="door-hs-2-1", name="华山小区2号楼1单元",
                                   compound=org.huashan_compound, building="2号", entrance="1单元", accepts_pin=True)
    assert (door.neighborhood, door.compound, door.building.number) == (org.huashan, org.huashan_compound, "2号")
    assert door.subdistrict == org.subdistrict and door.heartbeat_seconds == 300
    assert door.availability == Availability.UNKNOWN and door.secret_hash == ""
    entry = AuditEntry.objects.get(event=actions.DEVICE_REGISTERED)
    assert entry.actor == alice and entry.object_id == str(door.pk) and entry.after["code"] == "door-hs-2-1"


def test_she_cannot_place_a_device_in_another_neighborhood(org, alice):
    with pytest.raises(Invalid) as raised:
        actions.register_device(actor=alice, kind=DeviceKind.DOOR, code="door-yy-9", name="愚园",
                                compound=org.yuyuan_compound)
    assert raised.value.field == "compound" and not Device.objects.exists()


def test_a_camera_needs_its_gb28181_id_and_a_code_is_registered_once(org, admin):
    with pytest.raises(Invalid) as raised:
        actions.register_device(actor=admin, kind=DeviceKind.CAMERA, code="cam-1", name="东门",
                                compound=org.huashan_compound)
    assert raised.value.field == "code"
    actions.register_device(actor=admin, kind=DeviceKind.CAMERA, code=CAMERA_ID, name="东门",
                            compound=org.huashan_compound)
    with pytest.raises(Conflict):
        actions.register_device(actor=admin, kind=DeviceKind.CAMERA, code=CAMERA_ID, name="西门",
                                compound=org.yuyuan_compound)


def test_a_home_sensor_is_placed_in_a_dwelling(org, admin):
    with pytest.raises(Invalid) as raised:
        actions.register_device(actor=admin, kind=DeviceKind.WATER_METER, code="wm-1", name="水表",
                                compound=org.huashan_compound, building="1号")
    assert raised.value.field == "room"
    meter = actions.register_device(actor=admin, kind=DeviceKind.WATER_METER, code="wm-1", name="水表",
                                    compound=org.huashan_compound, building="1号", room="101")
    assert meter.dwelling == org.huashan_dwellings[0] and meter.heartbeat_seconds == 3600


def test_only_a_door_takes_a_pin_and_heartbeats_are_bounded(org, admin):
    with pytest.raises(Invalid):
        actions.register_device(actor=admin, kind=DeviceKind.ACCESS_POINT, code="ap-1", name="AP",
                                neighborhood=org.huashan, accepts_pin=True)
    with pytest.raises(Invalid) as raised:
        actions.register_device(actor=admin, kind=DeviceKind.ACCESS_POINT, code="ap-1", name="AP",
                                neighborhood=org.huashan, heartbeat_seconds=5)
    assert raised.value.field == "heartbeat_seconds"


def test_police_and_residents_cannot_register_and_bob_cannot_touch_huashan(org, police, bob, resident, door):
    for actor in (police, resident):
        with pytest.raises(NotFound):
            actions.register_device(actor=actor, kind=DeviceKind.DOOR, code="d-x", name="x",
                                    compound=org.huashan_compound)
    with pytest.raises(NotFound):
        actions.update_device(actor=bob, device=door, name="mine now")
    with pytest.raises(NotFound):
        actions.issue_secret(actor=bob, device=door)


def test_an_update_is_audited_with_what_changed_and_the_code_stays(door, alice):
    actions.update_device(actor=alice, device=door, name="华山小区1号楼1单元门", firmware_version="2.1",
                          reason="firmware upgrade")
    entry = AuditEntry.objects.get(event=actions.DEVICE_CHANGED)
    assert entry.after == {"name": "华山小区1号楼1单元门", "firmware_version": "2.1"}
    assert entry.reason == "firmware upgrade"
    with pytest.raises(Invalid) as raised:
        actions.update_device(actor=alice, device=door, code="door-new")
    assert raised.value.field == "code"


def test_the_secret_is_shown_once_kept_hashed_and_verifiable(door, alice):
    device, secret = actions.issue_secret(actor=alice, device=door)
    device.refresh_from_db()
    assert len(secret) >= 40 and secret not in device.secret_hash
    assert device.secret_hash.startswith("$7$") and secrets.matches(secret, device.secret_hash)
    entry = AuditEntry.objects.get(event=actions.SECRET_ISSUED)
    assert secret not in str(entry.after) and device.secret_hash not in str(entry.after)
    # A second secret replaces the first, which stops working.
    _device, second = actions.issue_secret(actor=alice, device=door)
    door.refresh_from_db()
    assert secrets.matches(second, door.secret_hash) and not secrets.matches(secret, door.secret_hash)


def test_a_revoked_secret_stops_working_and_cannot_be_revoked_twice(door, alice):
    _device, secret = actions.issue_secret(actor=alice, device=door)
    actions.revoke_secret(actor=alice, device=door, reason="controller stolen")
    door.refresh_from_db()
    assert door.secret_hash == "" and door.secret_revoked_at is not None
    assert not secrets.matches(secret, door.secret_hash)
    assert AuditEntry.objects.get(event=actions.SECRET_REVOKED).reason == "controller stolen"
    with pytest.raises(Conflict):
        actions.revoke_secret(actor=alice, device=door)


def test_decommissioning_revokes_the_secret_and_reinstating_needs_a_new_one(door, alice):
    actions.issue_secret(actor=alice, device=door)
    with pytest.raises(Invalid):
        actions.decommission_device(actor=alice, device=door, reason=" ")
    actions.decommission_device(actor=alice, device=door, reason="replaced by a new controller")
    door.refresh_from_db()
    assert not door.active and door.secret_hash == ""
    with pytest.raises(Conflict):
        actions.issue_secret(actor=alice, device=door)
    assert door not in queries.devices(alice)  # the list shows devices in service by default
    actions.reinstate_device(actor=alice, device=door)
    door.refresh_from_db()
    assert door.active and door.secret_hash == ""
    events = set(AuditEntry.objects.values_list("event", flat=True))
    assert {actions.DEVICE_DECOMMISSIONED, actions.DEVICE_REINSTATED} <= events


def test_each_role_sees_the_devices_of_its_own_area(org, admin, alice, bob, police, resident, door, yuyuan_door,
                                                      camera):
    assert set(queries.devices(admin)) == {door, yuyuan_door, camera}
    assert set(queries.devices(alice)) == {door, camera}
    assert set(queries.devices(police)) == {door, camera}  # her beat is 华山
    assert set(queries.devices(bob)) == {yuyuan_door}
    assert list(queries.devices(resident)) == []


def test_filters_and_search(org, admin, door, yuyuan_door, camera):
    Device.objects.filter(pk=camera.pk).update(availability=Availability.OFFLINE)
    assert list(queries.devices(admin, kind=DeviceKind.CAMERA)) == [camera]
    assert list(queries.devices(admin, availability=Availability.OFFLINE)) == [camera]
    assert set(queries.devices(admin, compound=org.yuyuan_compound)) == {yuyuan_door}
    assert list(queries.devices(admin, q="hs-1")) == [door]
    assert list(queries.devices(admin, q="东门")) == [camera]
    assert queries.offline_count(admin) == 1


def test_the_password_file_lists_active_secrets_only_and_only_an_administrator_writes_it(org, admin, alice, door,
                                                                                          camera, settings):
    settings.MQTT_URL = "mqtt://shequ:platform-pw@127.0.0.1:1883"
    _device, door_secret = actions.issue_secret(actor=admin, device=door)
    actions.issue_secret(actor=admin, device=camera)
    actions.revoke_secret(actor=admin, device=camera)
    stopped = place(org, DeviceKind.DOOR, "door-old")
    actions.issue_secret(actor=admin, device=stopped)
    actions.decommission_device(actor=admin, device=stopped, reason="removed")
    text = actions.export_mqtt_passwords(actor=admin)
    lines = dict(line.split(":", 1) for line in text.splitlines())
    assert set(lines) == {"door-hs-1-1", "shequ"}
    assert secrets.matches(door_secret, lines["door-hs-1-1"]) and secrets.matches("platform-pw", lines["shequ"])
    entry = AuditEntry.objects.get(event=actions.MQTT_PASSWORDS_EXPORTED)
    assert entry.after == {"devices": 1, "service_account": True}
    with translation.override("en"), pytest.raises((Forbidden, NotFound)):
        actions.export_mqtt_passwords(actor=alice)


def test_the_property_company_edits_its_compounds_devices_but_cannot_move_them_out(org, make_staff, door,
                                                                                  yuyuan_door):
    from shequ.core.roles import Role

    keeper = make_staff(Role.PROPERTY, "property", compound=org.huashan_compound)
    assert set(queries.devices(keeper)) == {door}
    actions.update_device(actor=keeper, device=door, firmware_version="3.0")
    with pytest.raises(Invalid):
        actions.update_device(actor=keeper, device=door, compound=None, neighborhood=org.huashan)
    with pytest.raises(NotFound):
        actions.register_device(actor=keeper, kind=DeviceKind.DOOR, code="d-new", name="x",
                                compound=org.huashan_compound)
