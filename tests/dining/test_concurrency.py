"""A till that retries a meal request while the first is still being served, on PostgreSQL with real threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.choices import WalletKind
from shequ.cards.reconciliation import check_books
from shequ.core.models import User
from shequ.dining.models import Canteen, Meal, MenuItem


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_meal_requests_at_the_same_moment_buy_one_meal_and_both_get_its_answer(
        postgres_only: None, admin: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    card = diner_card(60, cash=5000)
    _terminal, token = card_actions.register_terminal(actor=admin, name="1号机", kind="canteen_till",
                                                      account=canteen.account)
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def send() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
        barrier.wait()
        try:
            answer = client.post("/api/v1/terminal/meals/", {"card": card.number, "item": lunch.pk,
                                                             "idempotency_key": "tap-0001"}, format="json")
            with lock:
                answers.append((answer.status_code, answer.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _body in answers) == [200, 201], answers
    first, retry = sorted(answers, key=lambda answer: answer[0], reverse=True)
    assert {k: v for k, v in first[1].items() if k != "replayed"} == {
        k: v for k, v in retry[1].items() if k != "replayed"}
    assert Meal.objects.count() == 1
    assert card_queries.balances(card)[WalletKind.CASH] == 5000 - Meal.objects.get().cash_fen
    assert check_books().ok
