"""The canteen till shows who is paying and voids its last meal; the operator's workbench count."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from shequ.cards import queries as card_queries
from shequ.cards.choices import WalletKind
from shequ.cards.reconciliation import check_books
from shequ.core.errors import Conflict, NotFound
from shequ.core.models import AuditEntry, User
from shequ.core.registry import registry
from shequ.dining import actions, queries
from shequ.dining.models import Canteen, Meal, MenuItem
from tests.conftest import login


def test_voiding_the_last_meal_restores_the_card_and_the_fund_and_the_books_reconcile(
        operator: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    card = diner_card(82, cash=5000)
    meal = actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    assert card_queries.balances(card)[WalletKind.CASH] == 5000 - 1100
    voided = actions.void_meal(actor=operator, canteen=canteen, meal=meal, reason="点错了", idempotency_key="v1")
    assert voided.voided_at is not None and voided.voided_by == operator
    assert card_queries.balances(card)[WalletKind.CASH] == 5000
    assert card_queries.account_total(canteen.account) == 0
    settlement = queries.settlement(canteen, timezone.localdate())
    assert (settlement.meals, settlement.price, settlement.subsidy) == (0, 0, 0) and settlement.reconciled
    assert queries.meals(operator).served().count() == 0
    assert queries.meals_today(card.person, timezone.localdate()) == 0
    report = check_books()
    assert report.ok, report.problems()
    entry = AuditEntry.objects.get(event=actions.MEAL_VOIDED)
    assert entry.actor == operator and entry.reason == "点错了"


def test_a_retried_void_gives_the_same_answer_and_a_second_void_is_refused(
        operator: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    card = diner_card(75)
    meal = actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
    first = actions.void_meal(actor=operator, canteen=canteen, meal=meal, reason="误刷", idempotency_key="k1")
    again = actions.void_meal(actor=operator, canteen=canteen, meal=meal, reason="误刷", idempotency_key="k1")
    assert again.pk == first.pk and again.replayed and again.voided_at == first.voided_at
    with pytest.raises(Conflict, match=r"已于\d\d:\d\d作废"):
        actions.void_meal(actor=operator, canteen=canteen, meal=meal, reason="误刷", idempotency_key="k2")
    assert card_queries.balances(card)[WalletKind.CASH] == 5000
    assert check_books().ok


def test_only_the_last_meal_of_this_operator_at_this_till_can_be_voided(
        operator: User, other_operator: User, canteen: Canteen, lunch: MenuItem, diner_card: Any,
        make_staff: Any, admin: User) -> None:
    first = actions.buy_meal(actor=operator, canteen=canteen, card=diner_card(70), item=lunch)
    actions.buy_meal(actor=operator, canteen=canteen, card=diner_card(71), item=lunch)
    with pytest.raises(Conflict):
        actions.void_meal(actor=operator, canteen=canteen, meal=first, reason="x")
    # Another canteen's operator does not even see this canteen.
    with pytest.raises(NotFound):
        actions.void_meal(actor=other_operator, canteen=canteen, meal=first, reason="x")
    # A colleague at the same canteen cannot void what this operator rang up.
    colleague = make_staff("canteen", "colleague")
    actions.add_operator(actor=admin, canteen=canteen, user=colleague)
    last = queries.last_meal_at_till(operator, canteen)
    assert last is not None
    with pytest.raises(Conflict, match="是其他人"):
        actions.void_meal(actor=colleague, canteen=canteen, meal=last, reason="x")
    assert Meal.objects.filter(voided_at__isnull=False).count() == 0


def test_the_till_shows_the_diner_her_age_band_subsidy_and_balances_but_not_her_birth_date(
        client: Client, operator: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    card = diner_card(83, tags=("subsistence",), cash=3000, name="张桂英")
    login(client, operator)
    page = client.get(f"/dining/{canteen.pk}/till/", {"q": "张"}).content.decode()
    assert "张桂英" in page and f'?diner={card.person_id}' in page
    page = client.get(f"/dining/{canteen.pk}/till/", {"diner": card.person_id}).content.decode()
    assert 'data-testid="diner-name">张桂英' in page
    assert card_queries.age_band(83) in page
    assert str(card.person.birth_date.year) not in page and card.person.birth_date.isoformat() not in page
    assert "¥7.00" in page  # 4 yuan for 80–89 plus 3 for 低保
    assert "¥30.00" in page  # her cash


def test_the_till_voids_after_a_confirm_step_and_the_balance_is_restored(
        client: Client, operator: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    card = diner_card(75, cash=5000)
    login(client, operator)
    client.post(f"/dining/{canteen.pk}/till/", {"diner": card.person_id, "item": lunch.pk, "idempotency_key": "t"})
    meal = Meal.objects.get()
    till = client.get(f"/dining/{canteen.pk}/till/").content.decode()
    assert 'data-testid="void-last"' in till
    confirm = client.get(f"/dining/{canteen.pk}/till/void/").content.decode()
    assert 'data-testid="void-confirm"' in confirm and "一荤两素套餐" in confirm
    assert Meal.objects.get().voided_at is None  # showing the step voids nothing
    answer = client.post(f"/dining/{canteen.pk}/till/void/", {"meal": meal.pk, "reason": "误刷",
                                                              "idempotency_key": "void-1"}, follow=True)
    assert Meal.objects.get().voided_at is not None
    assert card_queries.balances(card)[WalletKind.CASH] == 5000
    assert "¥50.00" in answer.content.decode()
    assert 'data-testid="void-last"' not in client.get(f"/dining/{canteen.pk}/till/").content.decode()
    again = client.post(f"/dining/{canteen.pk}/till/void/", {"meal": meal.pk, "reason": "误刷",
                                                             "idempotency_key": "void-2"}, follow=True)
    assert re.search(r"这笔用餐已于\d\d:\d\d作废", again.content.decode())


def test_the_no_menu_count_equals_the_canteens_listed_and_ignores_other_canteens(
        client: Client, operator: User, other_operator: User, canteen: Canteen) -> None:
    entry = registry.counts["dining.no_menu_today"]
    assert entry.allowed(operator) and entry.count(operator) == 1
    login(client, operator)
    page = client.get(entry.url(operator)).content.decode()
    assert page.count('data-testid="canteen"') == 1 and canteen.name in page
    actions.set_menu(actor=operator, canteen=canteen, day=timezone.localdate(), items=[("面条", 800, "lunch")])
    assert entry.count(operator) == 0
    assert client.get(entry.url(operator)).content.decode().count('data-testid="canteen"') == 0
    assert entry.count(other_operator) == 1  # his own canteen, not 华山's


def test_a_till_names_the_age_band_not_the_age() -> None:
    with translation.override("en"):
        assert [card_queries.age_band(age) for age in (45, 60, 69, 70, 83, 90, 101)] == [
            "Under 60", "Aged 60–69", "Aged 60–69", "Aged 70–79", "Aged 80–89", "90 and over", "90 and over"]
