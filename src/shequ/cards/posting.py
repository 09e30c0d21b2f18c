"""How a posting is checked and written: the internals behind :func:`shequ.cards.actions.post`.

Kept apart from the actions so that the rules of one posting read in one place: who may post where
(:func:`check_place`, with the table of :mod:`shequ.cards.rules`), the idempotency key, and the move itself
under the one lock order of :mod:`shequ.cards.locks` (:func:`apply`). Only :mod:`shequ.cards.actions` calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.cards import locks, rules
from shequ.cards.choices import WalletKind
from shequ.cards.models import Account, Card, Entry, Terminal, Transaction, Wallet
from shequ.core import idempotency
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import User
from shequ.core.scopes import can

MAX_AMOUNT = 10_000_000  # 100 000 yuan: far above any real payment, far below overflow.


class InsufficientBalance(Conflict):
    code = "insufficient_balance"
    default_message = gettext_lazy("The balance is not enough.")


class CardNotUsable(Conflict):
    code = "card_not_usable"
    default_message = gettext_lazy("This card is not active.")


@dataclass(frozen=True)
class Leg:
    """One side of a posting: a wallet kind of the transaction's card, or a system account; signed amount."""

    amount: int
    wallet: str = ""
    account: Account | None = None


def require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def terminal_of(actor: User) -> Terminal | None:
    """The terminal whose service user ``actor`` is: its postings obey the terminal's rules on every path."""
    if not getattr(actor, "pk", None):
        return None
    return Terminal.objects.select_related("account").filter(user_id=actor.pk).first()


def amount_of(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT:
        raise Invalid(_("The amount must be a whole number of fen between 1 and %(max)s.") % {"max": MAX_AMOUNT},
                      field="amount_fen")
    return value


def scoped_key(actor: User, terminal: Terminal | None, key: str) -> str | None:
    owner = f"t{terminal.pk}" if terminal is not None else f"u{actor.pk}"
    return idempotency.scoped_key(key, owner) or None


def fingerprint_of(kind: str, card: Card | None, legs: Sequence[Leg], extra: str = "") -> str:
    described = sorted((leg.wallet, leg.account.pk if leg.account else 0, leg.amount) for leg in legs)
    return idempotency.fingerprint(kind, card.pk if card else None, described, extra)


def replay(key: str, fingerprint: str) -> Transaction | None:
    return idempotency.replay(Transaction.objects.all(), key, fingerprint,
                              conflict=_("This idempotency key was already used for a different request."))


def sides(legs: Sequence[Leg]) -> list[tuple[str, int]]:
    return [(rules.wallet(leg.wallet) if leg.wallet else rules.account(leg.account.kind if leg.account else ""),
             leg.amount) for leg in legs]


def check_place(actor: User, terminal: Terminal | None, subdistrict_id: int, legs: Sequence[Leg], kind: str,
                operation: str, *, reverses: Transaction | None = None) -> Terminal | None:
    """Who may post this, where: returns the terminal the posting is made by (the actor's own, if any).

    A terminal's service user always posts as its terminal, so the table of :mod:`shequ.cards.rules` holds
    whichever view or app called; a terminal named by the caller that is not the actor's own is refused."""
    require(actor, Transaction, "add")
    own = terminal_of(actor)
    if (terminal is not None and (own is None or own.pk != terminal.pk)) or (own is not None and not own.is_active):
        raise NotFound()
    if own is not None:
        rules.check_terminal(own.kind, kind, operation, reversing=reverses.operation if reverses else "")
        accounts = [leg.account for leg in legs if leg.account is not None]
        rules.check_terminal_accounts(own.kind, own.account.kind,
                                      {account.kind for account in accounts if account.pk != own.account_id},
                                      touches_own=any(account.pk == own.account_id for account in accounts))
    elif actor.subdistrict_id != subdistrict_id:
        raise NotFound()
    for leg in legs:
        if leg.account is not None and leg.account.subdistrict_id != subdistrict_id:
            raise NotFound()
    rules.check_legs(kind, rules.pairs(sides(legs)), reverses=reverses.kind if reverses else None)
    return own


def apply(txn: Transaction, card: Card | None, legs: Sequence[Leg], *, require_active: bool) -> None:
    """Check and move: lock the card, then its wallets by id (the lock order of :mod:`shequ.cards.locks`, so
    concurrent spends queue and none can overdraw), then the paying accounts; refuse what would go below
    zero or past a fund's daily limit; write the entries."""
    wallets: dict[str, Wallet] = {}
    change: dict[str, int] = {}
    if card is not None:
        locked_card = locks.lock_card(card)
        if require_active and not locked_card.can_transact:
            raise CardNotUsable(_("Card %(number)s is %(status)s.") % {
                "number": locked_card.number, "status": locked_card.get_status_display()})
        for leg in legs:
            if leg.wallet:
                change[leg.wallet] = change.get(leg.wallet, 0) + leg.amount
        wallets = {w.kind: w for w in Wallet.objects.select_for_update().filter(
            card=locked_card, kind__in=list(change)).order_by("pk")}
    for wallet_kind, delta in change.items():
        balance = wallets[wallet_kind].balance
        if balance + delta < 0:
            raise InsufficientBalance(
                _("Not enough in the %(wallet)s wallet: %(balance)s, %(needed)s needed.") % {
                    "wallet": WalletKind(wallet_kind).label, "balance": balance, "needed": -delta},
                details={"wallet": wallet_kind, "balance": balance, "needed": -delta})
    rules.check_funding([(leg.account, leg.amount) for leg in legs if leg.account is not None])
    running = {kind: wallet.balance for kind, wallet in wallets.items()}
    entries = []
    for leg in legs:
        if leg.wallet:
            running[leg.wallet] += leg.amount
            entries.append(Entry(transaction=txn, wallet=wallets[leg.wallet], amount=leg.amount,
                                 balance_after=running[leg.wallet]))
        else:
            entries.append(Entry(transaction=txn, account=leg.account, amount=leg.amount))
    for wallet_kind, delta in change.items():
        if delta:
            Wallet.objects.filter(pk=wallets[wallet_kind].pk).update(balance=F("balance") + delta)
    Entry.objects.bulk_create(entries)
