"""Service desks (library, charity shop, volunteers) find card holders only, by card or name, see her name and a
masked card, never search by phone, and every look-up leaves an audit row with its kind and result count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from shequ.cards import queries
from shequ.cards.actions import DESK_LOOKUP
from shequ.core import actions as core_actions
from shequ.core.errors import Invalid, NotFound
from shequ.core.models import AuditEntry, Subdistrict
from shequ.core.roles import Role
from shequ.library.models import Loan


@dataclass(frozen=True)
class Desk:
    role: str
    url: str
    query: str  # the name-search field
    pick: str  # the parameter that carries a holder picked from the matches
    name: str  # the desk as the audit row names it


DESKS = [
    Desk(Role.LIBRARIAN, "/library/desk/", "reader_q", "reader", "library"),
    Desk(Role.CHARITY_CLERK, "/charity/sales/new/", "reader_q", "buyer", "charity"),
    Desk(Role.VOLUNTEER_COORDINATOR, "/volunteers/people/", "q", "", "volunteers"),
]
PHONE = "13812345678"


@pytest.fixture(params=DESKS, ids=[desk.name for desk in DESKS])
def desk(request: Any) -> Desk:
    param: Desk = request.param
    return param


@pytest.fixture
def worker(desk: Desk, make_staff: Any) -> Any:
    return make_staff(desk.role, f"{desk.name}-desk")


@pytest.fixture
def holder(clerk: Any, make_person: Any) -> Any:
    """李梅 holds a resident card; her phone and home are on the registry, not for the desk."""
    person = make_person("李梅", birth=dt.date(1955, 5, 5), phone=PHONE)
    from shequ.cards import actions as card_actions

    return card_actions.issue_card(actor=clerk, person=person)


@pytest.fixture
def no_card(make_person: Any) -> Any:
    """李华 lives in the sub-district but holds no card."""
    return make_person("李华", birth=dt.date(1962, 6, 6), phone="13911112222")


def _page(client: Client, user: Any, desk: Desk, **params: Any) -> str:
    client.force_login(user)
    response = client.get(desk.url, params)
    assert response.status_code == 200
    return response.content.decode()


def _lookups() -> list[dict[str, Any]]:
    return [entry.after for entry in AuditEntry.objects.filter(event=DESK_LOOKUP).order_by("id")]


def test_a_name_search_finds_card_holders_only_with_a_masked_card_and_no_address_or_phone(
        client, desk, worker, holder, no_card):
    page = _page(client, worker, desk, **{desk.query: "李"})
    assert "李梅" in page and f"**** {holder.number[-4:]}" in page
    assert "李华" not in page
    assert holder.number not in page and "5678" not in page and holder.person.dwelling.label not in page
    assert _lookups() == [{"desk": desk.name, "kind": "name", "results": 1}]


def test_a_desk_cannot_pick_a_person_without_a_card(client, desk, worker, no_card):
    if not desk.pick:
        client.force_login(worker)
        client.post(desk.url, {"person": no_card.pk, "skills": "陪聊"})
        from shequ.volunteers.models import Volunteer

        assert not Volunteer.objects.exists()
    else:
        assert "李华" not in _page(client, worker, desk, **{desk.pick: no_card.pk})
    assert _lookups() == [{"desk": desk.name, "kind": "pick", "results": 0}]


def test_a_phone_search_at_a_desk_is_refused_and_the_phone_is_not_logged(client, desk, worker, holder):
    page = _page(client, worker, desk, **{desk.query: PHONE})
    assert "李梅" not in page and "errorlist" in page
    assert _lookups() == [{"desk": desk.name, "kind": "number", "results": 0, "refused": True}]
    assert not any(PHONE in str(entry.after) + entry.object_repr for entry in AuditEntry.objects.all())


def test_a_desk_search_by_id_number_is_refused_too(desk, worker, holder):
    with pytest.raises(Invalid):
        queries.desk_search(actor=worker, query=holder.person.id_number, desk=desk.name)


@pytest.mark.parametrize("desk", [desk for desk in DESKS if desk.pick], ids=lambda desk: desk.name)
def test_the_card_presented_at_the_desk_is_looked_up_and_audited_against_its_holder(client, make_staff, desk,
                                                                                      holder):
    worker = make_staff(desk.role, f"{desk.name}-desk")
    page = _page(client, worker, desk, card=holder.number)
    assert "李梅" in page and PHONE[-4:] not in page and holder.person.dwelling.label not in page
    entry = AuditEntry.objects.get(event=DESK_LOOKUP)
    assert entry.after == {"desk": desk.name, "kind": "card", "results": 1}
    assert (entry.object_type, entry.object_id) == ("population.person", str(holder.person_id))
    assert holder.number not in entry.object_repr


def test_a_desk_of_another_subdistrict_finds_nobody(desk, holder, org):
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    outsider = core_actions.create_user(actor=None, username="outsider", role=desk.role, full_name="Other",
                                        subdistrict=other)
    assert queries.desk_search(actor=outsider, query="李", desk=desk.name) == []
    with pytest.raises(NotFound):
        queries.desk_card(actor=outsider, number=holder.number, desk=desk.name)
    with pytest.raises(NotFound):
        queries.desk_pick(actor=outsider, person_id=holder.person_id, desk=desk.name)


def test_a_visitor_is_sent_to_sign_in_and_a_resident_or_health_worker_gets_nothing(client, desk, resident,
                                                                                   make_staff, holder):
    response = client.get(desk.url, {desk.query: "李"})
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(resident)
    assert client.get(desk.url, {desk.query: "李"}).status_code == 404
    # A role that serves no card holders at a desk or till finds nobody (a canteen till does: dining's tests).
    doctor = make_staff(Role.HEALTH, "doctor")
    assert queries.desk_search(actor=doctor, query="李", desk=desk.name) == []
    assert not AuditEntry.objects.filter(event=DESK_LOOKUP, after__results__gt=0).exists()


# The desk API (a library desk or a volunteer kiosk acts as its service user) -------------------------------


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def librarian(make_staff: Any) -> Any:
    return make_staff(Role.LIBRARIAN, "librarian")


@pytest.fixture
def book(librarian: Any) -> Any:
    from shequ.library import actions as library

    title = library.add_title(actor=librarian, isbn="978-7-02-000220-7", title="红楼梦", authors="曹雪芹",
                              publisher="人民文学出版社", year=1996)
    library.add_copy(actor=librarian, title=title, barcode="L0001")
    return title


def test_the_loans_api_lends_to_a_card_holder_by_card_or_id_but_not_to_a_person_without_a_card(
        librarian, book, holder, no_card):
    refused = _api(librarian).post("/api/v1/library/loans/", {"barcode": "L0001", "reader": no_card.pk},
                                   format="json")
    assert refused.status_code == 400 and not Loan.objects.exists()
    response = _api(librarian).post("/api/v1/library/loans/", {"barcode": "L0001", "card": holder.number},
                                    format="json")
    assert response.status_code == 201 and Loan.objects.get().reader == holder.person
    assert [row["kind"] for row in _lookups()] == ["pick", "card"]
    assert APIClient().post("/api/v1/library/loans/", {"barcode": "L0001", "card": holder.number},
                            format="json").status_code == 401
