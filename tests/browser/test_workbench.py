"""A service-centre clerk's desk on a phone and on a desktop: her counts, the list behind 已逾期, and a hotline
call taken through the check (核对) with what it found filled in."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.affairs import actions
from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest
from shequ.core.roles import Role
from tests.affairs.conftest import centre, staff  # noqa: F401 -- the service centre fixtures
from tests.browser.conftest import assert_accessible, save_screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", ["phone_page", "browser_page"])
def test_a_clerk_sees_her_counts_opens_the_overdue_list_and_takes_a_call_through_the_check(
        transactional_db, request, screen, centre, org, make_staff, resident_person):  # noqa: F811
    page = request.getfixturevalue(screen)
    make_staff(Role.CLERK, "operator")
    for dwelling in org.huashan_dwellings[:3]:
        made = actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.repair,
                                      description="楼道灯坏了", dwelling=dwelling)
        if dwelling != org.huashan_dwellings[2]:
            ServiceRequest.objects.filter(pk=made.pk).update(due_at=made.created_at - dt.timedelta(hours=5))
    sign_in(page, "operator", PASSWORD)
    page.goto("/desk/")
    overdue = page.locator("[data-count='affairs.overdue']")
    assert overdue.locator(".count-tile__value").inner_text() == "2"
    assert page.locator("[data-count='affairs.to_dispatch'] .count-tile__value").inner_text() == "3"
    assert "已逾期" in page.inner_text("[data-urgency=overdue] h3")
    assert page.locator("[data-testid=desks] a[href='/affairs/requests/new/']").count() == 1
    save_screenshot(page, f"workbench-clerk-{'phone' if screen == 'phone_page' else 'desktop'}")
    assert_accessible(page)

    with page.expect_navigation():
        overdue.click()
    assert page.locator("[data-testid=request-row]").count() == 2

    page.goto("/affairs/requests/new/")
    page.fill("#id_caller_phone", "13812345678")
    page.fill("#id_description", "厨房水管漏水，水流了一地，请物业来修")
    with page.expect_navigation():
        page.click("button[name=check]")
    assert "王秀英" in page.inner_text("[data-testid=caller]")
    assert page.input_value("#id_service") == str(centre.repair.pk)
    assert page.input_value("#id_department") == str(centre.huashan_property.pk)
    home = resident_person.dwelling
    assert page.input_value("#id_compound") == str(home.building.compound_id)
    assert (page.input_value("#id_building"), page.input_value("#id_room")) == (home.building.number, home.room)
    assert page.locator("[data-suggested='1']").count() == 5
    assert page.locator("[data-testid=suggested-note]").is_visible()
    assert_accessible(page)
    with page.expect_navigation():
        page.click("button[name=save]")
    taken = ServiceRequest.objects.get(description__startswith="厨房水管漏水")
    assert taken.number in page.inner_text("h1")
    assert (taken.service, taken.department, taken.dwelling) == (centre.repair, centre.huashan_property, home)
    assert taken.status == Status.DISPATCHED

    with page.expect_navigation():
        page.click(f"a[href='/affairs/requests/{taken.pk}/receipt/']")
    assert taken.number in page.inner_text("article.printable")
    assert "138****5678" in page.inner_text("article.printable")
