"""The charity-shop till shows who is paying and voids its last sale; the shop's workbench counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from shequ.cards import queries as card_queries
from shequ.cards.choices import WalletKind
from shequ.cards.reconciliation import check_books
from shequ.charity import actions, queries, seams
from shequ.charity.models import AllowanceRun, Sale, StockItem, StockMovement
from shequ.core.errors import Conflict, NotFound
from shequ.core.models import AuditEntry, User
from shequ.core.registry import registry
from tests.conftest import login


@pytest.fixture
def with_points(clerk: User, eligible: Any) -> Any:
    actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=5000)
    return eligible


def test_voiding_the_last_sale_returns_points_and_stock_and_the_books_reconcile(clerk, rice, with_points):
    sale = actions.sell(actor=clerk, buyer=with_points, lines=[(rice, 2)], points=4000)
    assert seams.points_balance(with_points) == 1000
    voided = actions.void_sale(actor=clerk, sale=sale, reason="拿错了", idempotency_key="v1")
    assert voided.voided_at is not None and voided.voided_by == clerk
    assert seams.points_balance(with_points) == 5000
    rice.refresh_from_db()
    assert rice.on_hand == 10
    movement = StockMovement.objects.filter(sale=sale, kind="void").get()
    assert movement.quantity == 2
    (row,) = queries.stock_report(clerk)
    assert row.reconciles and row.sold == 0
    report = check_books()
    assert report.ok, report.problems()
    entry = AuditEntry.objects.get(event=actions.SALE_VOIDED)
    assert entry.actor == clerk and entry.reason == "拿错了"
    assert queries.sales(clerk).standing().count() == 0


def test_a_retried_void_gives_the_same_answer_and_a_second_void_is_refused(clerk, rice, with_points):
    sale = actions.sell(actor=clerk, buyer=with_points, lines=[(rice, 1)], points=1000)
    first = actions.void_sale(actor=clerk, sale=sale, reason="误操作", idempotency_key="k1")
    again = actions.void_sale(actor=clerk, sale=sale, reason="误操作", idempotency_key="k1")
    assert again.pk == first.pk and again.replayed
    with pytest.raises(Conflict, match=r"已于\d\d:\d\d作废"):
        actions.void_sale(actor=clerk, sale=sale, reason="误操作", idempotency_key="k2")
    rice.refresh_from_db()
    assert rice.on_hand == 10 and seams.points_balance(with_points) == 5000
    assert check_books().ok


def test_only_this_clerks_last_sale_can_be_voided(clerk, rice, with_points, make_staff, outside_clerk):
    first = actions.sell(actor=clerk, buyer=with_points, lines=[(rice, 1)], points=0)
    actions.sell(actor=clerk, buyer=with_points, lines=[(rice, 1)], points=0)
    with pytest.raises(Conflict):
        actions.void_sale(actor=clerk, sale=first, reason="x")
    colleague = make_staff("charity_clerk", "colleague")
    last = Sale.objects.order_by("-pk").first()
    with pytest.raises(Conflict, match="是其他人"):
        actions.void_sale(actor=colleague, sale=last, reason="x")
    with pytest.raises(NotFound):
        actions.void_sale(actor=outside_clerk, sale=last, reason="x")
    assert not Sale.objects.filter(voided_at__isnull=False).exists()


def test_the_till_shows_the_buyer_her_age_band_and_points_and_voids_after_a_confirm_step(
        client: Client, clerk, rice, with_points):
    login(client, clerk)
    page = client.get("/charity/sales/new/", {"buyer": with_points.pk}).content.decode()
    assert 'data-testid="buyer-name">张桂英' in page
    assert card_queries.age_band(with_points.age_on(dt.date.today())) in page
    assert "1948-04-04" not in page and "1948" not in page
    assert "5000" in page
    client.post(f"/charity/sales/new/?buyer={with_points.pk}", {
        "buyer": with_points.pk, "item_1": rice.pk, "quantity_1": 1, "points": 3000, "idempotency_key": "s1"})
    sale = Sale.objects.get()
    assert 'data-testid="void-last"' in client.get("/charity/sales/new/").content.decode()
    assert 'data-testid="void-confirm"' in client.get("/charity/sales/void/").content.decode()
    client.post("/charity/sales/void/", {"sale": sale.pk, "reason": "误操作", "idempotency_key": "v"})
    sale.refresh_from_db()
    assert sale.voided_at is not None and seams.points_balance(with_points) == 5000
    assert card_queries.balances(card_queries.live_card_of(with_points))[WalletKind.CHARITY_POINTS] == 5000


def test_the_out_of_stock_count_equals_the_rows_listed_for_this_shop_only(client: Client, clerk, rice, outside_clerk):
    empty = actions.add_item(actor=clerk, name="冬衣", price_fen=0)
    actions.add_item(actor=outside_clerk, name="棉被", price_fen=0)
    entry = registry.counts["charity.out_of_stock"]
    assert entry.allowed(clerk) and entry.count(clerk) == 1
    login(client, clerk)
    page = client.get(entry.url(clerk)).content.decode()
    assert page.count('data-testid="stock-row"') == 1 and empty.name in page and rice.name not in page
    assert entry.count(outside_clerk) == 1 and StockItem.objects.filter(on_hand=0).count() == 2


def test_the_unfinished_allowance_count_equals_the_runs_listed(client: Client, clerk, outside_clerk):
    AllowanceRun.objects.create(subdistrict_id=clerk.subdistrict_id, month=dt.date(2026, 4, 1),
                                points_per_household=100, tags=["subsistence"], granted_by=clerk)
    AllowanceRun.objects.create(subdistrict_id=clerk.subdistrict_id, month=dt.date(2026, 3, 1),
                                points_per_household=100, tags=["subsistence"], granted_by=clerk,
                                completed_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    entry = registry.counts["charity.unfinished_allowance"]
    assert entry.count(clerk) == 1 and entry.count(outside_clerk) == 0
    login(client, clerk)
    assert client.get(entry.url(clerk)).content.decode().count('data-testid="allowance-run"') == 1
