"""The demo's devices are the report's: 324 doors, 144 cameras with valid GB/T 28181 IDs, 17 access points, each
in a compound of the sub-district, with a demo secret that opens its own door to the broker and no other."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from shequ.affairs.models import DepartmentMember, Service
from shequ.core.models import Compound, User
from shequ.core.roles import Role
from shequ.demo import builder
from shequ.safety import secrets
from shequ.safety.choices import DeviceKind, EventKind
from shequ.safety.demo import EMERGENCY_SERVICE, demo_secret
from shequ.safety.models import Device, EmergencyPlan, Event

RESIDENTS = 200


@pytest.fixture
def demo(db: Any) -> builder.BuildResult:
    return builder.build(residents=RESIDENTS)


def gb28181_valid(code: str) -> bool:
    """20 digits: an 8-digit centre code starting with a province of GB/T 2260, industry 00–99, a device type
    (131/132 camera), a 7-digit serial."""
    return (len(code) == 20 and code.isdigit() and 11 <= int(code[:2]) <= 82 and code[10:13] in {"131", "132"})


def test_the_demo_has_the_reports_doors_cameras_and_access_points(demo):
    devices = Device.objects.filter(subdistrict=demo.subdistrict)
    assert devices.filter(kind=DeviceKind.DOOR).count() == 324
    assert devices.filter(kind=DeviceKind.CAMERA).count() == 144
    assert devices.filter(kind=DeviceKind.ACCESS_POINT).count() == 17
    gates = devices.filter(kind=DeviceKind.CAMERA, location__endswith="门").count()
    assert gates == 44
    codes = list(Device.objects.filter(kind=DeviceKind.CAMERA).values_list("code", flat=True))
    assert all(gb28181_valid(code) for code in codes)
    assert {code[:8] for code in codes} == {"31010500"}
    assert len(set(codes)) == 144
    assert not gb28181_valid("3101050000132000001")  # 19 digits


def test_every_device_is_in_a_compound_of_the_subdistrict_and_doors_on_an_entrance(demo):
    compounds = {c.pk: c for c in Compound.objects.filter(neighborhood__subdistrict=demo.subdistrict)}
    for device in Device.objects.all():
        assert device.compound_id in compounds
        assert device.neighborhood_id == compounds[device.compound_id].neighborhood_id
        if device.kind in (DeviceKind.DOOR, DeviceKind.ACCESS_POINT):
            assert device.building is not None and device.building.compound_id == device.compound_id
        if device.kind == DeviceKind.DOOR:
            assert device.entrance.endswith("单元")
    # Every compound has doors and cameras.
    assert set(Device.objects.filter(kind=DeviceKind.DOOR).values_list("compound", flat=True)) == set(compounds)
    assert set(Device.objects.filter(kind=DeviceKind.CAMERA).values_list("compound", flat=True)) == set(compounds)


def test_each_demo_secret_matches_its_own_devices_hash_only(demo):
    devices = list(Device.objects.order_by("pk"))
    assert all(device.secret_hash and demo_secret(device.code) not in device.secret_hash for device in devices)
    for device in devices[::25]:
        assert secrets.matches(demo_secret(device.code), device.secret_hash)
    first, second = devices[0], devices[1]
    assert not secrets.matches(demo_secret(second.code), first.secret_hash)
    assert demo_secret(first.code) == demo_secret(first.code)


def test_the_last_day_of_doors_has_openings_denials_and_a_forced_door(demo):
    doors = Event.objects.filter(device__kind=DeviceKind.DOOR)
    assert doors.filter(kind=EventKind.DOOR_GRANTED).count() > 324 * 10
    assert doors.filter(kind=EventKind.DOOR_DENIED).exists()
    forced = doors.get(kind=EventKind.DOOR_FORCED)
    assert forced.compound_id == forced.device.compound_id
    granted = doors.filter(kind=EventKind.DOOR_GRANTED).first()
    assert granted is not None and set(granted.data) == {"credential", "method", "direction"}
    assert Event.objects.filter(kind=EventKind.CAMERA_VIDEO_LOST, data__channel=1).exists()


def test_two_police_offices_sign_in_and_the_emergency_plans_exist(client, demo):
    printed = {login.username for login in demo.logins}
    assert {"police-huashan", "police-caojiayan"} <= printed
    officer = User.objects.get(username="police-huashan")
    assert officer.role == Role.POLICE
    assert DepartmentMember.objects.filter(user=officer, department__code="police").exists()
    assert officer.neighborhood is not None and officer.neighborhood.name == "华山居民区"
    for username in ("police-huashan", "police-caojiayan"):
        cache.clear()
        client.logout()
        response = client.post("/login/", {"username": username, "password": builder.DEMO_PASSWORD})
        assert response.status_code == 302, username

    service = Service.objects.get(code=EMERGENCY_SERVICE)
    assert service.is_emergency and service.active and service.linked_departments.exists()
    assert {plan.plan_type for plan in EmergencyPlan.objects.all()} == {"fire", "elder_unwell"}
    assert all(plan.service == service and plan.steps for plan in EmergencyPlan.objects.all())
