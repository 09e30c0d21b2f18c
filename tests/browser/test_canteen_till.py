"""A canteen operator at the counter with a phone: tap the card number, tap the dish, see what was paid."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.core.roles import Role
from shequ.dining import actions as dining_actions
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_canteen_operator_sells_a_subsidised_meal_on_a_phone(chromium, live_server, transactional_db, org, admin,
                                                                make_staff, make_person):
    from shequ.dining.models import SubsidyRule

    if not SubsidyRule.objects.exists():
        # An earlier test that committed for real has flushed what the migration seeded: seed it again.
        importlib.import_module("shequ.dining.migrations.0002_standard_subsidy_rules").add_rules(apps, None)
    operator = make_staff(Role.CANTEEN, "zhou")
    clerk = make_staff(Role.CLERK, "clerk")
    canteen = dining_actions.create_canteen(actor=admin, name="华山长者食堂", neighborhood=org.huashan)
    dining_actions.add_operator(actor=admin, canteen=canteen, user=operator)
    dining_actions.set_menu(actor=operator, canteen=canteen, day=timezone.localdate(),
                            items=[("一荤两素套餐", 1500, "lunch"), ("面条", 800, "lunch")])
    elder = make_person("张桂英", birth=timezone.localdate().replace(year=timezone.localdate().year - 82)
                        - dt.timedelta(days=30))
    card = card_actions.issue_card(actor=clerk, person=elder)
    card_actions.top_up(actor=clerk, card=card, amount_fen=3000)

    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, "zhou", PASSWORD)
        page.goto(f"/dining/{canteen.pk}/till/")
        page.fill("#id_card", card.number_display)
        with page.expect_navigation():
            page.press("#id_card", "Enter")
        with page.expect_navigation():
            page.get_by_role("button", name="一荤两素套餐").tap()
        result = page.get_by_test_id("till-result")
        assert "¥15.00" in result.inner_text()
        # 80–89 years: the fund pays 4 yuan, the card 11.
        assert page.get_by_test_id("cash-left").inner_text().strip() == "¥19.00"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the till fits a phone screen"
        # The same diner again: the till stays on her after a meal, so the next dish is one tap.
        with page.expect_navigation():
            page.get_by_role("button", name="一荤两素套餐").tap()
        with page.expect_navigation():
            page.get_by_role("button", name="面条").tap()
        assert "今日用餐次数已达上限" in page.get_by_test_id("till-error").inner_text() or \
            "今日已用餐" in page.get_by_test_id("till-error").inner_text()
    finally:
        context.close()
    assert card_queries.balances(card)["cash"] == 3000 - 1100 - 1100
