"""Open311 GeoReport v2 conformance: each endpoint against the shapes of the specification's examples
(http://wiki.open311.org/GeoReport_v2): element and field names, formats, w3 date-times and the error list."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import pytest

from shequ.affairs import actions
from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest
from shequ.core.models import AuditEntry

BASE = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture
def api_key(centre, admin):
    _record, key = actions.create_open311_key(actor=admin, user=centre.clerk, name="城市App")
    return key


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>") or response.content.startswith(
        b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 -- our own output, in a test


def call(centre, org, **extra):
    return actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=centre.repair,
                                  description="厨房水管漏水", dwelling=org.huashan_dwellings[0],
                                  caller_phone="13812345678", **extra)


def test_services_json_lists_every_service_with_the_specifications_fields(client, centre):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    rows = {row["service_code"]: row for row in response.json()}
    assert set(rows) == {"repair", "permit", "gas-leak"}
    assert all(set(row) == SERVICE_FIELDS for row in rows.values())
    assert rows["permit"]["metadata"] is True and rows["repair"]["metadata"] is False
    assert rows["repair"] == {"service_code": "repair", "service_name": "房屋报修", "description": None,
                              "metadata": False, "type": "realtime", "keywords": "漏水, 维修", "group": "物业"}


def test_services_xml_has_a_service_element_per_service(client, centre):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 3
    assert {child.tag for child in services[0]} == SERVICE_FIELDS
    assert {s.findtext("metadata") for s in services} == {"true", "false"}
    assert {s.findtext("type") for s in services} == {"realtime"}


def test_a_service_definition_gives_the_materials_as_information_attributes(client, centre):
    body = client.get(f"{BASE}/services/permit.json").json()
    assert body["service_code"] == "permit"
    assert [a["description"] for a in body["attributes"]] == ["身份证", "租房合同"]
    first = body["attributes"][0]
    assert set(first) == {"variable", "code", "datatype", "required", "datatype_description", "order",
                          "description"}
    assert first["variable"] is False and first["order"] == 1
    root = xml(client.get(f"{BASE}/services/permit.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "permit"
    assert [a.findtext("description") for a in root.find("attributes").findall("attribute")] == ["身份证", "租房合同"]


def test_an_unknown_service_code_is_a_404_error_list(client, centre):
    response = client.get(f"{BASE}/services/nope.json")
    assert response.status_code == 404
    (error,) = response.json()
    assert error["code"] == 404 and "nope" in error["description"]
    root = xml(client.get(f"{BASE}/services/nope.xml"))
    assert root.tag == "errors" and root.find("error").findtext("code") == "404"


def test_posting_a_request_needs_an_api_key(client, centre):
    response = client.post(f"{BASE}/requests.json", {"service_code": "repair", "address_string": "华山路1088弄"})
    assert response.status_code == 403 and response.json()[0]["code"] == 403
    response = client.post(f"{BASE}/requests.xml", {"api_key": "wrong", "service_code": "repair",
                                                    "address_string": "x"})
    assert response.status_code == 403 and xml(response).tag == "errors"
    assert not ServiceRequest.objects.exists()


def test_posting_a_request_as_in_the_specifications_example(client, centre, api_key, resident_person):
    response = client.post(f"{BASE}/requests.json", {
        "api_key": api_key, "jurisdiction_id": "310105002", "service_code": "repair", "lat": "31.2211",
        "long": "121.4311", "address_string": "华山路1088弄1号101室", "email": "x@example.cn", "device_id": "tt222",
        "account_id": "123456", "first_name": "秀英", "last_name": "王", "phone": "13812345678",
        "description": "厨房水管漏水", "media_url": "http://example.cn/1.jpg", "attribute[WHISPAWN]": "1"})
    assert response.status_code == 200, response.content
    (row,) = response.json()
    assert set(row) == {"service_request_id", "service_notice", "account_id"}
    request = ServiceRequest.objects.get(number=row["service_request_id"])
    assert request.channel == Channel.API and request.created_by == centre.clerk
    assert request.caller_name == "王秀英" and request.person == resident_person
    assert str(request.lat) == "31.221100" and request.address == "华山路1088弄1号101室"
    assert "3" in row["service_notice"] and AuditEntry.objects.filter(event=actions.REQUEST_CREATED).exists()


def test_posting_answers_xml_with_a_request_element(client, centre, api_key, org):
    response = client.post(f"{BASE}/requests.xml", {"api_key": api_key, "service_code": "repair",
                                                    "address_id": org.huashan_dwellings[2].pk})
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert {child.tag for child in request} == {"service_request_id", "service_notice", "account_id"}
    created = ServiceRequest.objects.get(number=request.findtext("service_request_id"))
    assert created.dwelling == org.huashan_dwellings[2] and created.description == "房屋报修"


@pytest.mark.parametrize("body, status", [
    ({"address_string": "x"}, 400),  # no service_code
    ({"service_code": "nope", "address_string": "x"}, 404),
    ({"service_code": "repair"}, 400),  # no location
    ({"service_code": "repair", "lat": "north", "long": "1"}, 400),
    ({"service_code": "repair", "lat": "95", "long": "1"}, 400),
    ({"service_code": "repair", "address_id": "999999"}, 404),
    ({"service_code": "repair", "address_string": "x", "jurisdiction_id": "999"}, 404),
    ({"service_code": "repair", "address_string": "x", "phone": "12"}, 400),
])
def test_bad_posts_answer_the_specifications_error_codes(client, centre, api_key, body, status):
    response = client.post(f"{BASE}/requests.json", {"api_key": api_key, **body})
    assert response.status_code == status, response.content
    (error,) = response.json()
    assert set(error) == {"code", "description"} and error["code"] == status and error["description"]


def test_get_requests_lists_with_every_specified_field_and_w3_dates(client, centre, org, api_key):
    request = call(centre, org)
    rows = client.get(f"{BASE}/requests.json", {"api_key": api_key}).json()
    (row,) = rows
    assert set(row) == REQUEST_FIELDS
    assert row["service_request_id"] == request.number and row["status"] == "open"
    assert row["requested_datetime"].endswith("+08:00")
    assert dt.datetime.fromisoformat(row["expected_datetime"]) == request.due_at.replace(microsecond=0)
    assert row["description"] == "厨房水管漏水" and row["address"] == request.address
    root = xml(client.get(f"{BASE}/requests.xml", {"api_key": api_key}))
    assert root.tag == "service_requests" and {c.tag for c in root.find("request")} == REQUEST_FIELDS


def test_without_a_key_requests_are_listed_without_personal_details(client, centre, org):
    call(centre, org)
    (row,) = client.get(f"{BASE}/requests.json").json()
    assert row["description"] is None and row["address"] == "华山小区" and row["address_id"] is None
    assert "13812345678" not in client.get(f"{BASE}/requests.xml").content.decode()


def test_get_requests_filters_by_status_code_date_and_id(client, centre, org, api_key):
    open_one = call(centre, org)
    closed_one = call(centre, org, department=centre.huashan_property)
    actions.resolve(actor=centre.fixer, request=closed_one, note="修好了")
    other = actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.permit,
                                   description="办居住证")

    def numbers(**params):
        response = client.get(f"{BASE}/requests.json", {"api_key": api_key, **params})
        assert response.status_code == 200, response.content
        return {row["service_request_id"] for row in response.json()}

    assert numbers(status="open") == {open_one.number, other.number}
    assert numbers(status="closed") == {closed_one.number}
    assert numbers(status="open,closed") == {open_one.number, closed_one.number, other.number}
    assert numbers(service_code="permit") == {other.number}
    assert numbers(service_code="repair,permit", status="closed") == {closed_one.number}
    assert numbers(service_request_id=f"{open_one.number},{other.number}", status="closed") == {
        open_one.number, other.number}  # service_request_id overrides every other argument
    assert numbers(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00Z") == set()
    closed_row = next(r for r in client.get(f"{BASE}/requests.json", {"api_key": api_key}).json()
                      if r["service_request_id"] == closed_one.number)
    assert closed_row["status_notes"] == "修好了" and closed_row["agency_responsible"] == "华山物业"


@pytest.mark.parametrize("params", [{"status": "pending"}, {"start_date": "yesterday"},
                                    {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"}])
def test_bad_filters_answer_400_with_an_error_list(client, centre, params):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400 and response.json()[0]["code"] == 400


def test_one_request_by_its_id_and_a_missing_one(client, centre, org):
    request = call(centre, org)
    (row,) = client.get(f"{BASE}/requests/{request.number}.json").json()
    assert row["service_request_id"] == request.number
    assert xml(client.get(f"{BASE}/requests/{request.number}.xml")).find("request").findtext(
        "service_request_id") == request.number
    response = client.get(f"{BASE}/requests/404404.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404


def test_a_key_sees_only_what_its_account_may(client, centre, org, admin):
    from shequ.core import actions as core_actions
    from shequ.core.roles import Role

    _record, whole = actions.create_open311_key(actor=admin, user=admin, name="全街道")
    app = core_actions.create_user(actor=None, username="huashan-app", role=Role.COMMITTEE,
                                   subdistrict=org.subdistrict, neighborhood=org.huashan)
    _record, huashan = actions.create_open311_key(actor=admin, user=app, name="华山App")
    theirs = actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.repair,
                                    description="愚园的事", dwelling=org.yuyuan_dwellings[0])
    assert client.get(f"{BASE}/requests/{theirs.number}.json", {"api_key": whole}).status_code == 200
    assert client.get(f"{BASE}/requests/{theirs.number}.json", {"api_key": huashan}).status_code == 404


def test_tokens_give_the_service_request_id(client, centre, org):
    request = call(centre, org)
    (row,) = client.get(f"{BASE}/tokens/{request.token}.json").json()
    assert row == {"service_request_id": request.number, "token": str(request.token)}
    assert xml(client.get(f"{BASE}/tokens/{request.token}.xml")).find("request").findtext("token") == str(
        request.token)
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404


def test_jurisdiction_is_needed_once_there_are_two_sub_districts(client, centre):
    from shequ.core.models import Subdistrict

    Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 400 and response.json()[0]["code"] == 400
    assert len(client.get(f"{BASE}/services.json", {"jurisdiction_id": "310105002"}).json()) == 3
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "310105003"}).json() == []
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "999"}).status_code == 404


def test_a_revoked_key_is_refused_and_keys_are_made_by_administrators_only(client, centre, admin, alice):
    from shequ.core.errors import NotFound

    record, key = actions.create_open311_key(actor=admin, user=centre.clerk, name="app")
    actions.revoke_open311_key(actor=admin, key=record)
    response = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "repair",
                                                     "address_string": "x"})
    assert response.status_code == 403
    with pytest.raises(NotFound):
        actions.create_open311_key(actor=alice, user=alice, name="mine")
    assert AuditEntry.objects.filter(event=actions.OPEN311_KEY_CREATED).count() == 1
    assert AuditEntry.objects.filter(event=actions.OPEN311_KEY_REVOKED).count() == 1


def test_a_merged_request_is_closed_as_a_duplicate(client, centre, org):
    first, second = call(centre, org), call(centre, org)
    actions.merge_duplicates(actor=centre.clerk, primary=first, duplicates=[second])
    (row,) = client.get(f"{BASE}/requests/{second.number}.json").json()
    assert row["status"] == "closed" and first.number in row["status_notes"]
    assert ServiceRequest.objects.get(pk=second.pk).status == Status.MERGED


def test_malformed_tokens_and_address_ids_are_404_not_500(client, centre, api_key):
    assert client.get(f"{BASE}/tokens/{'-' * 36}.json").status_code == 404
    response = client.post(f"{BASE}/requests.json", {"api_key": api_key, "service_code": "repair",
                                                     "address_id": "9" * 30})
    assert response.status_code == 404 and response.json()[0]["code"] == 404


def test_an_administrator_makes_a_key_from_the_command_line(centre, admin, alice):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("open311_key", "--as", "admin", "--for", "clerk", "--name", "城市App", stdout=out)
    key = out.getvalue().strip()
    assert len(key) >= 30
    with pytest.raises(CommandError):
        call_command("open311_key", "--as", "alice", "--for", "alice", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "--as", "admin", "--for", "nobody", stdout=io.StringIO())
