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

Service desks (library, charity shop, volunteers) find the people they serve only here, through
``restrict(Card, user, "desk")``, and every look-up writes an audit row:

    desk_card(actor=, number=, desk=) -> Card           # the holder of the card presented; NotFound / Conflict
    desk_search(actor=, query=, desk=) -> list[DeskHolder]   # by name or pinyin, card holders only; no phone
    desk_pick(actor=, person_id=, desk=) -> Card         # the holder chosen from a search, by her person id
    desk_holder(card) -> DeskHolder                      # what a desk page shows of her
    desk_lookup(actor=, desk=, pick=, card=, query=)     # one of the three, as a desk page asks
    till_holder(card, day=None) -> TillHolder            # a till's view of her: also her age band, no birth date

``card_by_number`` and ``card_by_qr`` are not scoped: the card is the holder's credential, presented at
a till anywhere in the sub-district; what a caller must check is its own place (terminal, canteen),
which :mod:`shequ.cards.actions` does for every posting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.cards import numbers
from shequ.cards.actions import record_desk_lookup, system_account, token_hash
from shequ.cards.choices import CardStatus, WalletKind
from shequ.cards.models import Account, Card, Entry, Terminal, Transaction
from shequ.cards.templatetags.money import yuan
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.registry import TileLine
from shequ.core.scopes import restrict
from shequ.core.text import looks_like_pinyin
from shequ.population.choices import PersonStatus
from shequ.population.models import Person

__all__ = [
    "AGE_BANDS", "DeskHolder", "TillHolder", "account_total", "age_band", "balances", "card_by_number", "card_by_qr",
    "cards", "desk_card", "desk_holder", "desk_lookup", "desk_pick", "desk_search", "live_card_of",
    "recent_transactions", "system_account", "terminal_by_token", "terminals", "till_holder", "transactions",
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


# Service desks ----------------------------------------------------------------------------------------------
#
# A librarian, a charity-shop clerk or a volunteer coordinator serves the residents who hold a resident card,
# and needs no more of the registry than who is in front of her: she finds the holder by the card presented,
# or by name among card holders, and sees the name and a masked card number. A desk never searches by phone
# or ID number: a reverse look-up would tell whoever sits there whose a number is, which no desk needs to serve
# anyone (the holder has her card, or says her name). Each look-up is audited by kind and result count.

DESK_SEARCH_LIMIT = 20


@dataclass(frozen=True)
class DeskHolder:
    """What a desk sees of a card holder: no address, ID number or phone."""

    person_id: int
    name: str
    card_masked: str
    card_status: str
    usable: bool


def mask_card(number: str) -> str:
    """The last four digits of a card number, enough to tell two holders of one name apart at a desk."""
    return "**** " + number[-4:] if len(number) > 4 else "****"


@dataclass(frozen=True)
class TillHolder(DeskHolder):
    """What a till shows of who is paying: a desk's view and her age band (never her birth date or exact age,
    which beside her name would narrow her ID number; see docs/privacy.md)."""

    age_band: str = ""


# (lowest age, highest age or None): the bands a till names, matching the meal subsidy's age bands.
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 59), (60, 69), (70, 79), (80, 89), (90, None))


def age_band(age: int) -> str:
    """"70–79岁", "90岁以上", "未满60岁": the band an age falls in, as a till or desk may show it."""
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            if low == 0:
                return _("Under %(age)d") % {"age": (high or 0) + 1}
            if high is None:
                return _("%(age)d and over") % {"age": low}
            return _("Aged %(low)d–%(high)d") % {"low": low, "high": high}
    return ""


def till_holder(card: Card, day: dt.date | None = None) -> TillHolder:
    desk = desk_holder(card)
    return TillHolder(**desk.__dict__, age_band=age_band(card.person.age_on(day or timezone.localdate())))


def desk_holder(card: Card) -> DeskHolder:
    return DeskHolder(person_id=card.person_id, name=card.person.name, card_masked=mask_card(card.number),
                      card_status=str(card.get_status_display()), usable=card.can_transact)


def _desk_cards(user: Any) -> QuerySet[Card]:
    """Live cards (not cancelled) the user may look up at her desk, with their holders."""
    return restrict(Card.objects.exclude(status=CardStatus.CANCELLED).select_related("person"), user, "desk")


def desk_card(*, actor: Any, number: str, desk: str) -> Card:
    """The usable card presented at the desk (a tap or a typed number), with its holder.

    A card the desk may not look up is as unknown as a mistyped number; a lost or frozen card is refused by
    name, so the desk can tell the holder why (a lost card may be in a stranger's hand)."""
    cleaned = numbers.normalize(number or "")
    card = _desk_cards(actor).filter(number=cleaned).first() if numbers.is_valid(cleaned) else None
    record_desk_lookup(actor=actor, desk=desk, kind="card", results=int(card is not None),
                       person=card.person if card is not None else None)
    if card is None:
        raise NotFound(_("No card with this number."), field="card")
    if not card.can_transact:
        raise Conflict(_("Card %(number)s is %(status)s and cannot be used.") % {
            "number": card.number, "status": card.get_status_display().lower()}, field="card")
    return card


def _query_kind(text: str) -> str:
    compact = text.replace(" ", "").replace("-", "")
    if compact and (compact.isdigit() or compact[:-1].isdigit()):
        return "number"  # a phone, an ID number (its last character may be X) or a card number typed here
    return "pinyin" if looks_like_pinyin(text) else "name"


def desk_search(*, actor: Any, query: str, desk: str, limit: int = DESK_SEARCH_LIMIT) -> list[DeskHolder]:
    """Card holders whose name (characters, full pinyin or initials) starts with ``query``.

    A query of digits is refused, not searched: a desk finds a holder by her card (the card field) or her name,
    never by a phone or ID number."""
    text = (query or "").strip()
    if not text:
        return []
    kind = _query_kind(text)
    if kind == "number":
        record_desk_lookup(actor=actor, desk=desk, kind=kind, results=0, refused=True)
        raise Invalid(_("A desk finds a resident by her card or her name, not by a phone or ID number."),
                      field="query")
    found = _desk_cards(actor).filter(person__status=PersonStatus.ACTIVE)
    if kind == "pinyin":
        letters = text.replace(" ", "").lower()
        found = found.filter(Q(person__name_initials__startswith=letters) | Q(person__name_pinyin__startswith=letters))
    else:
        found = found.filter(person__name__startswith=text)
    # Only what a desk shows: the holders' ID numbers and phones are not read, let alone decrypted.
    found = found.only("number", "status", "person__name")
    holders = [desk_holder(card) for card in found.order_by("person__name_pinyin", "person_id")[:limit]]
    record_desk_lookup(actor=actor, desk=desk, kind=kind, results=len(holders))
    return holders


def desk_pick(*, actor: Any, person_id: int, desk: str) -> Card:
    """The live card of the holder chosen from a search result (a link carries her person id)."""
    card = _desk_cards(actor).filter(person_id=person_id).first()
    record_desk_lookup(actor=actor, desk=desk, kind="pick", results=int(card is not None),
                       person=card.person if card is not None else None)
    if card is None:
        raise NotFound(field="person")
    return card


def desk_lookup(*, actor: Any, desk: str, pick: str = "", card: str = "", query: str = ""
                ) -> tuple[Card | None, list[DeskHolder]]:
    """One look-up at a desk page: the holder picked from a search result (``pick``, her person id), else the
    card presented, else a name search. Returns the chosen holder's card, or the matches of the search."""
    if pick:
        if not pick.isdigit() or len(pick) > 18:
            raise NotFound(field="person")
        return desk_pick(actor=actor, person_id=int(pick), desk=desk), []
    if card:
        return desk_card(actor=actor, number=card, desk=desk), []
    return None, desk_search(actor=actor, query=query, desk=desk)


# Workbench counts


def lost_cards_count(user: Any) -> int:
    """Cards reported lost and not yet reissued or cancelled: holders waiting for a new card."""
    return cards(user, "change").filter(status=CardStatus.LOST).count()


# Portal tiles


def my_card_tile(user: Any) -> list[Any]:
    """Her card's balances: cash and meal subsidy in ¥, charity points as points, the time bank in hours."""
    card = cards(user).exclude(status=CardStatus.CANCELLED).first()
    if card is None:
        return [TileLine(_("Card"), _("none yet"))]
    found = balances(card)
    lines = [
        TileLine(_("Cash"), "¥" + yuan(found[WalletKind.CASH])),
        TileLine(_("Meal subsidy"), "¥" + yuan(found[WalletKind.MEAL_SUBSIDY])),
        TileLine(_("Charity points"), _("%(n)d points") % {"n": found[WalletKind.CHARITY_POINTS]}),
        TileLine(_("Time bank"), _("%(hours)s hours") % {"hours": _hours(found[WalletKind.TIME_BANK])}),
    ]
    if card.status != CardStatus.ACTIVE:
        lines.insert(0, TileLine(_("Card"), str(card.get_status_display()), warn=True))
    return lines


def _hours(minutes: int) -> str:
    """Minutes as hours with at most one decimal: 90 → "1.5", 120 → "2"."""
    tenths = round(minutes / 6)
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
