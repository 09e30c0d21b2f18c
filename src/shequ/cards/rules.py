"""What may move where in the card ledger: the one declared table, enforced by :func:`shequ.cards.actions.post`.

Three rules, each checked inside the posting action (not in a view), so no code path can bypass them:

1. **Legs.** Each transaction kind allows only some movements, written ``from → to``: the side whose entry is
   negative (the payer) and the side whose entry is positive (the payee). A side is a wallet kind of the card
   or the kind of a system account. Every payer × payee pair of a transaction must be in :data:`LEGS`; a
   reversal is allowed exactly when the reversed transaction was (its pairs turned round).
2. **Terminals.** A registered device posts only the operations of its :class:`TerminalRule` (a meal, a
   sale, a top-up: what the transaction is for, named by the app's action that posts it, so a bare payment
   or credit is never a terminal's), always with its own account as one side (its place), and touches no
   other system account than its ``funds``. A library desk and a volunteer kiosk post nothing that moves cash.
3. **Funding.** Every system account has a floor of 0, except the few in :data:`OVERDRAFT_KINDS` (funds
   whose money comes from outside the ledger: the subsidy and charity budgets, the time bank, the cash the
   clerk counts in). Those may go below zero, but pay out at most their daily limit per day
   (:func:`daily_limit`, in ``settings.SHEQU_LEDGER_DAILY_LIMITS`` or the defaults below).

The terminal-kind table, as documented for operators:

================  =================  ============================  ================================
terminal kind     settles into       may post                      movements
================  =================  ============================  ================================
canteen till      canteen            meals (payment), reversal of  cash / meal-subsidy wallet,
                                     its own                       subsidy fund → canteen
charity till      charity shop       sales (payment), reversal of  charity-points / cash wallet →
                                     its own                       charity shop
top-up desk       its cash box       cash-in, top-up               cash intake → cash box;
                                                                   cash box → cash wallet
library desk      library            nothing                       —
volunteer kiosk   time bank          a shift served (credit)       time bank → time-bank wallet
================  =================  ============================  ================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.cards.choices import AccountKind, Operation, TerminalKind, TransactionKind, WalletKind
from shequ.cards.models import Account, Entry
from shequ.core.errors import Conflict, Forbidden


def wallet(kind: str) -> str:
    return f"wallet:{kind}"


def account(kind: str) -> str:
    return f"account:{kind}"


_SAME_WALLET = frozenset((wallet(kind), wallet(kind)) for kind in WalletKind.values)

# transaction kind → the (from, to) movements it may make.
LEGS: dict[str, frozenset[tuple[str, str]]] = {
    TransactionKind.CASH_IN: frozenset({
        (account(AccountKind.CASH_INTAKE), account(AccountKind.CASH_BOX)),
    }),
    TransactionKind.TOP_UP: frozenset({
        (account(AccountKind.CASH_BOX), wallet(WalletKind.CASH)),
    }),
    TransactionKind.PAYMENT: frozenset({
        (wallet(WalletKind.CASH), account(AccountKind.CANTEEN)),
        (wallet(WalletKind.MEAL_SUBSIDY), account(AccountKind.CANTEEN)),
        (account(AccountKind.SUBSIDY_FUND), account(AccountKind.CANTEEN)),
        (wallet(WalletKind.CHARITY_POINTS), account(AccountKind.CHARITY_SHOP)),
        (wallet(WalletKind.CASH), account(AccountKind.CHARITY_SHOP)),
        (wallet(WalletKind.CASH), account(AccountKind.LIBRARY)),
        (wallet(WalletKind.TIME_BANK), account(AccountKind.TIME_BANK)),
    }),
    TransactionKind.CREDIT: frozenset({
        (account(AccountKind.SUBSIDY_FUND), wallet(WalletKind.MEAL_SUBSIDY)),
        (account(AccountKind.CHARITY_FUND), wallet(WalletKind.CHARITY_POINTS)),
        (account(AccountKind.TIME_BANK), wallet(WalletKind.TIME_BANK)),
    }),
    TransactionKind.TRANSFER: _SAME_WALLET,
    TransactionKind.PAYOUT: frozenset({
        (wallet(WalletKind.CASH), account(AccountKind.REFUNDS)),
        (wallet(WalletKind.MEAL_SUBSIDY), account(AccountKind.SUBSIDY_FUND)),
        (wallet(WalletKind.CHARITY_POINTS), account(AccountKind.CHARITY_FUND)),
        (wallet(WalletKind.TIME_BANK), account(AccountKind.TIME_BANK)),
    }),
}


@dataclass(frozen=True)
class TerminalRule:
    """What one kind of device may do: the account kind it settles into (its place), the operations it posts
    with the ledger transaction kind of each, whether it may reverse its own, and the other system accounts
    that may take part (a meal's subsidy share comes from the subsidy fund)."""

    account: str
    operations: dict[str, str] = field(default_factory=dict)
    reverses_own: bool = False
    funds: frozenset[str] = frozenset()


TERMINALS: dict[str, TerminalRule] = {
    TerminalKind.CANTEEN_TILL: TerminalRule(
        account=AccountKind.CANTEEN, operations={Operation.MEAL: TransactionKind.PAYMENT}, reverses_own=True,
        funds=frozenset({AccountKind.SUBSIDY_FUND})),
    TerminalKind.CHARITY_TILL: TerminalRule(
        account=AccountKind.CHARITY_SHOP, operations={Operation.SALE: TransactionKind.PAYMENT}, reverses_own=True),
    TerminalKind.TOP_UP_DESK: TerminalRule(
        account=AccountKind.CASH_BOX,
        operations={Operation.CASH_IN: TransactionKind.CASH_IN, Operation.TOP_UP: TransactionKind.TOP_UP},
        funds=frozenset({AccountKind.CASH_INTAKE})),
    TerminalKind.LIBRARY_DESK: TerminalRule(account=AccountKind.LIBRARY),
    TerminalKind.VOLUNTEER_KIOSK: TerminalRule(
        account=AccountKind.TIME_BANK, operations={Operation.SHIFT: TransactionKind.CREDIT}),
}

# System accounts that may go below zero: their money comes from outside the ledger. All others stop at 0.
OVERDRAFT_KINDS = frozenset({AccountKind.SUBSIDY_FUND, AccountKind.CHARITY_FUND, AccountKind.TIME_BANK,
                             AccountKind.CASH_INTAKE})
# What each may pay out in one day (fen; points; minutes), per account; settings.SHEQU_LEDGER_DAILY_LIMITS
# overrides any of them.
DEFAULT_DAILY_LIMITS: dict[str, int] = {
    AccountKind.SUBSIDY_FUND: 5_000_000,     # ¥50 000 of meal subsidies a day
    AccountKind.CHARITY_FUND: 20_000_000,    # the monthly allowance of a large sub-district in one run
    AccountKind.TIME_BANK: 1_000_000,        # minutes banked a day
    AccountKind.CASH_INTAKE: 10_000_000,     # ¥100 000 counted into the cash boxes a day
}


def daily_limit(kind: str) -> int | None:
    """The most an overdraft account may pay out in one day; None for an account with a floor of 0."""
    if kind not in OVERDRAFT_KINDS:
        return None
    configured: dict[str, int] = getattr(settings, "SHEQU_LEDGER_DAILY_LIMITS", {}) or {}
    return int(configured.get(kind, DEFAULT_DAILY_LIMITS[kind]))


class NotAllowedHere(Forbidden):
    code = "not_allowed_here"
    default_message = gettext_lazy("This device or account may not post this transaction.")


class AccountNotFunded(Conflict):
    code = "account_not_funded"
    default_message = gettext_lazy("The paying account does not hold enough.")


class DailyLimitExceeded(Conflict):
    code = "account_daily_limit"
    default_message = gettext_lazy("The paying fund has reached its limit for today.")


def pairs(legs: Iterable[tuple[str, int]]) -> set[tuple[str, str]]:
    """Every payer × payee pair of a transaction's legs, given as (side, signed amount)."""
    listed = list(legs)
    payers = {side for side, amount in listed if amount < 0}
    payees = {side for side, amount in listed if amount > 0}
    return {(payer, payee) for payer in payers for payee in payees}


def check_legs(kind: str, movements: set[tuple[str, str]], *, reverses: str | None = None) -> None:
    """Refuse a movement the transaction kind does not allow (a reversal: what its original allowed)."""
    if kind == TransactionKind.REVERSAL:
        allowed = frozenset((to, frm) for frm, to in LEGS.get(reverses or "", frozenset()))
    else:
        allowed = LEGS.get(kind, frozenset())
    for frm, to in sorted(movements - allowed):
        raise NotAllowedHere(_("A %(kind)s may not move value from %(from)s to %(to)s.") % {
            "kind": TransactionKind(kind).label, "from": _side_label(frm), "to": _side_label(to)})


def check_terminal(terminal_kind: str, kind: str, operation: str, *, reversing: str = "") -> None:
    """Refuse what this kind of device may not post, with a message naming both. ``reversing``: the
    operation of the transaction a reversal undoes."""
    rule = TERMINALS.get(terminal_kind, TerminalRule(account=""))
    label = TerminalKind(terminal_kind).label if terminal_kind in TerminalKind.values else terminal_kind
    if kind == TransactionKind.REVERSAL:
        allowed = rule.reverses_own and reversing in rule.operations
        what = str(_("reversal"))
    else:
        allowed = operation in rule.operations and rule.operations[operation] == kind
        what = str(Operation(operation).label if operation in Operation.values else TransactionKind(kind).label)
    if not allowed:
        raise NotAllowedHere(_("A %(terminal)s may not post this: %(what)s.") % {"terminal": label, "what": what})


def check_terminal_accounts(terminal_kind: str, own_account_kind: str, other_account_kinds: set[str],
                            touches_own: bool) -> None:
    """A device moves value only at its own place: its own account is a side, others only its funds."""
    rule = TERMINALS.get(terminal_kind, TerminalRule(account=""))
    if not touches_own or own_account_kind != rule.account or not other_account_kinds <= rule.funds:
        raise NotAllowedHere(_("A terminal moves value only at its own place (its account)."))


def check_funding(legs: Sequence[tuple[Account, int]]) -> None:
    """Lock the system accounts that pay (by id, last in the lock order) and refuse what they cannot fund:
    an account below its floor of 0, or an overdraft fund past its limit for the day."""
    paying: dict[int, int] = {}
    for account, amount in legs:
        paying[account.pk] = paying.get(account.pk, 0) + amount
    paying = {pk: -net for pk, net in paying.items() if net < 0}
    if not paying:
        return
    day_start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    for account in Account.objects.select_for_update().filter(pk__in=paying).order_by("pk"):
        out = paying[account.pk]
        limit = daily_limit(account.kind)
        entries = Entry.objects.filter(account=account)
        if limit is None:
            balance = int(entries.aggregate(total=Sum("amount"))["total"] or 0)
            if balance < out:
                raise AccountNotFunded(_("%(account)s holds %(balance)s, %(needed)s needed.") % {
                    "account": account.name, "balance": balance, "needed": out},
                    details={"account": account.code, "balance": balance, "needed": out})
        else:
            today = -int(entries.filter(amount__lt=0, transaction__created_at__gte=day_start)
                         .aggregate(total=Sum("amount"))["total"] or 0)
            if today + out > limit:
                raise DailyLimitExceeded(
                    _("%(account)s may pay out %(limit)s a day; %(today)s already paid today.") % {
                        "account": account.name, "limit": limit, "today": today},
                    details={"account": account.code, "limit": limit, "today": today, "needed": out})


def _side_label(side: str) -> str:
    what, kind = side.split(":", 1)
    if what == "wallet":
        return str(WalletKind(kind).label)
    return str(AccountKind(kind).label)
