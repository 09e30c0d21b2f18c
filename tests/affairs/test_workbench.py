"""The service centre's workbench counts, each equal to the rows of the list it links to; the hotline's check
step fills in what it found; the printable receipt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.affairs import actions
from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest
from shequ.core.registry import counts_for, registry
from tests.conftest import login


def call(centre, dwelling, **extra):
    return actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=extra.pop("service",
                                  centre.repair), description="厨房水管漏水", dwelling=dwelling,
                                  caller_phone="13812345678", **extra)


def rows(client: Client, url: str) -> list[str]:
    """The request numbers a list page shows (the queue and watch list: its page of rows; the board: its cards)."""
    response = client.get(url)
    assert response.status_code == 200, url
    if "page" in response.context:
        return [req.number for req in response.context["page"]]
    return [group["req"].number for group in response.context["groups"]]


def count(user, key: str) -> int:
    return registry.counts[key].count(user)


def url(user, key: str) -> str:
    return registry.counts[key].url(user)


@pytest.fixture
def day(centre, org):
    """One open request of each kind in 华山 and the same in 愚园, dated so each count has something to count."""
    now = timezone.now()
    made = {}
    for name, dwellings in (("huashan", org.huashan_dwellings), ("yuyuan", org.yuyuan_dwellings)):
        fresh = call(centre, dwellings[0])  # accepted: to dispatch
        dispatched = call(centre, dwellings[1], department=centre.huashan_property)
        soon = call(centre, dwellings[2])
        late = call(centre, dwellings[3])
        ServiceRequest.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(hours=2))
        ServiceRequest.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(hours=3))
        ServiceRequest.objects.filter(pk=fresh.pk).update(due_at=now + dt.timedelta(days=10))
        ServiceRequest.objects.filter(pk=dispatched.pk).update(due_at=now + dt.timedelta(days=10))
        gas = call(centre, dwellings[4], service=centre.gas)
        ServiceRequest.objects.filter(pk=gas.pk).update(due_at=now + dt.timedelta(days=10))
        made[name] = {"fresh": fresh, "dispatched": dispatched, "soon": soon, "late": late, "gas": gas}
    return made


@pytest.mark.parametrize("key", ["affairs.to_dispatch", "affairs.due_soon", "affairs.overdue",
                                 "affairs.emergencies"])
def test_each_count_of_a_committee_worker_is_the_rows_of_its_list_in_her_neighborhood_only(
        client, centre, alice, day, key):
    shown = rows(login(client, alice), url(alice, key))
    assert count(alice, key) == len(shown) > 0
    assert not {req.number for req in day["yuyuan"].values()} & set(shown), "another neighborhood's rows"


def test_the_counts_pick_the_right_requests(client, centre, alice, day):
    login(client, alice)
    mine = day["huashan"]
    assert mine["fresh"].number in rows(client, url(alice, "affairs.to_dispatch"))
    assert mine["dispatched"].number not in rows(client, url(alice, "affairs.to_dispatch"))
    assert rows(client, url(alice, "affairs.due_soon")) == [mine["soon"].number]
    assert rows(client, url(alice, "affairs.overdue")) == [mine["late"].number]
    assert rows(client, url(alice, "affairs.emergencies")) == [mine["gas"].number]


def test_the_clerk_counts_the_whole_sub_district(client, centre, day):
    for key, expected in (("affairs.to_dispatch", 6), ("affairs.due_soon", 2), ("affairs.overdue", 2),
                          ("affairs.emergencies", 2)):
        assert count(centre.clerk, key) == len(rows(login(client, centre.clerk), url(centre.clerk, key))) == expected


def test_a_property_company_counts_what_it_must_handle_and_not_the_other_companys(client, centre, day):
    fixer = centre.fixer
    shown = rows(login(client, fixer), url(fixer, "affairs.to_handle"))
    # Both dispatched requests went to 华山物业, wherever they lie, and the gas leaks are its emergencies.
    expected = {day[name][kind].number for name in ("huashan", "yuyuan") for kind in ("dispatched", "gas")}
    assert count(fixer, "affairs.to_handle") == len(shown) == len(expected)
    assert set(shown) == expected
    assert count(centre.other_fixer, "affairs.to_handle") == 0
    assert rows(login(Client(), centre.other_fixer), url(centre.other_fixer, "affairs.to_handle")) == []


def test_an_acknowledged_emergency_leaves_the_alert_count(client, centre, alice, day):
    gas = day["huashan"]["gas"]
    before = count(centre.clerk, "affairs.emergencies")
    for linkage in gas.linkages.all():
        actions.acknowledge_linkage(actor=centre.clerk, linkage=linkage, note="")
    assert count(centre.clerk, "affairs.emergencies") == before - 1
    assert gas.number not in rows(login(client, centre.clerk), url(centre.clerk, "affairs.emergencies"))


def test_a_closed_request_is_counted_nowhere(centre, alice, day):
    late = day["huashan"]["late"]
    before = count(alice, "affairs.overdue")
    ServiceRequest.objects.filter(pk=late.pk).update(status=Status.CLOSED)
    assert count(alice, "affairs.overdue") == before - 1


def test_roles_without_the_service_centre_see_none_of_its_counts(make_staff):
    from shequ.core.roles import Role

    librarian = make_staff(Role.LIBRARIAN, "librarian")
    assert not [entry for entry in counts_for(librarian) if entry.key.startswith("affairs.")]


# The hotline's check (核对) -------------------------------------------------------------------------------------

def test_the_check_fills_in_the_service_its_department_and_the_callers_home_as_suggestions(
        client, centre, org, resident_person):
    login(client, centre.clerk)
    response = client.post(reverse("affairs:request_create"), {
        "channel": "hotline", "caller_phone": "13812345678", "description": "家里水管漏水了，请物业来修",
        "check": "1"})
    form = response.context["form"]
    assert form["service"].value() == str(centre.repair.pk)
    assert form["department"].value() == str(centre.huashan_property.pk)
    home = resident_person.dwelling
    assert form["compound"].value() == str(home.building.compound_id)
    assert (form["building"].value(), form["room"].value()) == (home.building.number, home.room)
    assert set(form.suggested) == {"service", "department", "compound", "building", "room"}
    page = response.content.decode()
    assert page.count('data-suggested="1"') == 5
    assert "核对后建议" in page or "Suggested by the check" in page
    assert not ServiceRequest.objects.exists()
    # Accepting what was suggested takes the request to that service, department and home.
    data = {name: form[name].value() or "" for name in form.fields}
    response = client.post(reverse("affairs:request_create"), {**data, "save": "1"})
    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert (request.service, request.department, request.dwelling) == (centre.repair, centre.huashan_property,
                                                                       home)
    assert request.status == Status.DISPATCHED


def test_the_check_keeps_what_the_operator_chose_and_finds_a_place_named_in_the_text(client, centre, org):
    login(client, centre.clerk)
    response = client.post(reverse("affairs:request_create"), {
        "channel": "counter", "description": "愚园新村2号楼201室楼道灯坏了", "service": centre.permit.pk,
        "check": "1"})
    form = response.context["form"]
    assert form["service"].value() == str(centre.permit.pk) and "service" not in form.suggested
    assert form["department"].value() == str(centre.office.pk)
    assert form["compound"].value() == str(org.yuyuan_compound.pk)
    assert (form["building"].value(), form["room"].value()) == ("2号", "201")


def test_the_check_suggests_no_address_when_the_operator_gave_part_of_one(client, centre, resident_person):
    login(client, centre.clerk)
    response = client.post(reverse("affairs:request_create"), {
        "channel": "hotline", "caller_phone": "13812345678", "description": "水管漏水", "building": "9号",
        "check": "1"})
    form = response.context["form"]
    assert form["compound"].value() in (None, "") and form["building"].value() == "9号"
    assert "compound" not in form.suggested


# The receipt (回执) and printable lists ------------------------------------------------------------------------

def test_the_receipt_is_printable_with_a_masked_phone_and_no_id_number(client, centre, org, resident_person):
    request = call(centre, org.huashan_dwellings[0])
    login(client, centre.clerk)
    page = client.get(reverse("affairs:request_receipt", args=[request.pk])).content.decode()
    assert '<article class="printable' in page
    for text in (org.subdistrict.name, request.number, centre.repair.name, "52389022", "138****5678",
                 timezone.localtime(request.due_at).strftime("%Y-%m-%d %H:%M")):
        assert text in page, text
    assert "13812345678" not in page and resident_person.id_number not in page
    assert "data-print" in page and "print.js" in page
    detail = client.get(reverse("affairs:request_detail", args=[request.pk])).content.decode()
    assert reverse("affairs:request_receipt", args=[request.pk]) in detail


def test_the_receipt_is_not_shown_out_of_scope(client, centre, org):
    request = call(centre, org.huashan_dwellings[0], department=centre.huashan_property)
    login(client, centre.other_fixer)
    assert client.get(reverse("affairs:request_receipt", args=[request.pk])).status_code == 404


def test_the_queue_hides_its_filters_and_pager_on_paper(client, centre, org):
    call(centre, org.huashan_dwellings[0])
    page = login(client, centre.clerk).get(reverse("affairs:queue")).content.decode()
    assert 'class="filter-bar no-print"' in page
    assert page.count("<td data-label=") == page.count("<td")
