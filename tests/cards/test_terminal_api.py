from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from shequ.cards import actions, queries
from shequ.cards.choices import WalletKind
from shequ.cards.models import Account, Card, Terminal, TopUpSlip
from shequ.cards.reconciliation import check_books
from shequ.cards.rules import NotAllowedHere
from shequ.core.errors import Invalid
from shequ.core.models import AuditEntry, User

TOP_UP = "/api/v1/terminal/top-up/"
BATCH = "/api/v1/terminal/batch/"


def _top_up(card: Card, amount: int, key: str, **extra: Any) -> dict[str, Any]:
    return {"card": card.number, "amount_fen": amount, "idempotency_key": key, **extra}


def test_registering_a_terminal_is_audited_and_keeps_only_a_hash_of_its_token(
        till: tuple[Terminal, str], admin: User) -> None:
    terminal, token = till
    assert token not in terminal.token_hash and len(token) >= 40
    assert AuditEntry.objects.filter(event=actions.TERMINAL_REGISTERED, object_id=str(terminal.pk)).exists()


def test_a_terminal_is_registered_only_on_the_kind_of_account_it_settles_into(
        admin: User, canteen_account: Account) -> None:
    cash_box = actions.system_account(admin.subdistrict_id, "cash_box", "cash-box-2")
    with pytest.raises(Invalid):
        actions.register_terminal(actor=admin, name="desk", kind="canteen_till", account=cash_box)
    with pytest.raises(Invalid):
        actions.register_terminal(actor=admin, name="desk", kind="top_up_desk", account=canteen_account)


def test_a_top_up_desk_tops_up_from_its_box_with_a_slip_and_a_retry_returns_the_first_result(
        desk: tuple[Terminal, APIClient], card: Card) -> None:
    terminal, client = desk
    first = client.post(TOP_UP, _top_up(card, 2000, "desk1-0001"), format="json")
    assert first.status_code == 201, first.content
    retry = client.post(TOP_UP, _top_up(card, 2000, "desk1-0001"), format="json")
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"] and retry.json()["replayed"]
    assert first.json()["entries"] == [{"wallet": "cash", "amount": 2000, "balance_after": 2000}]
    assert queries.balances(card)[WalletKind.CASH] == 2000
    assert queries.account_total(terminal.account) == 8000
    slip = TopUpSlip.objects.get()
    assert (slip.terminal, slip.card, slip.amount_fen, slip.transaction_id) == (terminal, card, 2000,
                                                                                first.json()["id"])
    assert check_books().ok


def test_a_top_up_desk_cannot_pay_out_more_than_was_counted_into_its_box(
        desk: tuple[Terminal, APIClient], card: Card) -> None:
    terminal, client = desk
    short = client.post(TOP_UP, _top_up(card, 10_001, "k1"), format="json")
    assert short.status_code == 409 and short.json()["code"] == "account_not_funded", short.content
    assert queries.balances(card)[WalletKind.CASH] == 0 and not TopUpSlip.objects.exists()
    counted = client.post("/api/v1/terminal/cash/", {"amount_fen": 1, "idempotency_key": "c1"}, format="json")
    assert counted.status_code == 201, counted.content
    assert client.post(TOP_UP, _top_up(card, 10_001, "k2"), format="json").status_code == 201
    assert queries.account_total(terminal.account) == 0


def test_a_frozen_card_answers_409_with_a_reason(desk: tuple[Terminal, APIClient], card: Card, clerk: User) -> None:
    actions.freeze(actor=clerk, card=card)
    frozen = desk[1].post(TOP_UP, _top_up(card, 50, "k2"), format="json")
    assert frozen.status_code == 409 and frozen.json()["code"] == "card_not_usable"


def test_a_terminal_reads_a_card_by_qr_code_and_sees_a_masked_holder(till_client: APIClient, card: Card,
                                                                     clerk: User) -> None:
    from shequ.cards import numbers

    actions.top_up(actor=clerk, card=card, amount_fen=500)
    seen = till_client.get("/api/v1/terminal/card/", {"qr": numbers.qr_payload(card.number)})
    assert seen.status_code == 200 and seen.json()["holder"] == "王**"
    assert seen.json()["balances"]["cash"] == 500


def test_a_deactivated_terminal_is_refused(desk: tuple[Terminal, APIClient], card: Card, admin: User) -> None:
    actions.deactivate_terminal(actor=admin, terminal=desk[0])
    assert desk[1].post(TOP_UP, _top_up(card, 10, "k"), format="json").status_code == 401


def test_a_till_cannot_credit_into_another_place(till: tuple[Terminal, str], card: Card, org: Any) -> None:
    other = actions.system_account(org.subdistrict.pk, "canteen", "canteen-other")
    terminal = till[0]
    with pytest.raises(NotAllowedHere):
        actions.credit(actor=terminal.user, card=card, wallet=WalletKind.CASH, amount_fen=10, counter_account=other,
                       terminal=terminal)


def test_a_batch_item_of_an_operation_no_app_offers_is_rejected_with_a_reason(
        till_client: APIClient, card: Card, clerk: User) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=1000)
    batch = [{"op": "pay", "card": card.number, "wallet": "cash", "amount_fen": 600, "idempotency_key": "off-1"},
             {"op": "credit", "card": card.number, "wallet": "cash", "amount_fen": 600, "idempotency_key": "off-2"}]
    answer = till_client.post(BATCH, {"transactions": batch}, format="json")
    assert answer.status_code == 200, answer.content
    assert [(r["status"], r["code"]) for r in answer.json()["results"]] == [("rejected", "invalid")] * 2
    assert answer.json()["results"][0]["reason"]
    assert queries.balances(card)[WalletKind.CASH] == 1000


def test_an_empty_or_malformed_batch_answers_400(till_client: APIClient) -> None:
    for body in ({}, {"transactions": []}, {"transactions": "x"}, {"transactions": [1, 2]}):
        assert till_client.post(BATCH, body, format="json").status_code == 400


def test_the_card_api_shows_a_card_to_its_holder_and_the_desk_but_not_out_of_scope(
        client: Any, card: Card, clerk: User, yuyuan_clerk: User, resident: User) -> None:
    url = f"/api/v1/cards/{card.pk}/"
    for user, expected in ((clerk, 200), (resident, 200), (yuyuan_clerk, 404)):
        api = APIClient()
        api.force_authenticate(user)
        assert api.get(url).status_code == expected, user
    assert client.get(url).status_code == 401
    api = APIClient()
    api.force_authenticate(resident)
    assert api.get("/api/v1/cards/").json()["results"][0]["balances"]["cash"] == 0


def test_an_administrator_registers_a_till_from_the_command_line_and_it_reads_cards(
        admin: User, canteen_account: Account, card: Card) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("register_terminal", "食堂2号机", "--account", canteen_account.code, "--as", "admin", stdout=out)
    token = out.getvalue().rsplit("Terminal ", 1)[1].strip()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    assert api.get("/api/v1/terminal/card/", {"number": card.number}).status_code == 200
