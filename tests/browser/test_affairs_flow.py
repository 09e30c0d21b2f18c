"""The hotline operator takes a call in the browser; the resident rates the result on her phone."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from shequ.affairs import actions
from shequ.affairs.choices import Status
from shequ.affairs.models import ServiceRequest
from shequ.core.roles import Role
from tests.affairs.conftest import centre, staff  # noqa: F401 -- the service centre fixtures
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_an_operator_takes_a_hotline_call_and_the_resident_rates_it_on_her_phone(
        browser_page, live_server, centre, make_staff, resident, resident_person):  # noqa: F811
    page = browser_page
    operator = make_staff(Role.CLERK, "operator")
    sign_in(page, "operator", PASSWORD)
    page.goto("/affairs/requests/new/")
    page.fill("#id_caller_phone", "13812345678")
    page.fill("#id_description", "厨房水管漏水，水流了一地，请物业来修")
    with page.expect_navigation():
        page.click("button[name=check]")
    assert "王秀英" in page.inner_text("[data-testid=caller]")
    assert "房屋报修" in page.inner_text("[data-testid=suggestions]")
    page.select_option("#id_department", label="华山物业")
    with page.expect_navigation():
        page.click("button[name=save]")
    request = ServiceRequest.objects.get()
    assert request.number in page.inner_text("h1")
    assert request.created_by == operator and request.status == Status.DISPATCHED
    assert request.person == resident_person and request.service == centre.repair

    actions.resolve(actor=centre.fixer, request=request, note="已更换水管")

    # The resident, signed in on her phone (the SMS login is tested elsewhere: here her session is set).
    phone = page.context.browser.new_context(base_url=live_server.url, locale="zh-CN",
                                             viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    client = Client()
    client.force_login(resident)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    phone.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    mobile.goto("/affairs/mine/")
    with mobile.expect_navigation():
        mobile.click(f"text={centre.repair.name}")
    assert "已更换水管" in mobile.inner_text("main")
    mobile.check("input[name=satisfaction][value='5']")
    mobile.fill("textarea[name=comment]", "修得很快，谢谢")
    with mobile.expect_navigation():
        mobile.click("form[action$='/confirm/'] button[type=submit]")
    assert "已确认" in mobile.inner_text("main")
    # Nothing is wider than the phone.
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED and request.satisfaction == 5
    assert request.satisfaction_comment == "修得很快，谢谢"
