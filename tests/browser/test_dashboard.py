"""The leadership dashboard in a real browser: figures, trend charts drawn from the vendored Chart.js with their
tables behind, accessible at a phone's and a desktop's width."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, save_screenshot, sign_in
from tests.conftest import PASSWORD
from tests.dashboard.conftest import (  # noqa: F401  (the hand-computed world and what it is built from)
    DAY,
    canteen,
    centre,
    clerk,
    diner_card,
    lunch,
    operator,
    staff,
    world,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_administrator_reads_the_dashboard_with_its_trends(request, size, transactional_db, world, admin):  # noqa: F811
    page = request.getfixturevalue("browser_page" if size == "desktop" else "phone_page")
    sign_in(page, "admin", PASSWORD)
    page.goto(f"/dashboard/?day={DAY.isoformat()}")
    loans = page.locator('tr[data-figure="library.loans"] a[data-drill="library.loans"]')
    assert [text.strip() for text in loans.all_inner_texts()] == ["2", "3"]
    # Chart.js drew each trend and folded its table, which stays one click away.
    charts = page.locator(".trend-chart:not([hidden]) canvas")
    charts.first.wait_for()
    assert charts.count() == page.locator("canvas[data-chart]").count() > 0
    assert page.locator("details.fallback").count() == charts.count()
    assert_accessible(page)
    save_screenshot(page, f"dashboard-admin-{size}")
