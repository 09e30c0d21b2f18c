"""Device pages as a committee worker, a police officer and an administrator: scope, forms, the secret shown once."""

from __future__ import annotations

import re

from shequ.core.models import AuditEntry
from shequ.core.registry import Period, registry
from shequ.safety import secrets
from shequ.safety.actions import devices as actions
from shequ.safety.choices import Availability
from shequ.safety.models import Device


def test_a_committee_worker_sees_her_devices_and_bob_cannot_see_huashan(client, alice, bob, door, yuyuan_door):
    client.force_login(alice)
    page = client.get("/safety/devices/").content.decode()
    assert "door-hs-1-1" in page and "door-yy-1-1" not in page
    assert client.get(f"/safety/devices/{door.pk}/").status_code == 200
    client.force_login(bob)
    page = client.get("/safety/devices/").content.decode()
    assert "door-yy-1-1" in page and "door-hs-1-1" not in page
    for path in ("", "edit/", "secret/"):
        assert client.get(f"/safety/devices/{door.pk}/{path}").status_code == 404
    assert client.post(f"/safety/devices/{door.pk}/secret/", {"do": "issue"}).status_code == 404
    assert client.get("/safety/devices/", {"q": "door-hs"}).context["page"].paginator.count == 0


def test_police_see_their_beat_read_only(client, police, door, yuyuan_door):
    client.force_login(police)
    response = client.get("/safety/devices/")
    page = response.content.decode()
    assert "door-hs-1-1" in page and "door-yy-1-1" not in page
    assert "/safety/devices/new/" not in page
    detail = client.get(f"/safety/devices/{door.pk}/").content.decode()
    assert "/secret/" not in detail and "/edit/" not in detail
    assert client.get("/safety/devices/new/").status_code == 404
    assert client.get(f"/safety/devices/{door.pk}/secret/").status_code == 404
    assert client.get("/safety/devices/export/").status_code == 200


def test_a_resident_sees_no_device_page(client, resident, door):
    client.force_login(resident)
    assert client.get("/safety/devices/").status_code == 404
    assert client.get(f"/safety/devices/{door.pk}/").status_code == 404


def test_the_list_filters_by_kind_availability_and_compound_and_pages(client, org, admin, door, yuyuan_door, camera):
    Device.objects.filter(pk=camera.pk).update(availability=Availability.OFFLINE)
    client.force_login(admin)
    found = lambda **query: [d.code for d in client.get("/safety/devices/", query).context["page"]]  # noqa: E731
    assert found(kind="camera") == [camera.code]
    assert found(availability="offline") == [camera.code]
    assert found(compound=org.yuyuan_compound.pk) == ["door-yy-1-1"]
    assert found(q="东门") == [camera.code]
    assert client.get("/safety/devices/", {"kind": "nonsense", "page": "x"}).status_code == 200


def test_an_administrator_registers_and_edits_a_device_through_the_form(client, org, admin):
    client.force_login(admin)
    response = client.post("/safety/devices/new/", {
        "kind": "door", "code": "door-hs-2-1", "name": "华山小区2号楼1单元", "compound": org.huashan_compound.pk,
        "building": "2号", "entrance": "1单元", "accepts_pin": "on"})
    assert response.status_code == 302
    device = Device.objects.get(code="door-hs-2-1")
    assert response["Location"] == f"/safety/devices/{device.pk}/" and device.accepts_pin
    response = client.post(f"/safety/devices/{device.pk}/edit/", {
        "kind": "door", "name": "华山小区2号楼1单元门", "compound": org.huashan_compound.pk, "building": "2号",
        "entrance": "1单元", "heartbeat_seconds": "120"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.name == "华山小区2号楼1单元门" and device.heartbeat_seconds == 120 and device.code == "door-hs-2-1"
    assert not device.accepts_pin


def test_a_bad_camera_id_is_shown_on_the_form(client, org, admin):
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    response = client.post("/safety/devices/new/", {"kind": "camera", "code": "99010500001320000001",
                                                    "name": "东门", "compound": org.huashan_compound.pk})
    assert response.status_code == 200 and "Centre code" in response.content.decode()
    assert not Device.objects.exists()


def test_the_secret_page_shows_the_secret_once_and_revokes_it(client, alice, door):
    client.force_login(alice)
    response = client.post(f"/safety/devices/{door.pk}/secret/", {"do": "issue"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = re.search(r'id="device-secret">([^<]+)<', response.content.decode()).group(1)
    door.refresh_from_db()
    assert secrets.matches(secret, door.secret_hash)
    again = client.get(f"/safety/devices/{door.pk}/secret/").content.decode()
    assert secret not in again and "device-secret" not in again
    assert secret not in client.get(f"/safety/devices/{door.pk}/").content.decode()
    response = client.post(f"/safety/devices/{door.pk}/secret/", {"do": "revoke", "reason": "lost"})
    assert response.status_code == 302
    door.refresh_from_db()
    assert door.secret_hash == ""


def test_decommission_and_reinstate_from_the_device_page(client, alice, door):
    client.force_login(alice)
    assert client.post(f"/safety/devices/{door.pk}/decommission/", {"reason": ""}).status_code == 302
    door.refresh_from_db()
    assert door.active
    client.post(f"/safety/devices/{door.pk}/decommission/", {"reason": "broken"})
    door.refresh_from_db()
    assert not door.active
    assert door.code not in client.get("/safety/devices/").content.decode()
    assert door.code in client.get("/safety/devices/", {"status": "decommissioned"}).content.decode()
    client.post(f"/safety/devices/{door.pk}/reinstate/")
    door.refresh_from_db()
    assert door.active
    assert AuditEntry.objects.filter(event=actions.DEVICE_DECOMMISSIONED, reason="broken").exists()


def test_the_offline_count_is_the_number_of_rows_its_link_shows(client, alice, door, camera, yuyuan_door):
    Device.objects.filter(pk__in=[door.pk, yuyuan_door.pk]).update(availability=Availability.OFFLINE)
    count = registry.counts["safety.devices_offline"]
    assert count.allowed(alice) and count.count(alice) == 1
    client.force_login(alice)
    assert client.get(count.url(alice)).context["page"].paginator.count == 1


def test_the_online_figure_counts_devices_online_now_and_nothing_for_a_past_period(alice, admin, door, camera,
                                                                                   yuyuan_door):
    from django.utils import timezone

    Device.objects.filter(pk__in=[door.pk, yuyuan_door.pk]).update(availability=Availability.ONLINE)
    figure = registry.figures["safety.devices_online"]
    today = Period.day(timezone.localdate())
    assert figure.value(admin, today) == 2 and figure.value(alice, today) == 1
    assert figure.value(admin, Period.day(timezone.localdate().replace(year=2020))) is None


def test_the_menu_shows_devices_to_those_who_may_see_them(client, alice, police, resident):
    entry = registry.nav["safety.devices"]
    assert entry.allowed(alice) and entry.allowed(police) and not entry.allowed(resident)
    client.force_login(police)
    assert client.get("/safety/devices/").status_code == 200


def test_the_device_page_shows_when_it_was_last_heard_from_and_its_recent_events(client, alice, bob, door):
    from django.utils import timezone

    from shequ.safety.models import Event

    moment = timezone.now()
    Device.objects.filter(pk=door.pk).update(availability=Availability.ONLINE, last_seen_at=moment,
                                             availability_changed_at=moment)
    Event.objects.create(device=door, event_id="e-1", kind="door.granted", occurred_at=moment, received_at=moment,
                         source="mqtt", subdistrict=door.subdistrict, neighborhood=door.neighborhood,
                         compound=door.compound)
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    page = client.get(f"/safety/devices/{door.pk}/").content.decode()
    assert "Access granted" in page and timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") in page


def test_moving_a_device_to_another_compound_follows_the_compound_not_the_old_neighborhood(client, org, admin,
                                                                                           door):
    client.force_login(admin)
    response = client.post(f"/safety/devices/{door.pk}/edit/", {
        "kind": "door", "name": door.name, "neighborhood": org.huashan.pk, "compound": org.yuyuan_compound.pk})
    assert response.status_code == 302
    door.refresh_from_db()
    assert (door.neighborhood, door.compound, door.building) == (org.yuyuan, org.yuyuan_compound, None)
