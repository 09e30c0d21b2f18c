"""Reads of cards and the ledger. Other apps (dining, volunteers, charity, library) call these.

Public surface (stable; other apps depend on it):

    card_by_number(number: str) -> Card        # spaces allowed; bad check digit or unknown → NotFound
    card_by_qr(payload: str) -> Card           # the signed payload of the card's QR code → NotFound if forged
    live_card_of(person: Person) -> Card | None   # the person's card that is not cancelled
    balances(card: Card) -> dict[str, int]     # wallet kind → balance (fen; minutes for the time bank)
    recent_transactions(card: Card, limit: int = 20) -> list[Transaction]
    account_total(account: Account, *, start=None, end=None) -> int   # sum of its entries in [start, end)
    system_account(subdistrict_id: int, kind: str, code: str = "", name: str = "") -> Account   # opened on first use
    cards(user, action="view") -> QuerySet[Card]                       # scoped, for pages and the API
    transactions(user, action="view") -> QuerySet[Transaction]         # scoped
    terminals(user, action="view") -> QuerySet[Terminal]               # scoped
    terminal_by_token(token: str) -> Terminal | None                   # active terminals only

``card_by_number`` and ``card_by_qr`` are not scoped: the card is the holder's credential, presented at
a till anywhere in the sub-district; what a caller must check is its own place (terminal, canteen),
which :mod:`shequ.cards.actions` does for every posting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from shequ.cards import numbers
from shequ.cards.actions import system_account, token_hash
from shequ.cards.choices import CardStatus, WalletKind
from shequ.cards.models import Account, Card, Entry, Terminal, Transaction
from shequ.core.errors import Conflict, NotFound
from shequ.core.scopes import restrict
from shequ.population.models import Person

__all__ = [
    "account_total", "balances", "card_by_number", "card_by_qr", "cards", "live_card_of", "recent_transactions",
    "system_account", "terminal_by_token", "terminals", "transactions",
]


def card_by_number(number: str) -> Card:
    cleaned = numbers.normalize(number or "")
    if not numbers.is_valid(cleaned):
        raise NotFound(_("No card with this number."))
    card = Card.objects.select_related("person").filter(number=cleaned).first()
    if card is None:
        raise NotFound(_("No card with this number."))
    return card


def card_by_qr(payload: str) -> Card:
    number = numbers.number_from_qr((payload or "").strip())
    if number is None:
        raise NotFound(_("This QR code is not a valid card."))
    return card_by_number(number)


def live_card_of(person: Person) -> Card | None:
    return Card.objects.filter(person=person).exclude(status=CardStatus.CANCELLED).first()


def usable_card(number: str, *, subdistrict_id: int | None) -> Card:
    """The active card with this number, held by someone the actor's sub-district serves (a tap at a desk,
    a till or a kiosk).

    A card of another sub-district is as unknown as a mistyped number; a lost, frozen or cancelled card is
    refused by name, so the counter can tell the holder why (a lost card may be in a stranger's hand)."""
    card = card_by_number(number)
    if subdistrict_id is None or card.subdistrict_id != subdistrict_id:
        raise NotFound(_("No card with this number."), field="card")
    if not card.can_transact:
        raise Conflict(_("Card %(number)s is %(status)s and cannot be used.") % {
            "number": card.number, "status": card.get_status_display().lower()}, field="card")
    return card


def active_card_of(person: Person) -> Card | None:
    """The person's card if it can be used now (not lost, frozen or cancelled)."""
    card = live_card_of(person)
    return card if card is not None and card.can_transact else None


def wallet_balance(person: Person, wallet: str) -> int:
    """One wallet of the person's card; 0 without a card (the wallets are the card's)."""
    card = live_card_of(person)
    return balances(card)[wallet] if card is not None else 0


def balances(card: Card) -> dict[str, int]:
    found = dict(card.wallets.values_list("kind", "balance"))
    return {kind: found.get(kind, 0) for kind in WalletKind.values}


def recent_transactions(card: Card, limit: int = 20) -> list[Transaction]:
    return list(Transaction.objects.filter(card=card).prefetch_related("entries__wallet", "entries__account")
                .order_by("-created_at", "-id")[:limit])


def account_total(account: Account, *, start: dt.datetime | None = None, end: dt.datetime | None = None) -> int:
    entries = Entry.objects.filter(account=account)
    if start is not None:
        entries = entries.filter(transaction__created_at__gte=start)
    if end is not None:
        entries = entries.filter(transaction__created_at__lt=end)
    return int(entries.aggregate(total=Sum("amount"))["total"] or 0)


def cards(user: Any, action: str = "view") -> QuerySet[Card]:
    return restrict(Card.objects.select_related("person"), user, action)


def transactions(user: Any, action: str = "view") -> QuerySet[Transaction]:
    return restrict(Transaction.objects.all(), user, action)


def terminals(user: Any, action: str = "view") -> QuerySet[Terminal]:
    return restrict(Terminal.objects.select_related("account"), user, action)


def terminal_by_token(token: str) -> Terminal | None:
    if not token:
        return None
    return Terminal.objects.select_related("account", "user").filter(
        token_hash=token_hash(token), is_active=True).first()
