"""Where the library meets the resident card (cards app): the desk identifies a reader by her card, or by her
name among card holders, and sees only her name and masked card (:mod:`shequ.cards.queries`, audited)."""

from __future__ import annotations

from typing import Any

from shequ.cards import queries as cards
from shequ.cards.models import Card
from shequ.cards.queries import DeskHolder
from shequ.population.models import Person

DESK = "library"
holder = cards.desk_holder


def find_reader(*, actor: Any, pick: str = "", card: str = "", query: str = "") -> tuple[Card | None, list[DeskHolder]]:
    """The reader's card, picked from a search (her person id) or presented; else the matches of a name search."""
    return cards.desk_lookup(actor=actor, desk=DESK, pick=pick, card=card, query=query)


def reader_by_card(number: str, *, actor: Any) -> Person:
    """The reader whose resident card this is (a tap at the desk or a typed card number)."""
    return cards.desk_card(actor=actor, number=number, desk=DESK).person


def reader_by_id(person_id: int, *, actor: Any) -> Person:
    """A card holder the desk found before, by her person id."""
    return cards.desk_pick(actor=actor, person_id=person_id, desk=DESK).person


def card_masked(person: Person) -> str:
    """The reader's live card, masked as a desk shows it ("**** 1234"), for her loan slip; "" without a card."""
    card = cards.live_card_of(person)
    return cards.mask_card(card.number) if card is not None else ""
