"""Where the library meets the resident card (cards app): the desk identifies a reader by her card."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shequ.cards import queries as cards
from shequ.cards.models import Card
from shequ.core.errors import Conflict, NotFound
from shequ.population.models import Person


def usable_card(number: str, *, subdistrict_id: int | None) -> Card:
    """The active card with this number, held by someone the actor's sub-district serves.

    A card of another sub-district is as unknown as a mistyped number; a lost, frozen or cancelled card is
    refused by name, so the desk can tell the holder why (a lost card may be in a stranger's hand)."""
    card = cards.card_by_number(number)
    if subdistrict_id is None or card.subdistrict_id != subdistrict_id:
        raise NotFound(_("No card with this number."), field="card")
    if not card.can_transact:
        raise Conflict(_("Card %(number)s is %(status)s and cannot be used.") % {
            "number": card.number, "status": card.get_status_display().lower()}, field="card")
    return card


def person_for_card(number: str, *, subdistrict_id: int | None) -> Person:
    """The reader whose resident card this is (a tap at the desk or a typed card number)."""
    return usable_card(number, subdistrict_id=subdistrict_id).person
