"""Every terminal posting endpoint × every terminal kind: a device moves value only as its kind may
(shequ.cards.rules). A refused posting answers 4xx with a message and leaves balances, entries and the
apps' records as they were; an allowed one goes through."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from shequ.cards import actions, queries
from shequ.cards.choices import AccountKind, TerminalKind, WalletKind
from shequ.cards.models import Card, Entry, Terminal, TopUpSlip
from shequ.cards.reconciliation import check_books
from shequ.cards.rules import TERMINALS, AccountNotFunded, DailyLimitExceeded, NotAllowedHere
from shequ.charity import actions as charity_actions
from shequ.charity.models import Sale
from shequ.core import actions as core_actions
from shequ.core.models import Subdistrict, User
from shequ.core.roles import Role
from shequ.dining import actions as dining_actions
from shequ.dining.models import Meal

ENDPOINTS = ["meal", "offline meal", "top-up", "cash-in", "charity sale"]
ALLOWED = {
    (TerminalKind.CANTEEN_TILL, "meal"), (TerminalKind.CANTEEN_TILL, "offline meal"),
    (TerminalKind.CHARITY_TILL, "charity sale"),
    (TerminalKind.TOP_UP_DESK, "top-up"), (TerminalKind.TOP_UP_DESK, "cash-in"),
}


@pytest.fixture
def places(admin: User, clerk: User, card: Card, make_staff: Any) -> SimpleNamespace:
    """A canteen with today's noodles, a charity shop with rice, and a card holding cash and charity points."""
    canteen = dining_actions.create_canteen(actor=admin, name="华山长者食堂")
    operator = make_staff(Role.CANTEEN, "zhou")
    dining_actions.add_operator(actor=admin, canteen=canteen, user=operator)
    menu = dining_actions.set_menu(actor=operator, canteen=canteen, day=timezone.localdate(),
                                   items=[("面条", 800, "lunch")])
    shop_clerk = make_staff(Role.CHARITY_CLERK, "shop")
    rice = charity_actions.add_item(actor=shop_clerk, name="大米", price_fen=500)
    charity_actions.receive_donation(actor=shop_clerk, donor_name="匿名", lines=[(rice, 10)])
    actions.top_up(actor=clerk, card=card, amount_fen=5000)
    fund = actions.system_account(card.subdistrict_id, AccountKind.CHARITY_FUND)
    actions.credit(actor=clerk, card=card, wallet=WalletKind.CHARITY_POINTS, amount_fen=1000, counter_account=fund)
    return SimpleNamespace(canteen=canteen, noodles=menu.items.get(), rice=rice)


def _device(kind: str, register: Any, places: SimpleNamespace, clerk: User) -> tuple[Terminal, APIClient]:
    account = places.canteen.account if kind == TerminalKind.CANTEEN_TILL else None
    terminal, client = register(kind, account)
    if kind == TerminalKind.TOP_UP_DESK:
        actions.record_cash(actor=clerk, amount_fen=10_000, cash_box=terminal.account)
    return terminal, client


def _send(endpoint: str, client: APIClient, card: Card, places: SimpleNamespace) -> Any:
    meal = {"card": card.number, "item": places.noodles.pk, "idempotency_key": "m-1"}
    if endpoint == "meal":
        return client.post("/api/v1/terminal/meals/", meal, format="json")
    if endpoint == "offline meal":
        return client.post("/api/v1/terminal/batch/", {"transactions": [{"op": "meal", **meal}]}, format="json")
    if endpoint == "top-up":
        return client.post("/api/v1/terminal/top-up/", {"card": card.number, "amount_fen": 3000,
                                                        "idempotency_key": "t-1"}, format="json")
    if endpoint == "cash-in":
        return client.post("/api/v1/terminal/cash/", {"amount_fen": 3000, "idempotency_key": "c-1"}, format="json")
    return client.post("/api/v1/terminal/charity/sales/", {
        "card": card.number, "lines": [{"item": places.rice.pk, "quantity": 1}], "points": 500,
        "idempotency_key": "s-1"}, format="json")


def _state(card: Card) -> tuple[Any, ...]:
    return (queries.balances(card), Entry.objects.count(), Meal.objects.count(), Sale.objects.count(),
            TopUpSlip.objects.count())


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("kind", TerminalKind.values)
def test_each_terminal_kind_posts_only_its_own_operations(
        kind: str, endpoint: str, register: Any, places: SimpleNamespace, card: Card, clerk: User) -> None:
    _terminal, client = _device(kind, register, places, clerk)
    before = _state(card)
    answer = _send(endpoint, client, card, places)
    body = answer.json()
    if endpoint == "offline meal":  # a batch answers 200 and reports each item
        assert answer.status_code == 200, body
        body = body["results"][0]
        refused = body["status"] == "rejected"
    else:
        refused = 400 <= answer.status_code < 500
        assert refused or answer.status_code == 201, (answer.status_code, body)
    if (kind, endpoint) in ALLOWED:
        assert not refused, body
        assert _state(card) != before
    else:
        assert refused, body
        assert (body.get("detail") or body.get("reason")), body
        assert _state(card) == before


@pytest.mark.parametrize("kind", TerminalKind.values)
def test_a_terminal_cannot_read_or_charge_a_card_of_another_subdistrict(
        kind: str, card: Card, places: SimpleNamespace, make_staff: Any) -> None:
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    their_admin = core_actions.create_user(actor=None, username="their-admin", role=Role.ADMIN, full_name="Their",
                                           subdistrict=other)
    account = actions.system_account(other.pk, TERMINALS[kind].account, "theirs")
    _terminal, token = actions.register_terminal(actor=their_admin, name="theirs", kind=kind, account=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    before = _state(card)
    seen = client.get("/api/v1/terminal/card/", {"number": card.number})
    assert seen.status_code == 404 and seen.json()["detail"]
    for endpoint in ("meal", "top-up", "charity sale"):
        assert _send(endpoint, client, card, places).status_code == 404
    assert _state(card) == before


def test_a_terminal_service_user_is_held_to_its_kind_even_without_naming_its_terminal(
        register: Any, card: Card, clerk: User) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=1000)
    kiosk, _client = register(TerminalKind.VOLUNTEER_KIOSK)
    before = _state(card)
    with pytest.raises(NotAllowedHere):  # a bare credit is no shift served
        actions.credit(actor=kiosk.user, card=card, wallet=WalletKind.TIME_BANK, amount_fen=60,
                       counter_account=kiosk.account)
    library, _client = register(TerminalKind.LIBRARY_DESK)
    with pytest.raises(NotAllowedHere):
        actions.pay(actor=library.user, card=card, wallet=WalletKind.CASH, amount_fen=100,
                    counter_account=library.account)
    assert _state(card) == before


def test_no_one_posts_a_movement_the_table_does_not_allow(card: Card, clerk: User, org: Any) -> None:
    subsidy = actions.system_account(org.subdistrict.pk, AccountKind.SUBSIDY_FUND)
    cash_box = actions.system_account(org.subdistrict.pk, AccountKind.CASH_BOX)
    before = _state(card)
    with pytest.raises(NotAllowedHere):  # cash only comes from a cash box, by a top-up
        actions.credit(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=100, counter_account=subsidy)
    with pytest.raises(NotAllowedHere):
        actions.credit(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=100, counter_account=cash_box)
    assert _state(card) == before


@override_settings(SHEQU_LEDGER_DAILY_LIMITS={AccountKind.CASH_INTAKE: 2000, AccountKind.SUBSIDY_FUND: 1500})
def test_overdraft_funds_pay_out_at_most_their_daily_limit(card: Card, clerk: User, org: Any) -> None:
    actions.record_cash(actor=clerk, amount_fen=1500)
    with pytest.raises(DailyLimitExceeded):
        actions.record_cash(actor=clerk, amount_fen=501)
    subsidy = actions.system_account(org.subdistrict.pk, AccountKind.SUBSIDY_FUND)
    actions.credit(actor=clerk, card=card, wallet=WalletKind.MEAL_SUBSIDY, amount_fen=1500, counter_account=subsidy)
    with pytest.raises(DailyLimitExceeded) as refused:
        actions.credit(actor=clerk, card=card, wallet=WalletKind.MEAL_SUBSIDY, amount_fen=1, counter_account=subsidy)
    assert "1500" in str(refused.value.message)
    assert queries.balances(card)[WalletKind.MEAL_SUBSIDY] == 1500


def test_every_other_account_stops_at_zero(card: Card, clerk: User, admin: User, org: Any) -> None:
    shop = actions.system_account(org.subdistrict.pk, AccountKind.CHARITY_SHOP)
    fund = actions.system_account(org.subdistrict.pk, AccountKind.CHARITY_FUND)
    actions.credit(actor=clerk, card=card, wallet=WalletKind.CHARITY_POINTS, amount_fen=300, counter_account=fund)
    sale = actions.pay(actor=clerk, card=card, wallet=WalletKind.CHARITY_POINTS, amount_fen=300,
                       counter_account=shop)
    actions.reverse(actor=admin, transaction=sale, reason="退货")
    assert queries.account_total(shop) == 0
    box = actions.system_account(org.subdistrict.pk, AccountKind.CASH_BOX, "desk-2")
    before = _state(card)
    with pytest.raises(AccountNotFunded):
        actions.post(actor=clerk, kind="top_up", card=card, legs=[actions.Leg(amount=100, wallet=WalletKind.CASH),
                                                                  actions.Leg(amount=-100, account=box)])
    assert _state(card) == before


def test_an_existing_deficit_of_a_cash_box_is_recorded_as_counted_in_cash(card: Card, clerk: User) -> None:
    """Migration 0003: cash boxes had no floor; their deficit becomes cash counted in, so none starts below 0."""
    from django.apps import apps as global_apps

    from shequ.cards.models import Account, Transaction

    migration = __import__("shequ.cards.migrations.0003_money_rules", fromlist=["fund_cash_boxes"])
    box = Account.objects.create(subdistrict_id=card.subdistrict_id, kind="cash_box", code="old-box", name="old")
    txn = Transaction.objects.create(kind="top_up", card=card, subdistrict_id=card.subdistrict_id)
    wallet = card.wallets.get(kind=WalletKind.CASH)
    Entry.objects.bulk_create([Entry(transaction=txn, account=box, amount=-700),
                               Entry(transaction=txn, wallet=wallet, amount=700)])
    wallet.balance = 700
    wallet.save(update_fields=["balance"])
    migration.fund_cash_boxes(global_apps, None)
    assert queries.account_total(box) == 0
    assert check_books().ok
