"""A canteen operator at the till, on a phone and at a desktop: finds the diner, sees who is paying (name, age
band, subsidy), rings up a meal, voids it through the confirm step and sees her balance restored."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.core.roles import Role
from shequ.dining import actions as dining_actions
from shequ.dining.models import Meal
from tests.browser.conftest import assert_accessible, save_screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def till(org: Any, admin: Any, make_staff: Any, make_person: Any) -> dict[str, Any]:
    from shequ.dining.models import SubsidyRule

    if not SubsidyRule.objects.exists():
        # A test that committed for real has flushed what the migration seeded: seed it again.
        importlib.import_module("shequ.dining.migrations.0002_standard_subsidy_rules").add_rules(apps, None)
    operator = make_staff(Role.CANTEEN, "zhou")
    clerk = make_staff(Role.CLERK, "clerk")
    canteen = dining_actions.create_canteen(actor=admin, name="华山长者食堂", neighborhood=org.huashan)
    dining_actions.add_operator(actor=admin, canteen=canteen, user=operator)
    dining_actions.set_menu(actor=operator, canteen=canteen, day=timezone.localdate(),
                            items=[("一荤两素套餐", 1500, "lunch"), ("面条", 800, "lunch")])
    today = timezone.localdate()
    elder = make_person("张桂英", birth=today.replace(year=today.year - 82) - dt.timedelta(days=30))
    card = card_actions.issue_card(actor=clerk, person=elder)
    card_actions.top_up(actor=clerk, card=card, amount_fen=3000)
    return {"canteen": canteen, "card": card, "elder": elder}


def _sell_and_void(page: Any, till: dict[str, Any], screenshot: str) -> None:
    canteen, card, elder = till["canteen"], till["card"], till["elder"]
    sign_in(page, "zhou", PASSWORD)
    page.goto(f"/dining/{canteen.pk}/till/")
    page.fill("#id_q", "zgy")
    with page.expect_navigation():
        page.press("#id_q", "Enter")
    with page.expect_navigation():
        page.locator("main a", has_text="张桂英").click()
    assert page.get_by_test_id("diner-name").inner_text() == "张桂英"
    band = page.get_by_test_id("age-band").inner_text()
    assert band == card_queries.age_band(82)
    assert str(elder.birth_date.year) not in page.locator("main").inner_text()
    assert page.get_by_test_id("subsidy").inner_text().startswith("¥4.00")  # 80–89: the fund pays 4 yuan
    assert page.get_by_test_id("diner-cash").inner_text() == "¥30.00"
    save_screenshot(page, screenshot)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    dish = page.get_by_role("button", name="一荤两素套餐")
    assert dish.bounding_box()["height"] >= 48, "a dish is a big tap target"
    with page.expect_navigation():
        dish.click()
    assert "¥15.00" in page.get_by_test_id("till-result").inner_text()
    assert page.get_by_test_id("cash-left").inner_text().strip() == "¥19.00"
    assert card_queries.balances(card)["cash"] == 1900

    with page.expect_navigation():
        page.get_by_test_id("void-last").click()
    assert "一荤两素套餐" in page.get_by_test_id("void-confirm").inner_text()
    assert Meal.objects.get().voided_at is None, "the confirm step voids nothing by itself"
    with page.expect_navigation():
        page.get_by_test_id("void-confirm-button").click()
    assert page.get_by_test_id("diner-cash").inner_text() == "¥30.00"
    assert "¥30.00" in page.locator(".messages").inner_text()
    assert card_queries.balances(card)["cash"] == 3000
    assert Meal.objects.get().voided_at is not None
    assert page.get_by_test_id("void-last").count() == 0


def test_a_canteen_operator_voids_a_meal_on_a_phone(phone_page: Any, till: dict[str, Any]) -> None:
    _sell_and_void(phone_page, till, "canteen-till-phone")


def test_a_canteen_operator_voids_a_meal_at_a_desktop(browser_page: Any, till: dict[str, Any]) -> None:
    _sell_and_void(browser_page, till, "canteen-till-desktop")
