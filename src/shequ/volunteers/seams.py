"""Where volunteering meets the resident card and its time-bank wallet (cards app).

Hours live only in the card's time-bank wallet (in minutes): a shift served is a credit from the
sub-district's time-bank account, a service received a payment back to it, each posted with the volunteer
row's reference as its idempotency key.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shequ.cards import actions as card_actions
from shequ.cards import queries as cards
from shequ.cards.choices import AccountKind, Operation, TerminalKind, WalletKind
from shequ.cards.queries import DeskHolder
from shequ.core.errors import Conflict
from shequ.core.models import User
from shequ.population.models import Person

DESK = "volunteers"


def person_for_card(number: str, *, actor: Any) -> Person:
    """The volunteer tapping her card at the kiosk (a desk look-up: :mod:`shequ.cards.queries`, audited)."""
    return cards.desk_card(actor=actor, number=number, desk=DESK).person


def find_resident(*, actor: Any, query: str) -> list[DeskHolder]:
    """Card holders to register as volunteers, by name or pinyin: name and masked card only."""
    return cards.desk_search(actor=actor, query=query, desk=DESK)


def resident_by_id(person_id: int, *, actor: Any) -> Person:
    """A card holder the coordinator found before, by her person id."""
    return cards.desk_pick(actor=actor, person_id=person_id, desk=DESK).person


def time_bank_balance(person: Person) -> int:
    """Minutes in the person's time bank (0 without a card: the time bank is a wallet of the card)."""
    return cards.wallet_balance(person, WalletKind.TIME_BANK)


def post_time_credit(*, actor: User, person: Person, minutes: int, reference: str) -> str:
    """Bank the minutes served; returns the ledger transaction id, or "" when she has no active card.

    The hours still count as served (certificates, reports read the sign-up); only banking them needs a card,
    and a check-out is never refused for want of one."""
    card = cards.active_card_of(person)
    if card is None:
        return ""
    bank = card_actions.place_account(actor, card.subdistrict_id, AccountKind.TIME_BANK)
    txn = card_actions.credit(actor=actor, card=card, wallet=WalletKind.TIME_BANK, amount_fen=minutes,
                              counter_account=bank, idempotency_key=reference, memo=reference,
                              operation=Operation.SHIFT)
    return str(txn.pk)


# The platform's own volunteer kiosk that banks the minutes of care visits checked out at an elder's door.
CARE_VISITS_KIOSK = "关爱探访"


def post_care_visit_credit(*, person: Person, minutes: int, reference: str, subdistrict_id: int) -> str:
    """Bank the minutes of a care visit (eldercare) as the sub-district's care-visits kiosk: whoever checked the
    visit out, the posting is a kiosk's, which may credit time and nothing else. Returns the ledger transaction id,
    or "" when she has no active card or the kiosk has been deactivated (the minutes then wait on the visit)."""
    terminal = card_actions.platform_terminal(subdistrict_id, TerminalKind.VOLUNTEER_KIOSK, CARE_VISITS_KIOSK)
    if not terminal.is_active:
        return ""
    return post_time_credit(actor=terminal.user, person=person, minutes=minutes, reference=reference)


def post_time_spend(*, actor: User, person: Person, minutes: int, reference: str) -> str:
    """Take minutes from the person's time bank for a service received; returns the ledger transaction id."""
    card = cards.active_card_of(person)
    if card is None:
        raise Conflict(_("%(name)s has no active resident card; time-bank hours are kept on it.")
                       % {"name": person.name}, field="minutes")
    bank = card_actions.system_account(card.subdistrict_id, AccountKind.TIME_BANK)
    txn = card_actions.pay(actor=actor, card=card, wallet=WalletKind.TIME_BANK, amount_fen=minutes,
                           counter_account=bank, idempotency_key=reference, memo=reference)
    return str(txn.pk)
