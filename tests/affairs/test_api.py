"""The requests API under /api/v1/: allowed, out of scope and anonymous; 4xx for bad input, never 500."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from shequ.affairs import actions
from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest
from shequ.core.models import AuditEntry


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def call(centre, dwelling, department=None, phone="13812345678"):
    return actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=centre.repair,
                                  description="水管漏水", dwelling=dwelling, department=department,
                                  caller_phone=phone)


def test_a_clerk_creates_a_request_over_the_api(centre, org, resident_person):
    response = api(centre.clerk).post("/api/v1/service-requests/", {
        "service": "repair", "description": "水管漏水", "caller_phone": "13812345678",
        "dwelling": org.huashan_dwellings[0].pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "api" and body["service_code"] == "repair"
    assert body["caller_phone_masked"] == "138****5678" and "13812345678" not in response.content.decode()
    assert body["person"] == resident_person.pk
    assert body["number"] == ServiceRequest.objects.get().number
    assert AuditEntry.objects.filter(event=actions.REQUEST_CREATED).count() == 1
    detail = api(centre.clerk).get(response["Location"])
    assert detail.status_code == 200
    assert detail.json()["number"] == body["number"] and detail.json()["steps"][0]["kind"] == "created"


def test_bad_input_answers_400_with_the_field(centre):
    client = api(centre.clerk)
    for body, field in (({"service": "nope", "description": "x"}, "service"),
                        ({"service": "repair"}, "description"),
                        ({"service": "repair", "description": "x", "dwelling": 99999999}, "dwelling"),
                        ({"service": "repair", "description": "x", "colour": "red"}, "colour"),
                        ({"service": "repair", "description": "x", "dwelling": "abc"}, "dwelling")):
        response = client.post("/api/v1/service-requests/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["field"] == field
    assert client.post("/api/v1/service-requests/", "[1,2]", content_type="application/json").status_code == 400


def test_the_workflow_runs_over_the_api(centre, org, resident):
    request = call(centre, org.huashan_dwellings[0])
    url = f"/api/v1/service-requests/{request.pk}"
    assert api(centre.clerk).post(f"{url}/dispatch/", {"department": centre.huashan_property.pk},
                                  format="json").status_code == 200
    assert api(centre.fixer).post(f"{url}/start/", {}, format="json").status_code == 200
    response = api(centre.fixer).post(f"{url}/resolve/", {"note": "修好了"}, format="json")
    assert response.json()["status"] == Status.RESOLVED
    assert api(resident).post(f"{url}/confirm/", {"satisfaction": 9}, format="json").status_code == 400
    response = api(resident).post(f"{url}/confirm/", {"satisfaction": 5, "comment": "好"}, format="json")
    assert response.status_code == 200 and response.json()["satisfaction"] == 5
    assert api(centre.fixer).post(f"{url}/close/", {}, format="json").status_code == 403
    assert api(centre.clerk).post(f"{url}/close/", {}, format="json").json()["status"] == Status.CLOSED


def test_a_step_in_the_wrong_state_answers_409(centre, org):
    request = call(centre, org.huashan_dwellings[0])
    response = api(centre.clerk).post(f"/api/v1/service-requests/{request.pk}/close/", {}, format="json")
    assert response.status_code == 409


def test_a_property_company_lists_only_its_own_requests(centre, org):
    ours = call(centre, org.huashan_dwellings[0], centre.huashan_property)
    theirs = call(centre, org.yuyuan_dwellings[0], centre.yuyuan_property)
    rows = api(centre.fixer).get("/api/v1/service-requests/").json()["results"]
    assert [row["id"] for row in rows] == [ours.pk]
    assert api(centre.fixer).get(f"/api/v1/service-requests/{theirs.pk}/").status_code == 404
    assert api(centre.fixer).post(f"/api/v1/service-requests/{theirs.pk}/resolve/", {"note": "x"},
                                  format="json").status_code == 404


def test_filters_narrow_the_list(centre, org):
    call(centre, org.huashan_dwellings[0], centre.huashan_property)
    accepted = call(centre, org.huashan_dwellings[1])
    rows = api(centre.clerk).get("/api/v1/service-requests/?status=accepted").json()["results"]
    assert [row["id"] for row in rows] == [accepted.pk]
    assert api(centre.clerk).get("/api/v1/service-requests/?status=bogus").status_code == 400
    assert api(centre.clerk).get("/api/v1/service-requests/?department=-1").status_code == 400


def test_a_resident_files_and_follows_her_own_requests(centre, resident, org):
    response = api(resident).post("/api/v1/service-requests/", {"service": "repair", "description": "灯坏了",
                                                                 "channel": "hotline"}, format="json")
    assert response.status_code == 201 and response.json()["channel"] == "portal"
    call(centre, org.yuyuan_dwellings[0], phone="13000000000")  # somebody else's
    rows = api(resident).get("/api/v1/service-requests/").json()["results"]
    assert [row["id"] for row in rows] == [response.json()["id"]]


def test_anonymous_callers_get_401(centre, org):
    request = call(centre, org.huashan_dwellings[0])
    assert api().get("/api/v1/service-requests/").status_code == 401
    assert api().get(f"/api/v1/service-requests/{request.pk}/").status_code == 401
    assert api().post("/api/v1/service-requests/", {}, format="json").status_code == 401


def test_merging_over_the_api_takes_ids_the_user_can_see(centre, org):
    first, second = call(centre, org.huashan_dwellings[0]), call(centre, org.huashan_dwellings[0])
    url = f"/api/v1/service-requests/{first.pk}/merge/"
    assert api(centre.clerk).post(url, {"duplicates": [999999]}, format="json").status_code == 400
    assert api(centre.clerk).post(url, {"duplicates": [second.pk]}, format="json").status_code == 200
    assert ServiceRequest.objects.get(pk=second.pk).merged_into_id == first.pk


def test_the_catalogue_is_listed_for_any_signed_in_user(centre, resident):
    rows = api(resident).get("/api/v1/services/").json()["results"]
    assert {row["code"] for row in rows} == {"repair", "permit", "gas-leak"}
    permit = api(resident).get("/api/v1/services/permit/").json()
    assert permit["materials"] == ["身份证", "租房合同"]


def test_the_openapi_schema_lists_the_request_workflow(db):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/service-requests/", "/api/v1/service-requests/{id}/dispatch/",
                 "/api/v1/service-requests/{id}/confirm/", "/api/v1/services/{code}/"):
        assert path in text, path


def test_the_request_serializer_built_once_answers_like_a_freshly_built_one(centre, org):
    from rest_framework import serializers

    from shequ.affairs.api import ServiceRequestSerializer

    class Fresh(ServiceRequestSerializer):
        def get_fields(self):  # DRF's own: introspect the model for every instance
            return serializers.ModelSerializer.get_fields(self)

    first, second = call(centre, org.huashan_dwellings[0]), call(centre, org.huashan_dwellings[1])
    for request in (first, second):
        assert ServiceRequestSerializer(request).data == Fresh(request).data
    # Each serializer binds its own copies of the fields: nothing of one answer leaks into another.
    one, two = ServiceRequestSerializer(first), ServiceRequestSerializer(second)
    assert one.fields["number"].parent is one and two.fields["number"].parent is two
    assert one.data["number"] == first.number and two.data["number"] == second.number


def _create(user, dwelling, phone="13812345678"):
    return api(user).post("/api/v1/service-requests/", {
        "service": "repair", "description": "楼道灯坏了", "caller_phone": phone, "dwelling": dwelling.pk},
        format="json")


def test_a_call_about_the_callers_home_takes_the_address_from_her_registry_row(centre, org, resident_person,
                                                                               alice):
    home = resident_person.dwelling
    with CaptureQueriesContext(connection) as queries:
        response = _create(alice, home)  # the committee worker of her neighborhood
    assert response.status_code == 201, response.content
    # Her home came with her registry row: no read of the dwelling on its own (the hotline's commonest call).
    assert not [query for query in queries.captured_queries if 'FROM "core_dwelling"' in query["sql"]]
    made = ServiceRequest.objects.get(pk=response.json()["id"])
    assert made.person == resident_person and made.dwelling == home
    assert (made.compound, made.neighborhood, made.address) == (home.building.compound, org.huashan, home.label)


def test_an_address_other_than_the_callers_home_is_read_within_the_users_area(centre, org, resident_person, alice):
    elsewhere = org.huashan_dwellings[1]
    assert elsewhere != resident_person.dwelling
    response = _create(alice, elsewhere)
    assert response.status_code == 201, response.content
    made = ServiceRequest.objects.get(pk=response.json()["id"])
    assert made.person == resident_person and (made.dwelling, made.address) == (elsewhere, elsewhere.label)
    # Outside her neighborhood: the same answer as an address that does not exist, and nothing written.
    response = _create(alice, org.yuyuan_dwellings[0])
    assert response.status_code == 400 and response.json()["field"] == "dwelling"
    assert ServiceRequest.objects.count() == 1


def test_a_retired_service_is_refused_at_once_and_another_processs_change_within_half_a_minute(
        centre, org, admin, monkeypatch):
    from shequ.affairs import queries

    assert _create(centre.clerk, org.huashan_dwellings[0]).status_code == 201  # the catalogue entry is now held
    actions.save_service(actor=admin, service=centre.repair, active=False)  # in this process
    response = _create(centre.clerk, org.huashan_dwellings[0])
    assert response.status_code == 400 and response.json()["field"] == "service"

    actions.save_service(actor=admin, service=centre.repair, active=True)
    assert _create(centre.clerk, org.huashan_dwellings[0]).status_code == 201
    # Another worker retires it (no signal reaches this process): this one follows within half a minute.
    type(centre.repair).objects.filter(pk=centre.repair.pk).update(active=False)
    clock = queries._catalogue_entries.clock()
    monkeypatch.setattr(queries._catalogue_entries, "clock", lambda: clock + 31)
    response = _create(centre.clerk, org.huashan_dwellings[0])
    assert response.status_code == 400 and response.json()["field"] == "service"
