from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.choices import WalletKind
from shequ.cards.reconciliation import check_books
from shequ.core.errors import NotFound
from shequ.core.models import AuditEntry, User
from shequ.dining import actions, queries
from shequ.dining.models import Canteen, MenuItem


@pytest.mark.parametrize(("age", "tags", "subsidy"), [
    (55, (), 0), (65, (), 100), (75, (), 200), (85, (), 400), (92, (), 600),
    (75, ("subsistence",), 500), (85, ("subsistence", "elder_alone"), 900), (92, ("subsistence", "elder_alone"), 1100),
])
def test_the_subsidy_follows_the_age_band_and_adds_the_tag_supplements(
        age: int, tags: tuple[str, ...], subsidy: int, diner_card: Any, operator: User, canteen: Canteen,
        lunch: MenuItem) -> None:
    card = diner_card(age, tags)
    meal = actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    assert meal.subsidy_fen == subsidy
    assert meal.cash_fen == 1500 - subsidy
    assert card_queries.balances(card)[WalletKind.CASH] == 5000 - (1500 - subsidy)
    assert AuditEntry.objects.filter(event=actions.MEAL_BOUGHT, object_id=str(meal.pk)).exists()


def test_the_subsidy_never_exceeds_the_price(diner_card: Any, operator: User, canteen: Canteen) -> None:
    menu = actions.set_menu(actor=operator, canteen=canteen, day=timezone.localdate(), items=[("粥", 500, "lunch")])
    card = diner_card(92, ("subsistence", "elder_alone"), cash=0)
    meal = actions.buy_meal(actor=operator, canteen=canteen, card=card, item=menu.items.get(name="粥"))
    assert (meal.subsidy_fen, meal.cash_fen) == (500, 0)
    assert card_queries.account_total(canteen.account) == 500


def test_the_meal_subsidy_wallet_pays_before_cash(diner_card: Any, operator: User, canteen: Canteen,
                                                  lunch: MenuItem, clerk: User, org: Any) -> None:
    card = diner_card(65)
    fund = card_actions.system_account(org.subdistrict.pk, "subsidy_fund")
    card_actions.credit(actor=clerk, card=card, wallet=WalletKind.MEAL_SUBSIDY, amount_fen=1000,
                        counter_account=fund)
    meal = actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    assert (meal.subsidy_fen, meal.from_meal_wallet_fen, meal.cash_fen) == (100, 1000, 400)
    assert card_queries.balances(card)[WalletKind.MEAL_SUBSIDY] == 0


def test_a_meal_is_refused_when_the_card_is_frozen(diner_card: Any, operator: User, canteen: Canteen,
                                                   lunch: MenuItem, clerk: User) -> None:
    card = diner_card(75)
    card_actions.freeze(actor=clerk, card=card)
    with pytest.raises(card_actions.CardNotUsable):
        actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    assert not queries.meals(operator).exists()


def test_a_meal_is_refused_when_the_cash_does_not_cover_the_rest(
        diner_card: Any, operator: User, canteen: Canteen, lunch: MenuItem) -> None:
    card = diner_card(65, cash=1000)
    with pytest.raises(card_actions.InsufficientBalance):
        actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    assert card_queries.balances(card)[WalletKind.CASH] == 1000


def test_the_daily_limit_per_person_is_enforced(diner_card: Any, operator: User, canteen: Canteen,
                                                lunch: MenuItem) -> None:
    card = diner_card(80)
    for _ in range(queries.DAILY_LIMIT):
        actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    with pytest.raises(actions.DailyLimitReached):
        actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)


def test_a_retried_meal_returns_the_first_and_does_not_count_against_the_limit(
        diner_card: Any, operator: User, canteen: Canteen, lunch: MenuItem) -> None:
    card = diner_card(80)
    first = actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch, idempotency_key="m1")
    again = actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch, idempotency_key="m1")
    assert again.pk == first.pk
    actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch, idempotency_key="m2")
    assert queries.meals_today(card.person, timezone.localdate()) == 2


def test_an_operator_cannot_sell_at_another_canteen_or_see_its_meals(
        diner_card: Any, operator: User, other_operator: User, canteen: Canteen, lunch: MenuItem) -> None:
    card = diner_card(70)
    with pytest.raises(NotFound):
        actions.buy_meal(actor=other_operator, canteen=canteen, card=card, item=lunch)
    actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    assert queries.meals(operator).count() == 1
    assert queries.meals(other_operator).count() == 0
    assert list(queries.canteens(other_operator)) != [canteen]


def test_the_monthly_settlement_reconciles_to_the_ledger_to_the_fen(
        diner_card: Any, operator: User, canteen: Canteen, lunch: MenuItem) -> None:
    for age, tags in ((65, ()), (75, ("subsistence",)), (92, ("elder_alone",)), (58, ())):
        actions.buy_meal(actor=operator, canteen=canteen, card=diner_card(age, tags), item=lunch)
    result = queries.settlement(canteen, timezone.localdate())
    assert result.meals == 4 and result.price == 6000
    assert result.subsidy == 100 + 500 + 800 + 0
    assert result.cash == 6000 - result.subsidy
    assert result.ledger == 6000 and result.reconciled
    report = check_books()
    assert report.ok, report.problems()


def test_a_reversed_meal_comes_off_the_settlement_and_frees_the_daily_limit(
        diner_card: Any, operator: User, admin: User, canteen: Canteen, lunch: MenuItem) -> None:
    card = diner_card(75)
    meals = [actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch) for _ in range(2)]
    card_actions.reverse(actor=admin, transaction=meals[0].transaction, reason="误刷")
    assert card_queries.balances(card)[WalletKind.CASH] == 5000 - 1300
    result = queries.settlement(canteen, timezone.localdate())
    assert (result.meals, result.price, result.reversed_meals) == (1, 1500, 1)
    assert result.reconciled and check_books().ok
    actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
