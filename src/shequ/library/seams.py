"""Where the library meets the resident card (cards app): the desk identifies a reader by her card."""

from __future__ import annotations

from shequ.cards import queries as cards
from shequ.population.models import Person


def person_for_card(number: str, *, subdistrict_id: int | None) -> Person:
    """The reader whose resident card this is (a tap at the desk or a typed card number)."""
    return cards.usable_card(number, subdistrict_id=subdistrict_id).person
