from __future__ import annotations

from typing import Any

import pytest

from shequ.cards import actions, numbers, queries
from shequ.cards.choices import CancelReason, CardStatus, WalletKind
from shequ.cards.models import Account, Card, Transaction
from shequ.cards.reconciliation import check_books
from shequ.core.errors import Conflict, NotFound
from shequ.core.models import AuditEntry, User
from shequ.population.models import Person


def test_a_card_number_has_a_luhn_check_digit_and_a_signed_qr_code(card: Card) -> None:
    assert numbers.is_valid(card.number)
    wrong = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    assert not numbers.is_valid(wrong)
    assert queries.card_by_qr(numbers.qr_payload(card.number)) == card
    with pytest.raises(NotFound):
        queries.card_by_qr(numbers.QR_SCHEME + card.number + ":forged")


def test_issuing_a_card_opens_four_empty_wallets_and_is_audited(card: Card, clerk: User) -> None:
    assert queries.balances(card) == dict.fromkeys(WalletKind.values, 0)
    entry = AuditEntry.objects.get(event=actions.CARD_ISSUED, object_id=str(card.pk))
    assert entry.actor == clerk
    assert entry.after["number"] == card.number


def test_card_lookup_by_number_accepts_spaces_and_refuses_a_bad_check_digit(card: Card) -> None:
    assert queries.card_by_number(card.number_display) == card
    with pytest.raises(NotFound):
        queries.card_by_number(card.number[:-1] + str((int(card.number[-1]) + 3) % 10))


def test_a_person_cannot_hold_two_live_cards(card: Card, clerk: User, resident_person: Person) -> None:
    with pytest.raises(Conflict):
        actions.issue_card(actor=clerk, person=resident_person)


def test_a_clerk_of_another_neighborhood_cannot_issue_or_freeze_cards_here(
        yuyuan_clerk: User, resident_person: Person, card: Card) -> None:
    with pytest.raises(NotFound):
        actions.freeze(actor=yuyuan_clerk, card=card)
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE


def test_a_lost_card_refuses_payments_and_the_refusal_posts_nothing(
        card: Card, clerk: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=5000)
    actions.report_lost(actor=clerk, card=card, reason="丢在公交车上")
    assert AuditEntry.objects.filter(event=actions.CARD_LOST, object_id=str(card.pk)).exists()
    count = Transaction.objects.count()
    with pytest.raises(actions.CardNotUsable):
        actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=100, counter_account=canteen_account)
    assert Transaction.objects.count() == count
    assert queries.balances(card)[WalletKind.CASH] == 5000


def test_freezing_and_unfreezing_are_audited_and_a_frozen_card_cannot_pay(
        card: Card, clerk: User, canteen_account: Account) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=1000)
    actions.freeze(actor=clerk, card=card, reason="家属申请")
    with pytest.raises(actions.CardNotUsable):
        actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=100, counter_account=canteen_account)
    actions.unfreeze(actor=clerk, card=card)
    actions.pay(actor=clerk, card=card, wallet=WalletKind.CASH, amount_fen=100, counter_account=canteen_account)
    events = set(AuditEntry.objects.filter(object_id=str(card.pk), object_type="cards.card")
                 .values_list("event", flat=True))
    assert {actions.CARD_FROZEN, actions.CARD_UNFROZEN} <= events


def test_reissuing_a_lost_card_carries_every_balance_over_by_a_ledger_transfer(
        card: Card, clerk: User, org: Any) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=2345)
    fund = actions.system_account(org.subdistrict.pk, "subsidy_fund")
    actions.credit(actor=clerk, card=card, wallet=WalletKind.MEAL_SUBSIDY, amount_fen=600, counter_account=fund)
    actions.report_lost(actor=clerk, card=card)
    new = actions.reissue_card(actor=clerk, card=card, reason="补卡")
    card.refresh_from_db()
    assert card.status == CardStatus.CANCELLED and card.cancel_reason == CancelReason.REPLACED
    assert new.reissue_of == card and numbers.is_valid(new.number) and new.number != card.number
    assert queries.balances(new)[WalletKind.CASH] == 2345
    assert queries.balances(new)[WalletKind.MEAL_SUBSIDY] == 600
    assert queries.balances(card) == dict.fromkeys(WalletKind.values, 0)
    assert Transaction.objects.filter(kind="transfer", card=card).count() == 1
    assert AuditEntry.objects.filter(event=actions.CARD_REISSUED, object_id=str(new.pk)).exists()
    assert check_books().ok


def test_cancelling_on_death_pays_out_cash_and_returns_allowances_to_their_funds(
        card: Card, clerk: User, org: Any) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=800)
    fund = actions.system_account(org.subdistrict.pk, "charity_fund")
    actions.credit(actor=clerk, card=card, wallet=WalletKind.CHARITY_POINTS, amount_fen=300, counter_account=fund)
    actions.cancel_card(actor=clerk, card=card, reason=CancelReason.DEATH)
    card.refresh_from_db()
    assert card.status == CardStatus.CANCELLED and card.cancel_reason == CancelReason.DEATH
    assert queries.balances(card) == dict.fromkeys(WalletKind.values, 0)
    assert queries.account_total(actions.system_account(org.subdistrict.pk, "refunds")) == 800
    assert queries.account_total(fund) == 0
    assert AuditEntry.objects.filter(event=actions.CARD_CANCELLED, object_id=str(card.pk)).exists()
    assert check_books().ok


def test_a_cancelled_card_frees_the_person_for_a_new_card(card: Card, clerk: User, resident_person: Person) -> None:
    actions.cancel_card(actor=clerk, card=card, reason=CancelReason.REQUESTED)
    assert actions.issue_card(actor=clerk, person=resident_person).status == CardStatus.ACTIVE


def test_a_card_follows_its_holder_to_her_new_neighborhood(
        card: Card, admin: User, yuyuan_clerk: User, resident_person: Person, org: Any) -> None:
    from shequ.population import actions as population_actions

    assert not queries.cards(yuyuan_clerk).filter(pk=card.pk).exists()
    population_actions.move_person(actor=admin, person=resident_person, dwelling=org.yuyuan_dwellings[0],
                                   new_household=True)
    assert queries.cards(yuyuan_clerk).filter(pk=card.pk).exists()
