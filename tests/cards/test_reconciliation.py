from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.cards import actions, queries, tasks
from shequ.cards.choices import CancelReason, CardStatus, WalletKind
from shequ.cards.models import Account, Card, Entry, Transaction, Wallet
from shequ.cards.reconciliation import check_books
from shequ.core.models import AuditEntry, User
from shequ.population import actions as population_actions
from tests.conftest import SentTexts


def test_the_nightly_job_records_that_the_books_balance(card: Card, clerk: User,
                                                       canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=900)
    actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=300, counter_account=canteen_account)
    assert tasks.reconcile_books() == 0
    entry = AuditEntry.objects.get(event=tasks.BOOKS_BALANCED)
    # The clerk's notes counted into the desk's box, the top-up from it, the payment: two entries each.
    assert entry.after["entries"] == 6 and entry.after["total"] == 0


def test_a_wallet_that_disagrees_with_its_entries_raises_the_alarm(
        card: Card, clerk: User, admin: User, texts: SentTexts) -> None:
    admin.phone = "13900001111"
    admin.save()
    actions.top_up(actor=clerk, card=card, amount_fen=900)
    Wallet.objects.filter(card=card, kind=WalletKind.CASH).update(balance=1900)  # tampered behind the ledger's back
    report = check_books()
    assert not report.ok and report.wallet_mismatches[0][1:] == (1900, 900)
    assert tasks.reconcile_books() == 1
    alarm = AuditEntry.objects.get(event=tasks.BOOKS_UNBALANCED)
    assert "balance 1900, entries 900" in alarm.after["problems"][0]
    assert [phone for phone, _text in texts] == ["13900001111"]
    assert tasks.reconcile_books() == 1  # the job run again the same day (a restarted worker) texts no one twice
    assert [phone for phone, _text in texts] == ["13900001111"]


def test_an_entry_on_a_canteen_account_without_a_meal_is_reported(org: Any, clerk: User, card: Card) -> None:
    from shequ.dining import actions as dining_actions

    canteen = dining_actions.create_canteen(actor=User.objects.get(username="admin"), name="测试食堂")
    txn = Transaction.objects.create(kind="credit", subdistrict_id=org.subdistrict.pk, card=card)
    cash_box = actions.system_account(org.subdistrict.pk, "cash_box")
    Entry.objects.bulk_create([Entry(transaction=txn, account=canteen.account, amount=100),
                               Entry(transaction=txn, account=cash_box, amount=-100)])
    report = check_books()
    assert report.total == 0 and not report.ok
    assert any("测试食堂" in problem for problem in report.problems())


@pytest.fixture
def admin_user(admin: User) -> User:
    return admin


def test_cards_of_people_who_died_or_moved_away_are_cancelled_and_paid_out(
        card: Card, clerk: User, admin_user: User, resident_person: Any, org: Any) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=700)
    population_actions.record_death(actor=admin_user, person=resident_person, died_on=dt.date.today())
    assert tasks.cancel_cards_of_departed() == 1
    card.refresh_from_db()
    assert card.status == CardStatus.CANCELLED and card.cancel_reason == CancelReason.DEATH
    assert queries.balances(card)[WalletKind.CASH] == 0
    assert queries.account_total(actions.system_account(org.subdistrict.pk, "refunds")) == 700
    assert AuditEntry.objects.filter(event=actions.CARD_CANCELLED, object_id=str(card.pk), actor=None).exists()
    assert tasks.cancel_cards_of_departed() == 0
    assert check_books().ok


def _rogue_posting(terminal: Any, operation: str, kind: str) -> int:
    """A transaction written past the actions (as a bypass or a bug would): balanced, between two accounts."""
    fund = actions.system_account(terminal.subdistrict_id, "subsidy_fund")
    txn = Transaction.objects.create(kind=kind, operation=operation, terminal=terminal, actor=terminal.user,
                                     subdistrict_id=terminal.subdistrict_id)
    Entry.objects.bulk_create([Entry(transaction=txn, account=terminal.account, amount=100),
                               Entry(transaction=txn, account=fund, amount=-100)])
    return txn.pk


@pytest.mark.parametrize(("kind", "operation", "txn_kind", "complaint"), [
    ("canteen_till", "meal", "payment", "has no meal"),
    ("charity_till", "sale", "payment", "has no sale"),
    ("top_up_desk", "top_up", "top_up", "has no top-up slip"),
    ("library_desk", "", "payment", "posted by a library desk"),
    ("volunteer_kiosk", "shift", "credit", "has no sign-up"),
])
def test_the_nightly_reconciliation_flags_a_terminal_posting_without_its_domain_record(
        kind: str, operation: str, txn_kind: str, complaint: str, register: Any, card: Card, clerk: User) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=900)  # a top-up with its slip: nothing to flag
    assert check_books().ok, check_books().problems()
    terminal, _client = register(kind)
    pk = _rogue_posting(terminal, operation, txn_kind)
    problems = check_books().problems()
    assert any(f"transaction {pk}" in problem and complaint in problem for problem in problems), problems


def test_the_reconciliation_flags_a_record_whose_amount_differs_from_its_transaction(
        card: Card, clerk: User) -> None:
    from shequ.cards.models import TopUpSlip

    actions.top_up(actor=clerk, card=card, amount_fen=900)
    slip = TopUpSlip.objects.get()
    TopUpSlip.objects.filter(pk=slip.pk).update(amount_fen=9000)
    assert any("says 9000" in problem for problem in check_books().problems())


def test_a_terminal_kind_without_a_registered_check_is_itself_a_problem(monkeypatch: Any, db: Any) -> None:
    from shequ.cards import reconciliation

    monkeypatch.setattr(reconciliation, "TERMINAL_CHECKS", {
        kind: check for kind, check in reconciliation.TERMINAL_CHECKS.items() if kind != "library_desk"})
    assert "no reconciliation is registered for library_desk terminals" in check_books().problems()
