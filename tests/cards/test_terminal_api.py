from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from shequ.cards import actions, queries
from shequ.cards.choices import WalletKind
from shequ.cards.models import Account, Card, Terminal, Transaction
from shequ.cards.reconciliation import check_books
from shequ.core.models import AuditEntry, User

PAY = "/api/v1/terminal/pay/"
BATCH = "/api/v1/terminal/batch/"


def _pay(card: Card, amount: int, key: str, **extra: Any) -> dict[str, Any]:
    return {"card": card.number, "wallet": "cash", "amount_fen": amount, "idempotency_key": key, **extra}


def test_registering_a_terminal_is_audited_and_keeps_only_a_hash_of_its_token(
        till: tuple[Terminal, str], admin: User) -> None:
    terminal, token = till
    assert token not in terminal.token_hash and len(token) >= 40
    assert AuditEntry.objects.filter(event=actions.TERMINAL_REGISTERED, object_id=str(terminal.pk)).exists()


def test_a_till_pays_with_a_card_and_a_retry_returns_the_first_result(
        till_client: APIClient, card: Card, clerk: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=2000)
    first = till_client.post(PAY, _pay(card, 800, "till1-0001"), format="json")
    assert first.status_code == 201, first.content
    retry = till_client.post(PAY, _pay(card, 800, "till1-0001"), format="json")
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"] and retry.json()["replayed"]
    assert first.json()["entries"] == [{"wallet": "cash", "amount": -800, "balance_after": 1200}]
    assert queries.balances(card)[WalletKind.CASH] == 1200
    assert queries.account_total(canteen_account) == 800


def test_a_till_can_pay_by_the_qr_code_and_sees_a_masked_holder(till_client: APIClient, card: Card,
                                                                clerk: User) -> None:
    from shequ.cards import numbers

    actions.top_up(actor=clerk, card=card, amount_fen=500)
    seen = till_client.get("/api/v1/terminal/card/", {"qr": numbers.qr_payload(card.number)})
    assert seen.status_code == 200 and seen.json()["holder"] == "王**"
    assert seen.json()["balances"]["cash"] == 500
    paid = till_client.post(PAY, _pay(card, 100, "qr-1") | {"card": numbers.qr_payload(card.number)}, format="json")
    assert paid.status_code == 201


def test_an_overdraft_or_a_frozen_card_answers_409_with_a_reason(
        till_client: APIClient, card: Card, clerk: User) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=100)
    short = till_client.post(PAY, _pay(card, 101, "k1"), format="json")
    assert short.status_code == 409 and short.json()["code"] == "insufficient_balance"
    actions.freeze(actor=clerk, card=card)
    frozen = till_client.post(PAY, _pay(card, 50, "k2"), format="json")
    assert frozen.status_code == 409 and frozen.json()["code"] == "card_not_usable"


def test_bad_input_answers_400_and_never_500(till_client: APIClient, card: Card) -> None:
    for body in ({}, _pay(card, -1, "k"), _pay(card, 10, "k", wallet="gold"), {"card": "x" * 300},
                 _pay(card, 10, "") , _pay(card, "ten", "k")):  # type: ignore[arg-type]
        answer = till_client.post(PAY, body, format="json")
        assert answer.status_code == 400, (body, answer.content)
    unknown = till_client.post(PAY, _pay(card, 10, "k") | {"card": "1234 5678 9012 3456"}, format="json")
    assert unknown.status_code == 404


def test_only_a_terminal_token_opens_the_terminal_api(client: Any, card: Card, clerk: User) -> None:
    assert client.post(PAY, _pay(card, 10, "k"), content_type="application/json").status_code == 401
    staff = APIClient()
    staff.force_authenticate(clerk)
    assert staff.post(PAY, _pay(card, 10, "k"), format="json").status_code == 404
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Terminal not-a-token")
    assert forged.post(PAY, _pay(card, 10, "k"), format="json").status_code == 401


def test_a_deactivated_terminal_is_refused(till: tuple[Terminal, str], till_client: APIClient, card: Card,
                                           admin: User) -> None:
    actions.deactivate_terminal(actor=admin, terminal=till[0])
    assert till_client.post(PAY, _pay(card, 10, "k"), format="json").status_code == 401


def test_a_till_cannot_credit_into_another_place(till: tuple[Terminal, str], card: Card, org: Any) -> None:
    other = actions.system_account(org.subdistrict.pk, "canteen", "canteen-other")
    terminal = till[0]
    import pytest

    from shequ.core.errors import NotFound

    with pytest.raises(NotFound):
        actions.credit(actor=terminal.user, card=card, wallet=WalletKind.CASH, amount_fen=10, counter_account=other,
                       terminal=terminal)


def test_an_offline_batch_is_applied_once_in_order_with_rejects_and_duplicates_reported(
        till_client: APIClient, card: Card, clerk: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=1000)
    batch = [
        _pay(card, 600, "off-1", op="pay"),
        _pay(card, 600, "off-2", op="pay"),           # only 400 left: rejected
        _pay(card, 600, "off-1", op="pay"),           # the same as the first: a duplicate
        _pay(card, 300, "off-3", op="pay"),           # fits in what is left, in order
        {"op": "pay", "card": card.number, "wallet": "cash", "amount_fen": -3, "idempotency_key": "off-4"},
    ]
    answer = till_client.post(BATCH, {"transactions": batch}, format="json")
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "duplicate", "applied", "rejected"]
    assert results[1]["code"] == "insufficient_balance" and results[1]["reason"]
    assert results[2]["transaction"]["id"] == results[0]["transaction"]["id"]
    assert queries.balances(card)[WalletKind.CASH] == 100
    again = till_client.post(BATCH, {"transactions": batch}, format="json").json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "rejected", "duplicate", "duplicate", "rejected"]
    assert Transaction.objects.filter(kind="payment").count() == 2
    assert queries.account_total(canteen_account) == 900
    assert check_books().ok


def test_a_batch_rejects_a_frozen_card_without_touching_the_others(
        till_client: APIClient, card: Card, clerk: User, make_person: Any, org: Any) -> None:
    other = actions.issue_card(actor=clerk, person=make_person("李建国", dwelling=org.huashan_dwellings[2]))
    actions.top_up(actor=clerk, card=card, amount_fen=500)
    actions.top_up(actor=clerk, card=other, amount_fen=500)
    actions.freeze(actor=clerk, card=other)
    answer = till_client.post(BATCH, {"transactions": [_pay(other, 100, "f-1", op="pay"),
                                                       _pay(card, 100, "f-2", op="pay")]}, format="json")
    assert [r["status"] for r in answer.json()["results"]] == ["rejected", "applied"]
    assert answer.json()["results"][0]["code"] == "card_not_usable"
    assert queries.balances(other)[WalletKind.CASH] == 500


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


def test_an_administrator_registers_a_till_from_the_command_line_and_it_can_pay(
        admin: User, canteen_account: Account, card: Card, clerk: User) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("register_terminal", "食堂2号机", "--account", canteen_account.code, "--as", "admin", stdout=out)
    token = out.getvalue().rsplit("Terminal ", 1)[1].strip()
    actions.top_up(actor=clerk, card=card, amount_fen=100)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    assert api.post(PAY, _pay(card, 100, "cli-1"), format="json").status_code == 201
