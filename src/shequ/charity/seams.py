"""Where the charity shop meets the resident card and its ledger (cards app).

Points live only in the card's charity-points wallet: the allowance is a credit from the sub-district's charity
fund, a sale's points a payment to the charity-shop account, each posted with the charity row's reference as
its idempotency key. Cash is paid at the till in notes and does not touch the ledger.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shequ.cards import actions as card_actions
from shequ.cards import queries as cards
from shequ.cards.choices import AccountKind, Operation, WalletKind
from shequ.cards.models import Card, Transaction
from shequ.cards.queries import DeskHolder
from shequ.core.errors import Conflict, NotFound
from shequ.core.models import User
from shequ.population.models import Person

DESK = "charity"
holder = cards.desk_holder
till_holder = cards.till_holder


def find_buyer(*, actor: Any, pick: str = "", card: str = "", query: str = "") -> tuple[Card | None, list[DeskHolder]]:
    """The buyer's card, picked from a search (her person id) or presented; else the matches of a name search
    among card holders (:mod:`shequ.cards.queries`: name and masked card only, audited)."""
    return cards.desk_lookup(actor=actor, desk=DESK, pick=pick, card=card, query=query)


def points_balance(person: Person) -> int:
    """Charity points in the person's card (0 without a card: points can only be held on one)."""
    return cards.wallet_balance(person, WalletKind.CHARITY_POINTS)


def post_points_credit(*, actor: User, card: Card, points: int, reference: str) -> str:
    """Credit the monthly allowance to the card's charity-points wallet; returns the ledger transaction id."""
    fund = card_actions.system_account(card.subdistrict_id, AccountKind.CHARITY_FUND)
    txn = card_actions.credit(actor=actor, card=card, wallet=WalletKind.CHARITY_POINTS, amount_fen=points,
                              counter_account=fund, idempotency_key=reference, memo=reference)
    return str(txn.pk)


def post_sale_payment(*, actor: User, person: Person, points: int, reference: str) -> str:
    """Take a sale's points from the buyer's card; a sale without points needs no card and posts nothing."""
    if points == 0:
        return ""
    card = cards.active_card_of(person)
    if card is None:
        raise Conflict(_("%(name)s has no active resident card; paying with points needs one.")
                       % {"name": person.name}, field="points")
    shop = card_actions.place_account(actor, card.subdistrict_id, AccountKind.CHARITY_SHOP)
    txn = card_actions.pay(actor=actor, card=card, wallet=WalletKind.CHARITY_POINTS, amount_fen=points,
                           counter_account=shop, idempotency_key=reference, memo=reference, operation=Operation.SALE)
    return str(txn.pk)


def reverse_sale_payment(*, actor: User, reference: str, reason: str, idempotency_key: str) -> str:
    """Give a voided sale's points back: reverse its ledger payment (``reference``, the transaction id kept on
    the sale); a sale paid all in cash posted nothing and reverses nothing. Returns the reversal's id or ""."""
    if not reference:
        return ""
    payment = Transaction.objects.filter(pk=int(reference)).first() if reference.isdigit() else None
    if payment is None or payment.operation != Operation.SALE:
        raise NotFound()
    return str(card_actions.reverse(actor=actor, transaction=payment, reason=reason,
                                    idempotency_key=idempotency_key).pk)
