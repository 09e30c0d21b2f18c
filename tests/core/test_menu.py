"""The menu each role sees is built from the registry and the role table: only its own desks, each of which
opens for it, grouped by domain, with the current page marked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core import registry
from shequ.core.models import User
from shequ.core.roles import STAFF_ROLES, Role
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _menu_urls(client: Client, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200
    groups = page.context["nav_groups"]
    return [item.url for group in groups for item in group.items]


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_entry_of_a_staff_menu_opens_for_that_role(role: str, make_staff: Callable[..., User],
                                                          client: Client) -> None:
    user = make_staff(role)
    login(client, user)
    urls = _menu_urls(client, reverse("core:home"))
    assert urls, f"{role} has an empty menu"
    for url in urls:
        assert client.get(url).status_code == 200, f"{role}: menu entry {url} does not open"


def test_a_canteen_operator_sees_no_registry_api_or_audit(make_staff: Callable[..., User], client: Client) -> None:
    login(client, make_staff(Role.CANTEEN))
    urls = _menu_urls(client, reverse("core:home"))
    for hidden in ("api-docs", "core:api_tokens", "core:audit_log", "population:person_list",
                   "health:people"):
        assert reverse(hidden) not in urls


def test_a_residents_menu_has_nothing_staff_only(resident: User, client: Client) -> None:
    login(client, resident)
    urls = _menu_urls(client, reverse("cards:mine"))
    assert reverse("cards:mine") in urls
    assert reverse("affairs:my_requests") in urls
    staff_only = [link.url for link in registry.registry.nav.values() if not link.allowed(resident)]
    for url in urls:
        assert url not in staff_only
    for hidden in ("population:person_list", "cards:desk", "affairs:queue", "library:desk", "api-docs"):
        assert reverse(hidden) not in urls
    for url in urls:
        assert client.get(url).status_code == 200


def test_the_current_page_and_its_group_are_marked(admin: User, client: Client) -> None:
    login(client, admin)
    page = client.get(reverse("population:permit_list"))
    current = [(group.group, item.url) for group in page.context["nav_groups"] for item in group.items
               if item.current]
    assert current == [(registry.Group.REGISTRY, reverse("population:permit_list"))]
    assert 'aria-current="page"' in page.content.decode()


def test_an_anonymous_visitor_has_no_menu(client: Client) -> None:
    page = client.get(reverse("core:login"))
    assert list(page.context["nav_groups"]) == []


def test_two_entries_may_not_share_a_key() -> None:
    first: Any = next(iter(registry.registry.nav.values()))
    clash = registry.NavLink(first.key, "other", "core:home", registry.Group.SYSTEM, registry.staff)
    with pytest.raises(ValueError, match="share the key"):
        registry.nav(clash)


def test_failed_messages_are_an_alert_on_the_administrators_desk(admin: User, org: Any, client: Client) -> None:
    from shequ.core import outbox
    from shequ.core.choices import MessageStatus
    from shequ.core.models import OutboxMessage

    outbox.enqueue(channel="sms", to=["13812345678", "13812345679"], text="hello", event="test.notice",
                   subdistrict_id=org.subdistrict.pk)
    OutboxMessage.objects.filter(pk=OutboxMessage.objects.order_by("pk").first().pk).update(
        status=MessageStatus.FAILED)
    entry = registry.registry.counts["core.outbox_failed"]
    assert entry.urgency == registry.Urgency.ALERT
    assert entry.count(admin) == 1
    login(client, admin)
    listed = client.get(entry.url(admin))
    assert len(listed.context["page"].object_list) == 1
