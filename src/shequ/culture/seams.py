"""Where the culture centre meets the resident card (cards app): the card tapped at a room's door."""

from __future__ import annotations

from shequ.cards import queries as cards
from shequ.cards.models import Card


def card_at_door(number: str, *, subdistrict_id: int) -> Card:
    """The usable card tapped at the door of a room of this sub-district, with its holder.

    A card of another sub-district is as unknown as a mistyped number; a lost or frozen one is refused by name
    (:func:`shequ.cards.queries.usable_card`)."""
    return cards.usable_card(number, subdistrict_id=subdistrict_id)


def masked(number: str) -> str:
    return cards.mask_card(number)
