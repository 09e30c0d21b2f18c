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
    assert entry.after["entries"] == 4 and entry.after["total"] == 0


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
