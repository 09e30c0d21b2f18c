from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequ.cards import actions, queries
from shequ.cards.choices import WalletKind
from shequ.cards.models import Account, Card, Entry, Transaction, Wallet
from shequ.cards.reconciliation import check_books
from shequ.cards.rules import NotAllowedHere
from shequ.core.errors import Conflict, Invalid
from shequ.core.models import AuditEntry, User


def test_a_top_up_and_a_payment_post_balanced_entries_and_audit_rows(
        card: Card, clerk: User, canteen_account: Account) -> None:
    top_up = actions.top_up(actor=clerk, card=card, amount_fen=10000)
    payment = actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=1250,
                          counter_account=canteen_account, memo="午餐")
    assert queries.balances(card)[WalletKind.CASH] == 8750
    assert sorted(payment.entries.values_list("amount", flat=True)) == [-1250, 1250]
    assert payment.entries.get(wallet__isnull=False).balance_after == 8750
    assert queries.account_total(canteen_account) == 1250
    for txn in (top_up, payment):
        assert AuditEntry.objects.filter(event=actions.TRANSACTION_POSTED, object_id=str(txn.pk)).exists()


def test_a_payment_larger_than_the_balance_is_refused_and_posts_nothing(
        card: Card, clerk: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=500)
    before = Entry.objects.count()
    with pytest.raises(actions.InsufficientBalance) as refused:
        actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=501, counter_account=canteen_account)
    assert refused.value.details == {"wallet": "cash", "balance": 500, "needed": 501}
    assert Entry.objects.count() == before
    assert queries.balances(card)[WalletKind.CASH] == 500


def test_a_retried_request_with_the_same_key_returns_the_first_result_and_charges_once(
        card: Card, clerk: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=3000)
    first = actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=1000,
                        counter_account=canteen_account, idempotency_key="till-1-0001")
    again = actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=1000,
                        counter_account=canteen_account, idempotency_key="till-1-0001")
    assert again.pk == first.pk and again.replayed and not first.replayed  # type: ignore[attr-defined]
    assert queries.balances(card)[WalletKind.CASH] == 2000
    assert Transaction.objects.filter(kind="payment").count() == 1


def test_a_key_reused_for_a_different_amount_is_refused(card: Card, clerk: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=3000)
    actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=1000, counter_account=canteen_account,
                idempotency_key="k1")
    with pytest.raises(Conflict):
        actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=999, counter_account=canteen_account,
                    idempotency_key="k1")


def test_a_reversal_negates_every_entry_and_cannot_be_repeated(
        card: Card, clerk: User, admin: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=3000)
    payment = actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=1200,
                          counter_account=canteen_account)
    reversal = actions.reverse(actor=admin, transaction=payment, reason="重复扣款")
    assert reversal.reverses == payment
    assert queries.balances(card)[WalletKind.CASH] == 3000
    assert queries.account_total(canteen_account) == 0
    assert AuditEntry.objects.filter(event=actions.TRANSACTION_REVERSED, object_id=str(reversal.pk)).exists()
    with pytest.raises(Conflict):
        actions.reverse(actor=admin, transaction=payment, reason="again")
    assert check_books().ok


def test_a_top_up_cannot_be_reversed_once_the_money_is_spent(
        card: Card, clerk: User, admin: User, canteen_account: Account) -> None:
    top_up = actions.top_up(actor=clerk, card=card, amount_fen=1000)
    actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=600, counter_account=canteen_account)
    with pytest.raises(actions.InsufficientBalance):
        actions.reverse(actor=admin, transaction=top_up, reason="录错")
    assert queries.balances(card)[WalletKind.CASH] == 400


def test_amounts_must_be_positive_whole_fen(card: Card, clerk: User, canteen_account: Account) -> None:
    for bad in (0, -5, 1.5, "100", True):
        with pytest.raises(Invalid):
            actions.top_up(actor=clerk, card=card, amount_fen=bad)  # type: ignore[arg-type]


def test_the_database_itself_refuses_a_negative_wallet_balance(card: Card) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(card=card, kind=WalletKind.CASH).update(balance=-1)


def test_the_database_refuses_to_edit_or_delete_ledger_rows(
        card: Card, clerk: User, ledger_triggers: None) -> None:
    txn = actions.top_up(actor=clerk, card=card, amount_fen=100)
    entry = txn.entries.first()
    assert entry is not None
    for sql, pk in (("UPDATE cards_entry SET amount = 1 WHERE id = %s", entry.pk),
                    ("DELETE FROM cards_entry WHERE id = %s", entry.pk),
                    ("UPDATE cards_transaction SET memo = 'x' WHERE id = %s", txn.pk)):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["top_up", "pay", "credit", "reverse"]),
              st.sampled_from(WalletKind.values), st.integers(min_value=1, max_value=5000)),
    min_size=1, max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_of_ledger_operations_keeps_the_books_balanced_and_no_wallet_negative(
        operations: list[tuple[str, str, int]], card: Card, clerk: User, admin: User, org: Any,
        canteen_account: Account) -> None:
    # Each wallet's counter side as the ledger's table allows it; cash comes only from a top-up.
    funds = {WalletKind.MEAL_SUBSIDY: "subsidy_fund", WalletKind.CHARITY_POINTS: "charity_fund",
             WalletKind.TIME_BANK: "time_bank"}
    payees = {WalletKind.CASH: canteen_account, WalletKind.MEAL_SUBSIDY: canteen_account,
              WalletKind.CHARITY_POINTS: actions.system_account(org.subdistrict.pk, "charity_shop"),
              WalletKind.TIME_BANK: actions.system_account(org.subdistrict.pk, "time_bank")}
    expected = queries.balances(card)
    posted: list[Transaction] = []
    for operation, wallet, amount in operations:
        try:
            if operation == "top_up":
                posted.append(actions.top_up(actor=clerk, card=card, amount_fen=amount))
                expected[WalletKind.CASH] += amount
            elif operation == "credit" and wallet in funds:
                fund = actions.system_account(org.subdistrict.pk, funds[wallet])
                posted.append(actions.credit(actor=clerk, card=card, wallet=wallet, amount_fen=amount,
                                             counter_account=fund))
                expected[wallet] += amount
            elif operation == "credit":
                with pytest.raises(NotAllowedHere):
                    actions.credit(actor=clerk, card=card, wallet=wallet, amount_fen=amount,
                                   counter_account=payees[WalletKind.CASH])
            elif operation == "pay":
                posted.append(actions.pay(actor=clerk, card=card, wallet=wallet, amount_fen=amount,
                                          counter_account=payees[wallet]))
                expected[wallet] -= amount
            elif posted:
                original = posted.pop()
                actions.reverse(actor=admin, transaction=original, reason="test")
                for entry in original.entries.filter(wallet__isnull=False).select_related("wallet"):
                    expected[entry.wallet.kind] -= entry.amount  # type: ignore[union-attr]
        except actions.InsufficientBalance:
            pass  # a refusal changes nothing: the comparison below proves it
    assert queries.balances(card) == expected
    assert all(balance >= 0 for balance in expected.values())
    report = check_books()
    assert report.ok, report.problems()


@pytest.mark.postgres
def test_postgresql_refuses_to_commit_a_transaction_whose_entries_do_not_sum_to_zero(
        postgres_only: None, card: Card, clerk: User) -> None:
    wallet = Wallet.objects.get(card=card, kind=WalletKind.CASH)
    with pytest.raises(Exception, match="does not balance"), transaction.atomic():
        txn = Transaction.objects.create(kind="credit", card=card, subdistrict_id=card.subdistrict_id, actor=clerk)
        Entry.objects.create(transaction=txn, wallet=wallet, amount=100)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT does with the deferred check
