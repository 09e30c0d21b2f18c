"""Each role's desk: its work as counts by urgency from the registry, each linking to its list, then its desks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from shequ.affairs import actions as affairs_actions
from shequ.affairs.choices import Channel, DepartmentKind, SlaUnit
from shequ.affairs.models import ServiceRequest
from shequ.core.registry import Urgency, WorkCount, counts_for, registry
from shequ.core.roles import STAFF_ROLES, Role
from tests.conftest import login


def tiles(page: str) -> dict[str, tuple[str, str, str]]:
    """count key → (classes, href, value) of each count tile on the page."""
    found = {}
    for classes, href, key, value in re.findall(
            r'<a class="(count-tile[^"]*)"\s+href="([^"]*)" data-count="([^"]+)">\s*'
            r'<span class="count-tile__value">(\d+)</span>', page):
        found[key] = (classes, href.replace("&amp;", "&"), value)
    return found


@pytest.fixture
def overdue_request(admin, org):
    office = affairs_actions.save_department(actor=admin, code="office", name="街道办事处",
                                             kind=DepartmentKind.SUBDISTRICT_OFFICE)
    service = affairs_actions.save_service(actor=admin, code="repair", name="房屋报修", category="物业",
                                           department=office, sla_amount=3, sla_unit=SlaUnit.WORKING_DAYS)
    request = affairs_actions.create_request(actor=admin, channel=Channel.COUNTER, service=service,
                                             description="漏水", dwelling=org.huashan_dwellings[0])
    ServiceRequest.objects.filter(pk=request.pk).update(due_at=request.created_at - dt.timedelta(hours=1))
    return request


def test_a_clerks_desk_shows_her_counts_grouped_by_urgency_each_linking_to_its_list(client, make_staff,
                                                                                   overdue_request):
    clerk = make_staff(Role.CLERK, "clerk")
    page = login(client, clerk).get(reverse("core:home")).content.decode()
    shown = tiles(page)
    expected = counts_for(clerk)
    assert list(shown) == [entry.key for entry in expected]
    for entry in expected:
        _classes, href, value = shown[entry.key]
        assert href == entry.url(clerk) and int(value) == entry.count(clerk)
    assert shown["affairs.overdue"] == ("count-tile count-tile--overdue", reverse("affairs:watch_list"), "1")
    # Urgency headings in the registry's order, only for the kinds she has.
    headings = re.findall(r'data-urgency="(\w+)"', page)
    assert headings == [u.value for u in Urgency if any(e.urgency == u for e in expected)]


def test_a_zero_count_is_shown_muted_not_hidden(client, make_staff, org):
    committee = make_staff(Role.COMMITTEE, "quiet", neighborhood=org.yuyuan)
    shown = tiles(login(client, committee).get(reverse("core:home")).content.decode())
    assert shown["affairs.overdue"][0] == "count-tile is-zero" and shown["affairs.overdue"][2] == "0"


def test_a_count_the_role_may_not_see_is_not_shown(client, make_staff, overdue_request):
    librarian = make_staff(Role.LIBRARIAN, "librarian")
    page = login(client, librarian).get(reverse("core:home")).content.decode()
    assert "affairs." not in "".join(tiles(page)) and "health." not in "".join(tiles(page))
    assert reverse("affairs:watch_list") not in page


def test_the_desks_below_the_counts_are_the_roles_menu_without_home(client, make_staff):
    clerk = make_staff(Role.CLERK, "clerk")
    page = login(client, clerk).get(reverse("core:home")).content.decode()
    desks = page[page.index('data-testid="desks"'):]
    assert 'class="desk-link" href="/affairs/requests/new/"' in desks
    assert f'class="desk-link" href="{reverse("core:home")}"' not in desks
    assert 'class="desk-link" href="/dining/' not in desks


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_role_has_a_home_that_costs_one_query_per_count(role, make_staff, org, client,
                                                                django_assert_max_num_queries):
    unit = {"neighborhood": org.huashan} if role == Role.COMMITTEE else {}
    if role in (Role.PROPERTY, Role.OWNERS_COMMITTEE):
        unit = {"compound": org.huashan_compound}
    user = make_staff(role, f"u-{role}", **unit)
    login(client, user)
    client.get(reverse("core:home"))  # warm the session and the process caches
    # The session and the user, the menu (whether she holds an API token), a health worker's kind (her scope),
    # and one query per count.
    with django_assert_max_num_queries(5 + len(counts_for(user))):
        assert client.get(reverse("core:home")).status_code == 200


def test_the_home_page_names_no_app_and_lists_what_an_app_declares(client, make_staff, monkeypatch):
    from shequ.core.registry import staff

    clerk = make_staff(Role.CLERK, "clerk")
    monkeypatch.setitem(registry.counts, "test.one", WorkCount(
        "test.one", "Parcels to hand out", Urgency.TODO, staff, lambda user: 7, lambda user: "/parcels/?mine=1"))
    shown = tiles(login(client, clerk).get(reverse("core:home")).content.decode())
    assert shown["test.one"] == ("count-tile count-tile--todo", "/parcels/?mine=1", "7")


def test_a_resident_is_sent_to_her_portal(client, resident):
    assert login(client, resident).get(reverse("core:home"))["Location"] == reverse("portal:home")
