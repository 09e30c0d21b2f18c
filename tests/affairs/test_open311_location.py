"""Open311 and where a request is: without a key only the compound shows (its name and centre, never the point
reported); with a committee worker's key a request is filed by lat/long alone or address_string alone, placed in
a compound she serves, or answered 400."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequ.affairs import actions, queries
from shequ.affairs.choices import Channel
from shequ.affairs.models import ServiceRequest

BASE = "/open311/v2"
# 华山小区's centre, and a point about 110 m north-east of it (a kitchen window, say).
HUASHAN = (Decimal("31.221000"), Decimal("121.431000"))
NEAR_HUASHAN = ("31.221700", "121.431800")
YUYUAN = (Decimal("31.224000"), Decimal("121.437000"))  # about 650 m away


@pytest.fixture
def centres(org):
    org.huashan_compound.lat, org.huashan_compound.long = HUASHAN
    org.huashan_compound.save()
    org.yuyuan_compound.lat, org.yuyuan_compound.long = YUYUAN
    org.yuyuan_compound.save()
    return org


@pytest.fixture
def committee_key(centre, admin, alice):
    """A key acting as alice, committee worker of 华山 (a neighborhood, not the whole sub-district)."""
    _record, key = actions.create_open311_key(actor=admin, user=alice, name="华山居委会App")
    return key


@pytest.fixture
def clerk_key(centre, admin):
    _record, key = actions.create_open311_key(actor=admin, user=centre.clerk, name="12345热线")
    return key


def _reported(centre, org):
    return actions.create_request(actor=centre.clerk, channel=Channel.API, service=centre.repair,
                                  description="楼道灯坏了", dwelling=org.huashan_dwellings[0],
                                  lat=Decimal(NEAR_HUASHAN[0]), long=Decimal(NEAR_HUASHAN[1]))


def test_without_a_key_a_request_shows_its_compounds_centre_never_the_point_reported(client, centre, centres,
                                                                                     clerk_key):
    request = _reported(centre, centres)
    for response in (client.get(f"{BASE}/requests.json"), client.get(f"{BASE}/requests/{request.number}.json")):
        (row,) = response.json()
        assert (row["lat"], row["long"]) == (float(HUASHAN[0]), float(HUASHAN[1]))
        assert row["address"] == "华山小区" and row["address_id"] is None
    page = client.get(f"{BASE}/requests.xml").content.decode()
    assert NEAR_HUASHAN[0][:7] not in page and "1号101" not in page
    (keyed,) = client.get(f"{BASE}/requests.json", {"api_key": clerk_key}).json()
    assert (str(keyed["lat"]), str(keyed["long"])) == ("31.2217", "121.4318")


def test_without_a_key_a_compound_without_a_centre_shows_no_coordinates(client, centre, org):
    _reported(centre, org)
    (row,) = client.get(f"{BASE}/requests.json").json()
    assert row["lat"] is None and row["long"] is None and row["address"] == "华山小区"


def test_a_committee_key_files_a_request_by_lat_and_long_alone(client, centre, centres, committee_key, alice):
    response = client.post(f"{BASE}/requests.json", {"api_key": committee_key, "service_code": "repair",
                                                      "lat": NEAR_HUASHAN[0], "long": NEAR_HUASHAN[1]})
    assert response.status_code == 200, response.content
    request = ServiceRequest.objects.get(number=response.json()[0]["service_request_id"])
    assert request.compound == centres.huashan_compound and request.neighborhood == centres.huashan
    assert str(request.lat) == "31.221700"
    assert queries.requests(alice).filter(pk=request.pk).exists()


@pytest.mark.parametrize(("address", "placed_in"), [
    ("华山路1088弄1号101室", "dwelling"),
    ("华山路1088弄 1号 101室", "dwelling"),
    ("华山小区东门口", "compound"),
    ("华山路1088弄门口", "compound"),
])
def test_a_committee_key_files_a_request_by_address_string_alone(client, centre, org, committee_key, alice,
                                                                 address, placed_in):
    response = client.post(f"{BASE}/requests.json", {"api_key": committee_key, "service_code": "repair",
                                                      "address_string": address})
    assert response.status_code == 200, response.content
    request = ServiceRequest.objects.get(number=response.json()[0]["service_request_id"])
    assert request.compound == org.huashan_compound and request.address == address
    assert (request.dwelling == org.huashan_dwellings[0]) == (placed_in == "dwelling")
    assert queries.requests(alice).filter(pk=request.pk).exists()


@pytest.mark.parametrize("where", [
    {"lat": str(YUYUAN[0]), "long": str(YUYUAN[1])},  # 愚园新村: not alice's neighborhood
    {"lat": "31.300000", "long": "121.500000"},  # near no compound at all
    {"address_string": "愚园路1032弄5号"},
    {"address_string": "延安西路口"},
])
def test_a_committee_key_placing_a_request_outside_her_compounds_is_answered_400(client, centre, centres,
                                                                                  committee_key, where):
    response = client.post(f"{BASE}/requests.json", {"api_key": committee_key, "service_code": "repair", **where})
    assert response.status_code == 400
    assert "500" in response.json()[0]["description"]
    assert not ServiceRequest.objects.exists()


def test_a_subdistrict_key_may_file_a_point_outside_every_compound(client, centre, centres, clerk_key):
    response = client.post(f"{BASE}/requests.json", {"api_key": clerk_key, "service_code": "repair",
                                                      "lat": "31.300000", "long": "121.500000"})
    assert response.status_code == 200, response.content
    assert ServiceRequest.objects.get().compound is None


def test_anonymous_filing_is_refused(client, centre, centres):
    response = client.post(f"{BASE}/requests.json", {"service_code": "repair", "lat": NEAR_HUASHAN[0],
                                                      "long": NEAR_HUASHAN[1]})
    assert response.status_code == 403
    assert not ServiceRequest.objects.exists()
