"""The charity shop's actions: donations with receipts, append-only stock, allowances, sales with points and cash."""

import datetime as dt

import pytest

from shequ.cards.models import Transaction
from shequ.charity import actions, queries, seams
from shequ.charity.choices import MovementKind
from shequ.charity.models import Allowance, Sale, StockItem, StockMovement
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry


def test_a_donation_raises_the_stock_gets_a_receipt_number_and_is_audited(clerk):
    item = actions.add_item(actor=clerk, name="冬衣", price_fen=1000)
    donation = actions.receive_donation(actor=clerk, donor_name="李先生", donor_phone="139 0000 2222",
                                        lines=[(item, 3), (item, 2)])
    item.refresh_from_db()
    assert item.on_hand == 5
    assert donation.receipt_number.startswith("JZ") and str(donation.pk) in donation.receipt_number
    assert donation.donor_phone == "13900002222"
    entry = AuditEntry.objects.get(event=actions.DONATION_RECEIVED, object_id=str(donation.pk))
    assert entry.actor == clerk and entry.after["receipt"] == donation.receipt_number
    assert "13900002222" not in str(entry.after)


def test_a_donation_needs_a_donor_and_goods(clerk, rice):
    with pytest.raises(Invalid):
        actions.receive_donation(actor=clerk, donor_name=" ", lines=[(rice, 1)])
    with pytest.raises(Invalid):
        actions.receive_donation(actor=clerk, donor_name="王", lines=[])
    with pytest.raises(Invalid):
        actions.receive_donation(actor=clerk, donor_name="王", lines=[(rice, 0)])


def test_stock_movements_cannot_be_edited_or_deleted(rice):
    movement = StockMovement.objects.get(item=rice)
    with pytest.raises(PermissionError):
        movement.save()
    with pytest.raises(PermissionError):
        StockMovement.objects.filter(item=rice).update(quantity=99)
    with pytest.raises(PermissionError):
        StockMovement.objects.filter(item=rice).delete()


def test_a_write_off_takes_goods_out_with_a_reason_and_cannot_go_below_zero(clerk, rice):
    item = actions.adjust_stock(actor=clerk, item=rice, quantity=-2, reason="受潮", kind=MovementKind.WRITE_OFF)
    assert item.on_hand == 8
    assert AuditEntry.objects.get(event=actions.STOCK_ADJUSTED).reason == "受潮"
    with pytest.raises(Conflict):
        actions.adjust_stock(actor=clerk, item=rice, quantity=-9, reason="盘点")
    rice.refresh_from_db()
    assert rice.on_hand == 8


def test_a_committee_worker_cannot_receive_donations(alice, rice):
    with pytest.raises(NotFound):
        actions.receive_donation(actor=alice, donor_name="王", lines=[(rice, 1)])


def test_a_clerk_of_another_subdistrict_cannot_use_this_shops_goods(outside_clerk, rice):
    with pytest.raises(NotFound):
        actions.receive_donation(actor=outside_clerk, donor_name="王", lines=[(rice, 1)])


def test_the_monthly_allowance_goes_once_to_each_eligible_household(clerk, eligible, make_person):
    make_person("李梅")  # no eligible tag
    run = actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 17), points_per_household=5000,
                                          tags=["subsistence"])
    assert run.month == dt.date(2026, 5, 1)
    assert [(a.recipient, a.points) for a in Allowance.objects.all()] == [(eligible, 5000)]
    assert seams.points_balance(eligible) == 5000
    entry = AuditEntry.objects.get(event=actions.ALLOWANCE_GRANTED, object_id=str(run.pk))
    assert entry.after["households"] == 1
    with pytest.raises(Conflict):
        actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=5000,
                                        tags=["subsistence"])


def test_a_sale_takes_points_then_cash_and_lowers_the_stock(clerk, rice, eligible):
    actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=5000,
                                    tags=["subsistence"])
    sale = actions.sell(actor=clerk, buyer=eligible, lines=[(rice, 2)], points=5000)
    assert (sale.total_fen, sale.points_paid, sale.cash_fen) == (6000, 5000, 1000)
    payment = Transaction.objects.get(pk=sale.ledger_reference)
    assert payment.idempotency_key.endswith(f":charity-sale-{sale.pk}")
    assert sorted(payment.entries.values_list("amount", flat=True)) == [-5000, 5000]
    rice.refresh_from_db()
    assert rice.on_hand == 8
    assert seams.points_balance(eligible) == 0
    entry = AuditEntry.objects.get(event=actions.SALE_MADE, object_id=str(sale.pk))
    assert entry.after["points"] == 5000 and entry.after["cash_fen"] == 1000


def test_a_sale_is_refused_for_more_points_than_she_has_or_more_goods_than_in_stock(clerk, rice, eligible):
    with pytest.raises(Conflict):
        actions.sell(actor=clerk, buyer=eligible, lines=[(rice, 1)], points=100)
    with pytest.raises(Conflict):
        actions.sell(actor=clerk, buyer=eligible, lines=[(rice, 11)], points=0)
    with pytest.raises(Invalid):
        actions.sell(actor=clerk, buyer=eligible, lines=[(rice, 1)], points=3001)
    assert not Sale.objects.exists()
    rice.refresh_from_db()
    assert rice.on_hand == 10


def test_the_stock_report_reconciles_levels_to_movements(clerk, rice, eligible):
    actions.sell(actor=clerk, buyer=eligible, lines=[(rice, 3)], points=0)
    actions.adjust_stock(actor=clerk, item=rice, quantity=1, reason="盘盈")
    (row,) = queries.stock_report(clerk)
    assert (row.received, row.sold, row.adjusted, row.item.on_hand) == (10, 3, 1, 8)
    assert row.reconciles
    StockItem.objects.filter(pk=rice.pk).update(on_hand=99)  # someone edits the level behind the app's back
    (row,) = queries.stock_report(clerk)
    assert not row.reconciles


def test_a_resident_sees_only_her_own_sales(clerk, rice, resident, resident_person, eligible):
    mine = actions.sell(actor=clerk, buyer=resident_person, lines=[(rice, 1)], points=0)
    actions.sell(actor=clerk, buyer=eligible, lines=[(rice, 1)], points=0)
    assert list(queries.sales(resident)) == [mine]
