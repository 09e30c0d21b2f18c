"""A till that resends a sale gets the first sale back; a key reused for another sale is refused. Also the
charity till's terminal API, and an allowance run that was interrupted is finished by the next one."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.choices import AccountKind, Operation
from shequ.cards.models import Transaction
from shequ.cards.reconciliation import check_books
from shequ.charity import actions, seams
from shequ.charity.models import Allowance, AllowanceRun, Sale
from shequ.core.errors import Conflict


@pytest.fixture
def with_points(clerk, eligible):
    actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=5000,
                                    tags=["subsistence"])
    return eligible


def test_the_same_sale_sent_twice_with_one_key_is_sold_once_and_answered_alike(clerk, rice, with_points):
    first = actions.sell(actor=clerk, buyer=with_points, lines=[(rice, 1)], points=1000, idempotency_key="s-1")
    again = actions.sell(actor=clerk, buyer=with_points, lines=[(rice, 1)], points=1000, idempotency_key="s-1")
    assert again.pk == first.pk and again.replayed and not first.replayed
    assert Sale.objects.count() == 1
    assert seams.points_balance(with_points) == 4000
    rice.refresh_from_db()
    assert rice.on_hand == 9


def test_a_key_reused_for_a_different_sale_is_refused_and_sells_nothing(clerk, rice, with_points):
    actions.sell(actor=clerk, buyer=with_points, lines=[(rice, 1)], points=1000, idempotency_key="s-1")
    with pytest.raises(Conflict, match="另一笔销售"):
        actions.sell(actor=clerk, buyer=with_points, lines=[(rice, 2)], points=1000, idempotency_key="s-1")
    assert Sale.objects.count() == 1
    assert seams.points_balance(with_points) == 4000


def test_a_charity_till_sells_by_card_and_a_retry_gets_the_first_sale(admin, rice, with_points):
    shop = card_actions.system_account(admin.subdistrict_id, AccountKind.CHARITY_SHOP)
    _till, token = card_actions.register_terminal(actor=admin, name="慈善超市1号机", kind="charity_till",
                                                  account=shop)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    card = card_queries.live_card_of(with_points)
    body = {"card": card.number, "lines": [{"item": rice.pk, "quantity": 1}], "points": 1000,
            "idempotency_key": "till-1"}
    first = client.post("/api/v1/terminal/charity/sales/", body, format="json")
    assert first.status_code == 201, first.content
    retry = client.post("/api/v1/terminal/charity/sales/", body, format="json")
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"] and retry.json()["replayed"]
    other = client.post("/api/v1/terminal/charity/sales/", {**body, "points": 0}, format="json")
    assert other.status_code == 409 and other.json()["detail"]
    assert Transaction.objects.get(operation=Operation.SALE).terminal == _till
    assert seams.points_balance(with_points) == 4000
    assert check_books().ok, check_books().problems()


def test_an_interrupted_allowance_run_is_finished_by_the_next_and_no_household_is_paid_twice(
        clerk, eligible, make_person, card_desk, org, monkeypatch):
    from shequ.population.models import Tag

    second = make_person("李阿姨", birth=dt.date(1949, 1, 2), relationship="head", dwelling=org.huashan_dwellings[3],
                         tags=[Tag.objects.get(code="subsistence")])
    card_actions.issue_card(actor=card_desk, person=second)
    original = actions._grant_household
    calls = []

    def crash_after_the_first(**kwargs):
        if calls:
            raise RuntimeError("the worker was stopped")
        calls.append(1)
        return original(**kwargs)

    monkeypatch.setattr(actions, "_grant_household", crash_after_the_first)
    with pytest.raises(RuntimeError):
        actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=500,
                                        tags=["subsistence"])
    assert Allowance.objects.count() == 1 and AllowanceRun.objects.get().completed_at is None
    monkeypatch.setattr(actions, "_grant_household", original)
    with pytest.raises(Conflict):  # the run under way is finished only with its own points
        actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=900,
                                        tags=["subsistence"])
    run = actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=500,
                                          tags=["subsistence"])
    assert run.completed_at is not None
    assert [seams.points_balance(eligible), seams.points_balance(second)] == [500, 500]
    with pytest.raises(Conflict):
        actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=500,
                                        tags=["subsistence"])
