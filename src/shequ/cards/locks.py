"""The one lock order of every app that moves value, so that two flows on the same card can never deadlock.

Inside one database transaction, row locks are taken in this order and never the other way round:

1. **cards**, by id, through :func:`lock_cards` (a card lock never locks its holder's person row: no flow
   locks a person to spend or credit, so a resident paying at the canteen and the charity shop at the same
   moment queue on her card and nothing else);
2. the cards' **wallets**, by id (done by :func:`shequ.cards.actions.post`);
3. an app's own rows of the same operation, by id (a sign-up, a volunteer, stock items of a sale);
4. **system accounts** that pay out, by id (done by ``post`` for the floor and the daily limit).

A flow that needs a card takes it first, before its own rows, even if it will only post at the end.
"""

from __future__ import annotations

from collections.abc import Iterable

from shequ.cards.models import Card


def lock_cards(cards: Iterable[Card | int]) -> list[Card]:
    """Lock the cards (row locks until the transaction ends) in id order; only the card rows themselves."""
    ids = sorted({card if isinstance(card, int) else card.pk for card in cards})
    if not ids:
        return []
    return list(Card.objects.select_for_update(of=("self",)).select_related("person")
                .filter(pk__in=ids).order_by("pk"))


def lock_card(card: Card | int) -> Card:
    """One card, locked as :func:`lock_cards` does (with its holder loaded, not locked)."""
    pk = card if isinstance(card, int) else card.pk
    found = lock_cards([pk])
    if not found:
        raise Card.DoesNotExist(pk)
    return found[0]
