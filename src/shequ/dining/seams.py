"""Where the canteen till meets the resident card (cards app): the operator finds the diner by the card she
shows (its number or QR code) or by her name among card holders, and sees her name, masked card and age
band, never her birth date (:mod:`shequ.cards.queries`, each look-up audited)."""

from __future__ import annotations

from typing import Any

from shequ.cards import numbers
from shequ.cards import queries as cards
from shequ.cards.models import Card
from shequ.cards.queries import DeskHolder

DESK = "canteen"
holder = cards.till_holder


def find_diner(*, actor: Any, pick: str = "", card: str = "", query: str = "") -> tuple[Card | None, list[DeskHolder]]:
    """The diner's card, picked from a search (her person id) or presented (number or QR payload); else the
    matches of a name search among card holders."""
    text = (card or "").strip()
    if text.startswith("SHEQU-CARD:"):
        text = numbers.number_from_qr(text) or "invalid"
    return cards.desk_lookup(actor=actor, desk=DESK, pick=pick, card=text, query=query)
