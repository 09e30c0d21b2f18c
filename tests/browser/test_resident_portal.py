"""A resident on her phone, in 长辈版: signs in with the texted code, files a request, checks her card and writes
a diary entry; every page she sees passes axe-core and the elder-friendly measures in both modes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.affairs import actions as affairs_actions
from shequ.affairs.choices import DepartmentKind, SlaUnit
from shequ.cards import actions as card_actions
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.health import actions as health_actions
from shequ.health.choices import WorkerKind
from shequ.portal import actions as portal_actions
from tests.browser.conftest import assert_accessible, assert_elder_friendly, save_screenshot

pytestmark = pytest.mark.browser

RESIDENT_PAGES = ["portal:home", "portal:settings", "affairs:my_requests", "affairs:my_request_new", "cards:mine",
                  "library:my_loans", "charity:mine", "volunteers:mine", "health:my_health"]


@pytest.fixture
def her_services(admin: User, make_staff: Any, resident_person: Any, org: Any) -> dict[str, Any]:
    """What she will use: a service to ask for, a card with cash on it, a family doctor, a public notice."""
    office = affairs_actions.save_department(actor=admin, code="office", name="街道办事处",
                                             kind=DepartmentKind.SUBDISTRICT_OFFICE)
    affairs_actions.save_service(actor=admin, code="repair", name="房屋报修", category="物业", department=office,
                                 materials="", sla_amount=3, sla_unit=SlaUnit.WORKING_DAYS)
    clerk = make_staff(Role.CLERK, "clerk")
    card = card_actions.issue_card(actor=clerk, person=resident_person)
    card_actions.top_up(actor=clerk, card=card, amount_fen=5000)
    doctor = make_staff(Role.HEALTH, "doctor")
    doctor.full_name = "张医生"
    doctor.save()
    health_actions.assign_health_worker(actor=admin, user=doctor, kind=WorkerKind.FAMILY_DOCTOR)
    centre = make_staff(Role.HEALTH, "centre")
    health_actions.assign_health_worker(actor=admin, user=centre, kind=WorkerKind.CENTRE_STAFF)
    health_actions.sign_contract(actor=centre, person=resident_person, doctor=doctor,
                                 started_on=dt.date.today() - dt.timedelta(days=1))
    portal_actions.publish_notice(actor=admin, title="冬季燃气安全提示", body="请关好燃气阀门。", pinned=True)
    return {"card": card}


_TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > 391)
  .map(el => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
  .slice(0, 8)"""


def _check(page: Any, *, elder: bool) -> None:
    assert_accessible(page)
    if elder:
        assert_elder_friendly(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{page.url}: wider than the phone: " + \
        ", ".join(page.evaluate(_TOO_WIDE))


def test_a_resident_in_elder_mode_does_her_errands_on_a_phone(phone_page: Any, texts: Any, resident: User,
                                                              resident_person: Any, her_services: Any) -> None:
    page = phone_page
    page.goto("/")
    assert "冬季燃气安全提示" in page.inner_text("main")
    _check(page, elder=False)
    with page.expect_navigation():
        page.get_by_test_id("resident-login").click()
    _check(page, elder=False)
    page.fill("#id_phone", resident_person.phone)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    code = re.search(r"\d{6}", texts[-1][1]).group(0)
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url.endswith(reverse("portal:home"))
    assert "¥50.00" in page.get_by_test_id("tiles").inner_text()
    _check(page, elder=False)
    save_screenshot(page, "resident-home-phone-standard")

    with page.expect_navigation():
        page.click(".portal-elder-switch button")
    assert "large-text" in (page.get_attribute("html", "class") or "")
    _check(page, elder=True)
    save_screenshot(page, "resident-home-phone-elder")

    with page.expect_navigation():
        page.click(f'.bottom-tabs a[href="{reverse("affairs:my_requests")}"]')
    _check(page, elder=True)
    with page.expect_navigation():
        page.click(f'main a[href="{reverse("affairs:my_request_new")}"] >> nth=0')
    _check(page, elder=True)
    page.select_option("#id_service", index=1)
    page.fill("#id_description", "楼道灯坏了，晚上看不见。")
    with page.expect_navigation():
        page.click("main form button.primary")
    assert "房屋报修" in page.inner_text("h1")
    _check(page, elder=True)

    with page.expect_navigation():
        page.click(f'.bottom-tabs a[href="{reverse("cards:mine")}"]')
    assert "¥50.00" in page.get_by_test_id("balances").inner_text()
    _check(page, elder=True)

    page.goto(reverse("health:my_health"))
    page.fill("#id_systolic", "186")
    page.fill("#id_diastolic", "112")
    with page.expect_navigation():
        page.click("main form button.primary")
    said = page.get_by_test_id("reading-alert").inner_text()
    assert "186/112" in said and "张医生" in said
    _check(page, elder=True)


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_every_resident_page_passes_the_checks_in_both_modes(elder: bool, phone_page: Any, client: Any,
                                                            resident: User, her_services: Any,
                                                            live_server: Any) -> None:
    resident.large_text = elder
    resident.save(update_fields=["large_text"])
    client.force_login(resident)
    session = client.cookies["sessionid"].value
    phone_page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    for name in RESIDENT_PAGES:
        phone_page.goto(reverse(name))
        assert phone_page.url.endswith(reverse(name)), name
        _check(phone_page, elder=elder)
        save_screenshot(phone_page, f"resident-{name.replace(':', '-')}-phone-{'elder' if elder else 'standard'}")
    phone_page.context.clear_cookies()
    if elder:
        # A visitor's 长辈版 is kept in a cookie until she signs in.
        phone_page.context.add_cookies([{"name": "large_text", "value": "1", "url": live_server.url}])
    mode = "elder" if elder else "standard"
    for url, name in (("/", "public-home"), (reverse("core:resident_login"), "resident-login")):
        phone_page.goto(url)
        _check(phone_page, elder=elder)
        save_screenshot(phone_page, f"{name}-phone-{mode}")
