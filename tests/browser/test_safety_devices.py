"""The device list in a real browser: on a 390 px phone the table becomes cards with nothing wider than the
screen; on a desktop it is a table; the filter narrows it to the offline devices."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.safety.choices import Availability, DeviceKind
from tests.browser.conftest import assert_accessible, save_screenshot, sign_in
from tests.conftest import PASSWORD
from tests.safety.conftest import CAMERA_ID, place

pytestmark = pytest.mark.browser


@pytest.fixture
def devices(org):
    place(org, DeviceKind.DOOR, "door-hs-1-1", entrance="1单元", name="华山小区1号楼1单元",
          availability=Availability.ONLINE)
    place(org, DeviceKind.CAMERA, CAMERA_ID, name="华山小区东门", location="东门", availability=Availability.OFFLINE)
    place(org, DeviceKind.DOOR, "door-yy-1-1", yuyuan=True, name="愚园新村1号楼1单元")


def test_the_device_list_fits_a_phone_and_filters_to_offline(phone_page, alice, devices):
    page = phone_page
    sign_in(page, "alice", PASSWORD)
    page.goto(reverse("safety:device_list"))
    rows = page.locator("[data-testid=device-row]")
    assert rows.count() == 2  # 愚园's door is bob's
    assert "愚园" not in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Each row is a card: its cells stack with their captions.
    first = rows.first.locator("td").first.bounding_box()
    second = rows.first.locator("td").nth(1).bounding_box()
    assert second["y"] > first["y"]
    page.select_option("#id_availability", "offline")
    with page.expect_navigation():
        page.locator("form.filter-bar button[type=submit]").click()
    assert rows.count() == 1 and CAMERA_ID in rows.first.inner_text()
    assert "离线" in rows.first.inner_text()
    save_screenshot(page, "safety-devices-phone")
    assert_accessible(page)


def test_the_device_list_is_a_table_on_a_desktop(browser_page, admin, devices):
    page = browser_page
    sign_in(page, "admin", PASSWORD)
    page.goto(reverse("safety:device_list"))
    rows = page.locator("[data-testid=device-row]")
    assert rows.count() == 3
    cells = rows.first.locator("td")
    assert abs(cells.first.bounding_box()["y"] - cells.nth(1).bounding_box()["y"]) < 2  # one row, side by side
    assert page.locator("thead").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    save_screenshot(page, "safety-devices-desktop")
    with page.expect_navigation():
        page.locator("main a", has_text="华山小区东门").click()
    assert CAMERA_ID in page.locator("h1 + .page-subtitle").inner_text()
    assert page.locator("[data-testid=device-facts]").is_visible()
    assert_accessible(page)
