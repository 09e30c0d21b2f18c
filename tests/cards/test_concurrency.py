"""Many tills spending from one card at the same moment, on PostgreSQL with real concurrent transactions."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from shequ.cards import actions, queries
from shequ.cards.choices import WalletKind
from shequ.cards.models import Account, Card, Entry, Transaction
from shequ.cards.reconciliation import check_books
from shequ.core.models import User

THREADS = 12
TRIES_EACH = 5


def _run_at_once(work: Any, count: int) -> None:
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_spends_never_overdraw_lose_or_double_an_entry(
        postgres_only: None, card: Card, clerk: User, canteen_account: Account) -> None:
    # 20 payments of 700 fit in 14 000; 60 are attempted at once.
    actions.top_up(actor=clerk, card=card, amount_fen=14_000)
    accepted: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()

    def spend(index: int) -> None:
        for attempt in range(TRIES_EACH):
            try:
                txn = actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=700,
                                  counter_account=canteen_account, idempotency_key=f"t{index}-{attempt}")
                with lock:
                    accepted.append(txn.pk)
            except actions.InsufficientBalance:
                with lock:
                    refused.append(index)

    _run_at_once(spend, THREADS)
    assert len(accepted) == 20 and len(refused) == THREADS * TRIES_EACH - 20
    assert queries.balances(card)[WalletKind.CASH] == 0
    assert Transaction.objects.filter(kind="payment").count() == 20
    assert Entry.objects.filter(transaction__kind="payment").count() == 40
    assert queries.account_total(canteen_account) == 14_000
    report = check_books()
    assert report.ok, report.problems()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_request_retried_concurrently_is_charged_once(
        postgres_only: None, card: Card, clerk: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=5_000)
    results: list[int] = []

    def retry(index: int) -> None:
        txn = actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=1_000,
                          counter_account=canteen_account, idempotency_key="the-same-request")
        results.append(txn.pk)

    _run_at_once(retry, 8)
    assert len(results) == 8 and len(set(results)) == 1
    assert queries.balances(card)[WalletKind.CASH] == 4_000
    assert check_books().ok
