"""A resident's home at /me/: one screen of tiles with her own live figures, her short menu and the bottom
tabs, and nothing a member of staff uses."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.affairs import actions as affairs_actions
from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest
from shequ.cards import actions as card_actions
from shequ.cards.choices import WalletKind
from shequ.core.models import AuditEntry, User
from shequ.core.roles import Role
from shequ.health import actions as health_actions
from shequ.health.choices import ConditionCode
from shequ.library import actions as library_actions
from shequ.volunteers import actions as volunteer_actions
from tests.conftest import login
from tests.portal.conftest import days_ago

pytestmark = pytest.mark.django_db


def _tile(html: str, key: str) -> dict[str, str]:
    """The lines of one tile as {label: value} (a warn line's value is prefixed "!")."""
    found = re.search(rf'<a class="portal-tile" href="[^"]*" data-tile="{re.escape(key)}">(.*?)</a>', html, re.S)
    assert found, f"no tile {key}"
    lines = {}
    for warn, label, value in re.findall(
            r'<div class="portal-tile__line( is-warn)?"><dt>(.*?)</dt><dd>(.*?)</dd></div>', found.group(1), re.S):
        value = re.sub(r"<[^>]+>", "", value).strip()
        lines[label] = ("!" if warn else "") + value.removeprefix("! ").strip()
    return lines


@pytest.fixture
def her_world(resident: User, resident_person: Any, card: Any, clerk: User, librarian: User, books: list[Any],
              service: Any, admin: User, org: Any, make_staff: Any) -> dict[str, Any]:
    """王秀英: ¥50.00 cash, ¥12.50 meal subsidy, 300 charity points and 90 minutes banked; three books out, one
    of them overdue; four requests (two in progress, one returned to her, one closed); hypertension registered
    40 days ago (first follow-up three months after)."""
    card_actions.top_up(actor=clerk, card=card, amount_fen=5000)
    subdistrict = org.subdistrict.pk
    for wallet, fund, amount in ((WalletKind.MEAL_SUBSIDY, "subsidy_fund", 1250),
                                 (WalletKind.CHARITY_POINTS, "charity_fund", 300),
                                 (WalletKind.TIME_BANK, "time_bank", 90)):
        card_actions.credit(actor=clerk, card=card, wallet=wallet, amount_fen=amount,
                            counter_account=card_actions.system_account(subdistrict, fund))
    library_actions.lend(actor=librarian, barcode="L0001", reader=resident_person, today=days_ago(35))  # due 5 days ago
    library_actions.lend(actor=librarian, barcode="L0002", reader=resident_person, today=days_ago(20))  # due in 10
    library_actions.lend(actor=librarian, barcode="L0003", reader=resident_person, today=days_ago(10))  # due in 20
    made = [affairs_actions.create_request(actor=resident, channel=Channel.PORTAL, service=service,
                                           description=f"楼道灯坏了 {n}") for n in range(4)]
    # States set directly: the departments' workflow is the affairs app's to test, not the portal's.
    ServiceRequest.objects.filter(pk=made[2].pk).update(status=Status.RETURNED)
    ServiceRequest.objects.filter(pk=made[3].pk).update(status=Status.CLOSED)
    health = make_staff(Role.HEALTH, "centre")
    from shequ.health.choices import WorkerKind

    health_actions.assign_health_worker(actor=admin, user=health, kind=WorkerKind.CENTRE_STAFF)
    registered = days_ago(40)
    health_actions.register_condition(actor=health, person=resident_person, code=ConditionCode.HYPERTENSION,
                                      registered_on=registered)
    return {"registered": registered}


def _month_day(day: dt.date) -> str:
    return f"{day:%b} {day.day}"


def test_her_tiles_show_her_own_live_figures(english: Client, resident: User, her_world: dict[str, Any]) -> None:
    login(english, resident)
    html = english.get(reverse("portal:home")).content.decode()
    assert _tile(html, "cards.mine") == {"Cash": "¥50.00", "Meal subsidy": "¥12.50", "Charity points": "300 points",
                                         "Time bank": "1.5 hours"}
    assert _tile(html, "affairs.mine") == {"Waiting for you": "!1", "In progress": "2", "Done": "1"}
    assert _tile(html, "library.mine") == {"On loan": "3", "Next due": "!" + _month_day(days_ago(5)),
                                           "Overdue": "!1"}
    from shequ.health.actions import add_months

    assert _tile(html, "health.mine") == {"Next follow-up": _month_day(add_months(her_world["registered"], 3)),
                                          "Last diary entry": "nothing written yet"}
    assert _tile(html, "volunteers.mine") == {"Volunteer": "not registered yet"}


def test_each_tile_links_to_her_own_page(client: Client, resident: User, her_world: dict[str, Any]) -> None:
    login(client, resident)
    html = client.get(reverse("portal:home")).content.decode()
    links = re.findall(r'<a class="portal-tile" href="([^"]*)"', html)
    assert set(links) >= {reverse("affairs:my_requests"), reverse("cards:mine"), reverse("library:my_loans"),
                          reverse("health:my_health"), reverse("volunteers:mine")}
    for url in links:
        assert client.get(url).status_code == 200, url


def test_her_health_tile_is_an_audited_read_of_her_own_record(client: Client, resident: User,
                                                              resident_person: Any) -> None:
    login(client, resident)
    client.get(reverse("portal:home"))
    assert AuditEntry.objects.filter(event="health.read", object_id=str(resident_person.pk),
                                     actor=resident).exists()


def test_another_residents_figures_never_show_on_her_tiles(english: Client, her_world: dict[str, Any],
                                                          make_person: Any, admin: User) -> None:
    from shequ.population import actions as population_actions

    neighbour = make_person("李阿姨", phone="13900001111")
    account = population_actions.create_resident_account(actor=admin, person=neighbour)
    login(english, account)
    html = english.get(reverse("portal:home")).content.decode()
    assert _tile(html, "cards.mine") == {"Card": "none yet"}
    assert _tile(html, "affairs.mine") == {"In progress": "0", "Done": "0"}
    assert _tile(html, "library.mine") == {"On loan": "none"}


def test_a_volunteers_tile_shows_her_next_shift_and_hours_this_year(english: Client, resident: User,
                                                                   resident_person: Any, card: Any,
                                                                   make_staff: Any) -> None:
    coordinator = make_staff(Role.VOLUNTEER_COORDINATOR, "coordinator")
    volunteer = volunteer_actions.register_volunteer(actor=coordinator, person=resident_person)
    activity = volunteer_actions.create_activity(actor=coordinator, title="助老陪伴")
    starts = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0) + dt.timedelta(days=3)
    shift = volunteer_actions.add_shift(actor=coordinator, activity=activity, starts_at=starts,
                                        ends_at=starts + dt.timedelta(hours=2), capacity=5)
    volunteer_actions.sign_up(actor=resident, shift=shift, volunteer=volunteer)
    login(english, resident)
    html = english.get(reverse("portal:home")).content.decode()
    assert _tile(html, "volunteers.mine") == {"Next shift": f"{_month_day(starts.date())} 09:30",
                                              "Hours this year": "0"}


def test_the_tiles_page_issues_no_query_per_row(client: Client, resident: User, her_world: dict[str, Any],
                                                librarian: User, clerk: User, card: Any, service: Any,
                                                books: list[Any],
                                                resident_person: Any, django_assert_max_num_queries: Any) -> None:
    login(client, resident)
    client.get(reverse("portal:home"))
    with django_assert_max_num_queries(30) as counted:
        client.get(reverse("portal:home"))
    with_few = len(counted.captured_queries)
    for number in range(5):
        library_actions.add_copy(actor=librarian, title=books[number % 3], barcode=f"M000{number}")
        library_actions.lend(actor=librarian, barcode=f"M000{number}", reader=resident_person)
        affairs_actions.create_request(actor=resident, channel=Channel.PORTAL, service=service,
                                       description=f"又一件事 {number}")
        card_actions.top_up(actor=clerk, card=card, amount_fen=100)
    with django_assert_max_num_queries(with_few):
        client.get(reverse("portal:home"))


def test_staff_at_the_resident_home_are_sent_to_their_desk(client: Client, alice: User) -> None:
    login(client, alice)
    assert client.get(reverse("portal:home"))["Location"] == reverse("core:home")


def test_visitors_at_the_resident_home_are_asked_to_sign_in(client: Client, org: Any) -> None:
    assert client.get(reverse("portal:home"))["Location"].startswith(reverse("core:login"))
