"""Her menu and bottom tabs on every page she uses, 长辈版 and her settings, and the sign-in page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core import registry
from shequ.core.models import AuditEntry, User
from tests.conftest import login

pytestmark = pytest.mark.django_db

RESIDENT_PAGES = ["portal:home", "portal:settings", "affairs:my_requests", "affairs:my_request_new", "cards:mine",
                  "library:my_loans", "charity:mine", "volunteers:mine", "health:my_health"]


def _nav_links(html: str) -> list[str]:
    """Every link of her menu (the main navigation) and of the bottom tabs."""
    links = []
    for nav in re.findall(r'<nav class="(?:mainnav|bottom-tabs[^"]*)"[^>]*>(.*?)</nav>', html, re.S):
        links += re.findall(r'href="([^"]+)"', nav)
    return links


def _tabs(html: str) -> list[str]:
    found = re.search(r'<nav class="bottom-tabs[^"]*"[^>]*>(.*?)</nav>', html, re.S)
    assert found, "no bottom tabs"
    return re.findall(r'href="([^"]+)"', found.group(1))


@pytest.mark.parametrize("page", RESIDENT_PAGES)
def test_every_resident_page_has_her_tabs_and_only_links_that_open_for_her(page: str, client: Client,
                                                                         resident: User) -> None:
    login(client, resident)
    html = client.get(reverse(page)).content.decode()
    assert _tabs(html) == [reverse("portal:home"), reverse("affairs:my_requests"), reverse("cards:mine"),
                           reverse("portal:settings")]
    staff_only = {link.url for link in registry.registry.nav.values() if not link.allowed(resident)}
    for url in set(_nav_links(html)):
        assert url not in staff_only
        assert client.get(url).status_code == 200, f"{page}: {url}"


def test_the_tabs_show_once_only(client: Client, resident: User) -> None:
    login(client, resident)
    assert client.get(reverse("portal:home")).content.decode().count('class="bottom-tabs') == 1


def test_the_current_tab_is_marked(client: Client, resident: User) -> None:
    login(client, resident)
    html = client.get(reverse("cards:mine")).content.decode()
    tabs = re.search(r'<nav class="bottom-tabs[^"]*"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'href="([^"]+)" aria-current="page"', tabs) == [reverse("cards:mine")]


def test_her_menu_has_no_staff_desk(client: Client, resident: User) -> None:
    login(client, resident)
    links = _nav_links(client.get(reverse("portal:home")).content.decode())
    for staff_page in ("population:person_list", "cards:desk", "affairs:queue", "library:desk", "library:catalogue",
                       "health:worklist", "core:home", "api-docs", "portal:notice_list"):
        assert reverse(staff_page) not in links


def test_in_elder_mode_her_menu_keeps_only_everyday_tasks(client: Client, resident: User) -> None:
    login(client, resident)
    everyday = {link.url for link in registry.nav_for(resident) if link.elder}
    other = {link.url for link in registry.nav_for(resident) if not link.elder}
    assert other, "some entries are left out of the simple menu"
    client.post(reverse("portal:settings"), {"elder": "on", "text_size": "standard"})
    links = set(_nav_links(client.get(reverse("portal:home")).content.decode()))
    assert links <= everyday and not links & other


def test_settings_turn_elder_mode_on_and_off_and_are_audited(client: Client, resident: User) -> None:
    login(client, resident)
    page = client.get(reverse("portal:settings"))
    assert page.status_code == 200 and resident.full_name in page.content.decode()
    assert client.post(reverse("portal:settings"), {"elder": "on", "text_size": "larger"}).status_code == 302
    resident.refresh_from_db()
    assert resident.large_text and resident.text_size == "larger"
    html = client.get(reverse("portal:home")).content.decode()
    assert re.search(r'<html [^>]*class="[^"]*\blarge-text\b', html)
    assert client.get(reverse("portal:home")).context["html_classes"] == "large-text elder elder-larger"
    client.post(reverse("portal:settings"), {"text_size": "standard"})
    resident.refresh_from_db()
    assert not resident.large_text
    assert client.get(reverse("portal:home")).context["html_classes"] == ""
    assert AuditEntry.objects.filter(event="core.preferences_changed", actor=resident).count() == 2


def test_the_elder_switch_on_her_home_toggles_elder_mode(client: Client, resident: User) -> None:
    login(client, resident)
    html = client.get(reverse("portal:home")).content.decode()
    assert f'action="{reverse("core:toggle_large_text")}" class="portal-elder-switch"' in html
    client.post(reverse("core:toggle_large_text"), {"next": reverse("portal:home")})
    assert client.get(reverse("portal:home")).context["html_classes"] == "large-text elder"


def test_the_settings_page_is_hers_only(client: Client, alice: User) -> None:
    login(client, alice)
    assert client.get(reverse("portal:settings")).status_code == 404


def test_a_visitor_in_large_text_gets_the_elder_classes(client: Client, org: Any) -> None:
    client.cookies["large_text"] = "1"
    assert client.get("/").context["html_classes"] == "large-text elder"


def test_the_resident_sign_in_opens_without_an_error(client: Client, org: Any) -> None:
    html = client.get(reverse("core:resident_login")).content.decode()
    assert 'class="errors"' not in html and "errorlist" not in html
    phone = re.search(r'<input [^>]*name="phone"[^>]*>', html, re.S).group(0)
    assert 'inputmode="numeric"' in phone and 'autocomplete="tel"' in phone


def test_the_code_field_is_numeric_and_fills_from_the_text_message(client: Client, resident: User,
                                                                   texts: Any) -> None:
    html = client.post(reverse("core:resident_login"), {"step": "phone", "phone": "13812345678"}).content.decode()
    code = re.search(r'<input [^>]*name="code"[^>]*>', html, re.S).group(0)
    assert 'inputmode="numeric"' in code and 'autocomplete="one-time-code"' in code
    assert 'name="phone" value="13812345678"' in html


def test_a_wrong_code_says_so(client: Client, resident: User, texts: Any) -> None:
    client.post(reverse("core:resident_login"), {"step": "phone", "phone": "13812345678"})
    html = client.post(reverse("core:resident_login"),
                       {"step": "code", "phone": "13812345678", "code": "000000"}).content.decode()
    assert 'class="errors"' in html and 'aria-invalid="true"' in html


def test_the_tabs_read_home_services_cards_me_as_in_the_citys_apps(client: Client, resident: User) -> None:
    client.force_login(resident)
    html = client.get(reverse("portal:home")).content.decode()
    tabs = re.search(r'<nav class="bottom-tabs[^"]*"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert [label.strip() for label in re.findall(r"<a [^>]*>([^<]+)</a>", tabs)] == ["首页", "办事", "卡包", "我的"]
