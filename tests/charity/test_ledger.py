"""Charity points live in the card's charity-points wallet: the allowance and sales move them in the ledger,
a household without a card is listed but not credited, and the books still balance."""

import datetime as dt

import pytest

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.choices import AccountKind
from shequ.cards.models import Transaction
from shequ.cards.reconciliation import check_books
from shequ.charity import actions, queries, seams
from shequ.charity.models import Allowance, Sale
from shequ.core.errors import Conflict
from shequ.core.models import AuditEntry
from shequ.population.models import Tag

MAY = dt.date(2026, 5, 1)


def _subsistence():
    tag, _created = Tag.objects.get_or_create(code="subsistence", defaults={"name": "低保"})
    return tag


def _grant(clerk, points=5000):
    return actions.grant_monthly_allowance(actor=clerk, month=MAY, points_per_household=points, tags=["subsistence"])


def test_the_allowance_and_a_sale_move_points_through_the_ledger_and_the_books_balance(clerk, rice, eligible):
    _grant(clerk)
    card = card_queries.live_card_of(eligible)
    assert card_queries.balances(card)["charity_points"] == 5000
    fund = card_actions.system_account(card.subdistrict_id, AccountKind.CHARITY_FUND)
    assert card_queries.account_total(fund) == -5000
    actions.sell(actor=clerk, buyer=eligible, lines=[(rice, 1)], points=2000)
    shop = card_actions.system_account(card.subdistrict_id, AccountKind.CHARITY_SHOP)
    assert card_queries.balances(card)["charity_points"] == 3000
    assert card_queries.account_total(shop) == 2000
    assert seams.points_balance(eligible) == 3000
    report = check_books()
    assert report.ok, report.problems()


def test_a_household_without_a_card_is_listed_as_no_card_and_credited_nothing(clerk, make_person):
    head = make_person("赵大爷", birth=dt.date(1940, 1, 1), relationship="head", tags=[_subsistence()])
    run = _grant(clerk)
    (allowance,) = Allowance.objects.all()
    assert (allowance.recipient, allowance.points, allowance.ledger_reference) == (head, 0, "")
    assert not Transaction.objects.exists()
    assert AuditEntry.objects.get(event=actions.ALLOWANCE_GRANTED, object_id=str(run.pk)).after["no_card"] == 1
    (listed,) = queries.allowance_runs(clerk)
    assert (listed.households, listed.no_card) == (0, 1)


def test_the_allowance_report_page_says_no_card(client, clerk, make_person):
    make_person("赵大爷", birth=dt.date(1940, 1, 1), relationship="head", tags=[_subsistence()])
    run = _grant(clerk)
    client.force_login(clerk)
    assert "No card" in client.get(f"/charity/allowances/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_allowance_goes_to_a_member_with_a_card_when_the_head_has_none(clerk, admin, make_person, org):
    head = make_person("赵大爷", birth=dt.date(1940, 1, 1), relationship="head", tags=[_subsistence()])
    wife = make_person("钱阿姨", birth=dt.date(1945, 1, 1), relationship="spouse", new_household=False,
                       household=head.household)
    card_actions.issue_card(actor=admin, person=wife)
    _grant(clerk)
    assert Allowance.objects.get().recipient == wife
    assert seams.points_balance(wife) == 5000 and seams.points_balance(head) == 0


def test_a_sale_with_points_needs_an_active_card_but_a_cash_sale_does_not(clerk, admin, rice, make_person, eligible):
    walk_in = make_person("孙先生", sex="M", birth=dt.date(1970, 1, 1))
    with pytest.raises(Conflict, match=r"一卡通|resident card"):
        actions.sell(actor=clerk, buyer=walk_in, lines=[(rice, 1)], points=100)
    sale = actions.sell(actor=clerk, buyer=walk_in, lines=[(rice, 1)], points=0)
    assert sale.ledger_reference == "" and sale.cash_fen == 3000
    _grant(clerk)
    card_actions.freeze(actor=admin, card=card_queries.live_card_of(eligible), reason="核查")
    with pytest.raises(Conflict, match=r"一卡通|resident card"):
        actions.sell(actor=clerk, buyer=eligible, lines=[(rice, 1)], points=100)
    assert Sale.objects.count() == 1


def test_posting_the_same_allowance_twice_credits_it_once(clerk, eligible):
    _grant(clerk)
    allowance = Allowance.objects.get()
    card = card_queries.live_card_of(eligible)
    again = seams.post_points_credit(actor=clerk, card=card, points=5000, reference=f"charity-allowance-{allowance.pk}")
    assert again == allowance.ledger_reference
    assert card_queries.balances(card)["charity_points"] == 5000
