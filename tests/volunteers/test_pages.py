"""Volunteering pages and the check-in API."""

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from shequ.core.actions import PERSONAL_DATA_EXPORTED
from shequ.core.models import AuditEntry
from shequ.volunteers import actions
from shequ.volunteers.models import Activity, Shift, SignUp, Volunteer


def test_a_coordinator_creates_an_activity_and_adds_a_shift(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/volunteers/activities/new/", {"title": "垃圾分类宣传", "place": "愚园路"})
    activity = Activity.objects.get()
    assert response["Location"] == f"/volunteers/activities/{activity.pk}/"
    response = client.post(response["Location"], {"starts_at": "2030-05-01T09:00", "ends_at": "2030-05-01T11:00",
                                                   "capacity": 5})
    assert response.status_code == 302
    assert Shift.objects.get().capacity == 5


def test_a_coordinator_registers_a_resident_found_by_initials(client, coordinator, resident_person, holder_card):
    client.force_login(coordinator)
    assert "王秀英" in client.get("/volunteers/people/", {"q": "wxy"}).content.decode()
    client.post("/volunteers/people/", {"person": resident_person.pk, "skills": "陪聊"})
    assert Volunteer.objects.get().skills == "陪聊"


def test_the_roster_checks_a_volunteer_in_and_out(client, coordinator, volunteer, shift):
    signup = actions.sign_up(actor=coordinator, shift=shift, volunteer=volunteer)
    client.force_login(coordinator)
    assert "王秀英" in client.get(f"/volunteers/shifts/{shift.pk}/").content.decode()
    client.post(f"/volunteers/shifts/{shift.pk}/attendance/{signup.pk}/", {"direction": "in"})
    signup.refresh_from_db()
    # The shift is tomorrow: check-in is refused and nothing is recorded.
    assert signup.checked_in_at is None


def test_an_unknown_card_tap_is_shown_on_the_roster(client, coordinator, shift):
    client.force_login(coordinator)
    response = client.post(f"/volunteers/shifts/{shift.pk}/", {"card": "8800000000000", "direction": "in"})
    assert response.status_code == 200 and "8800000000000" in response.content.decode()


def test_a_resident_signs_up_on_her_page_and_sees_her_hours(client, resident, volunteer, shift):
    client.force_login(resident)
    assert "助老送餐" in client.get("/volunteers/mine/").content.decode()
    assert client.post(f"/volunteers/shifts/{shift.pk}/signup/").status_code == 302
    assert SignUp.objects.get().volunteer == volunteer
    assert client.get("/volunteers/").status_code == 404


def test_the_certificate_states_the_hours_served(client, coordinator, volunteer, shift, resident_person):
    actions.check_in(actor=coordinator, shift=shift, person=resident_person, at=shift.starts_at)
    actions.check_out(actor=coordinator, shift=shift, person=resident_person, at=shift.ends_at)
    client.force_login(coordinator)
    page = client.get(f"/volunteers/people/{volunteer.pk}/certificate/").content.decode()
    assert "王秀英" in page and "2.0" in page and "data-print" in page


def test_the_hours_report_exports_to_excel_and_the_export_is_audited(client, coordinator, volunteer):
    client.force_login(coordinator)
    assert "王秀英" in client.get("/volunteers/report/").content.decode()
    export = client.get("/volunteers/report/", {"format": "xlsx"})
    assert export.status_code == 200 and b"".join(export.streaming_content)[:2] == b"PK"
    exported = AuditEntry.objects.get(event=PERSONAL_DATA_EXPORTED, actor=coordinator)
    assert exported.after["what"] == "volunteers.volunteer" and exported.after["rows"] >= 1


def test_other_subdistricts_and_visitors_see_nothing(client, outside_coordinator, volunteer, shift):
    assert client.get("/volunteers/").status_code == 302
    client.force_login(outside_coordinator)
    assert client.get(f"/volunteers/shifts/{shift.pk}/").status_code == 404
    assert client.get(f"/volunteers/people/{volunteer.pk}/certificate/").status_code == 404


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_check_in_api_records_a_tap_by_volunteer(coordinator, volunteer):
    activity = actions.create_activity(actor=coordinator, title="社区巡逻")
    now = timezone.now()
    shift = actions.add_shift(actor=coordinator, activity=activity, starts_at=now - dt.timedelta(minutes=5),
                              ends_at=now + dt.timedelta(hours=1), capacity=3)
    response = _api(coordinator).post("/api/v1/volunteers/attendance/check-in/",
                                      {"shift": shift.pk, "volunteer": volunteer.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["checked_in_at"]
    response = _api(coordinator).post("/api/v1/volunteers/attendance/check-out/",
                                      {"shift": shift.pk, "volunteer": volunteer.pk}, format="json")
    assert response.status_code == 200 and response.json()["checked_out_at"]


def test_the_check_in_api_answers_bad_input_with_4xx(coordinator, outside_coordinator, volunteer, shift, resident):
    client = _api(coordinator)
    for body in ({}, {"shift": "x"}, {"shift": shift.pk}, {"shift": shift.pk, "card": "1", "volunteer": 1},
                 {"shift": 10**30, "volunteer": volunteer.pk}):
        response = client.post("/api/v1/volunteers/attendance/check-in/", body, format="json")
        assert response.status_code == 400, body
    assert client.post("/api/v1/volunteers/attendance/check-in/", {"shift": shift.pk, "card": "88000"},
                       format="json").status_code == 404
    assert client.post("/api/v1/volunteers/attendance/check-in/", {"shift": shift.pk, "volunteer": volunteer.pk},
                       format="json").status_code == 409  # tomorrow's shift
    assert _api().post("/api/v1/volunteers/attendance/check-in/", {}, format="json").status_code == 401
    assert _api(resident).post("/api/v1/volunteers/attendance/check-in/", {"shift": shift.pk, "volunteer": 1},
                               format="json").status_code == 404
    assert _api(outside_coordinator).post("/api/v1/volunteers/attendance/check-in/",
                                          {"shift": shift.pk, "volunteer": volunteer.pk},
                                          format="json").status_code == 404
