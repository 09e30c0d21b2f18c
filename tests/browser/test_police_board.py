"""The community police office's board shows a new incident of its beat without a reload, and passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from shequ.core.roles import Role
from shequ.safety.choices import DeviceKind, Severity
from shequ.safety.models import Incident
from tests.browser.conftest import assert_accessible, save_screenshot, sign_in
from tests.conftest import PASSWORD
from tests.safety.conftest import place

pytestmark = pytest.mark.browser


def test_the_board_shows_a_new_incident_without_reloading(browser_page: Any, make_staff: Any, org: Any) -> None:
    make_staff(Role.POLICE, "police", neighborhood=org.huashan)
    door = place(org, DeviceKind.DOOR, "door-hs-1-1", entrance="1单元", name="华山小区1号楼1单元")
    page = browser_page
    sign_in(page, "police", PASSWORD)
    page.goto("/safety/police/")
    assert page.locator("[data-testid=incidents] li.empty").count() == 1
    assert_accessible(page)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    now = timezone.now()
    Incident.objects.create(
        number="SJ000001", subdistrict=org.subdistrict, neighborhood=org.huashan, compound=org.huashan_compound,
        building=door.building, device=door, group_key=f"device:{door.pk}:forced", title="1号楼1单元门被强行打开",
        severity=Severity.ALERT, opened_at=now, last_alarm_at=now, alarm_count=1)
    page.locator("[data-testid=incidents] li", has_text="1号楼1单元门被强行打开").wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument === true")
    assert page.locator("[data-count=incidents]").inner_text() == "1"
    assert page.locator("[data-testid=incidents] li.empty").count() == 0
    assert "(1)" in page.locator("[data-testid=board-status]").inner_text()  # one changed incident announced
    assert_accessible(page)
    save_screenshot(page, "police-board")
