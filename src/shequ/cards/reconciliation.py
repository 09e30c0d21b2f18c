"""Proof that the books balance: every check is one aggregate query over the whole ledger.

- the sum of all entries is zero, and so is the sum of each transaction's entries;
- every wallet's stored balance equals the sum of its entries, and none is negative.

and every kind of terminal is cross-checked against its own domain's records (:data:`TERMINAL_CHECKS`):

- every transaction a terminal posted is one its kind may post (:data:`shequ.cards.rules.TERMINALS`);
- canteen tills: each meal payment has its meal, at its price (dining registers the check);
- charity tills: each sale payment has its sale, for its points (charity);
- top-up desks: each top-up has its slip, for its amount, at its desk (here);
- library desks: no money at all — a loan moves none (library);
- volunteer kiosks: each shift's banked minutes have their sign-up, for its minutes (volunteers).

A terminal kind without a registered check is itself reported. Apps add further checks through
:data:`EXTRA_CHECKS` (dining: each canteen's settlement equals its ledger account); the nightly job in
:mod:`shequ.cards.tasks` runs them all and raises the alarm.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from shequ.cards.choices import Operation, TerminalKind, TransactionKind
from shequ.cards.models import Entry, TopUpSlip, Transaction, Wallet
from shequ.cards.rules import TERMINALS


@dataclass
class Report:
    entries: int = 0
    transactions: int = 0
    total: int = 0
    unbalanced_transactions: list[int] = field(default_factory=list)
    wallet_mismatches: list[tuple[int, int, int]] = field(default_factory=list)  # (wallet, stored, entries)
    other_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.total or self.unbalanced_transactions or self.wallet_mismatches or self.other_problems)

    def problems(self) -> list[str]:
        found = []
        if self.total:
            found.append(f"all entries sum to {self.total}, not 0")
        found += [f"transaction {pk} does not balance" for pk in self.unbalanced_transactions[:20]]
        found += [f"wallet {pk}: balance {stored}, entries {summed}"
                  for pk, stored, summed in self.wallet_mismatches[:20]]
        return found + self.other_problems


# Each returns a list of human-readable problems; apps append to this list from their AppConfig.ready().
EXTRA_CHECKS: list[Callable[[], list[str]]] = []
# terminal kind → the check of what its devices posted against its app's records; each app registers its own.
TERMINAL_CHECKS: dict[str, Callable[[], list[str]]] = {}


def postings_outside_the_table() -> list[str]:
    """Transactions that terminals posted although their kind may not (a rule bypassed, or changed since).

    Counted from the first transaction that records its operation: earlier ones predate the table."""
    problems: list[str] = []
    first = Transaction.objects.exclude(operation="").order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        return problems
    for kind, rule in TERMINALS.items():
        allowed = [Q(operation=operation, kind=txn_kind) for operation, txn_kind in rule.operations.items()]
        if rule.reverses_own:
            allowed.append(Q(kind=TransactionKind.REVERSAL))
        posted = Transaction.objects.filter(Q(terminal__kind=kind)
                                            | Q(terminal__isnull=True, actor__terminal__kind=kind), pk__gte=first)
        if allowed:
            posted = posted.exclude(reduce(or_, allowed))
        problems += [f"transaction {pk}: a {kind} may not post it" for pk in posted.values_list("pk", flat=True)[:20]]
    return problems


def match_operation(operation: str, records: Iterable[tuple[str | int, int]], what: str) -> list[str]:
    """Each transaction of ``operation`` (not reversals) against its domain record, given as (transaction id
    as text, amount): a transaction without a record, a record without its transaction, a differing amount."""
    def amounts(transactions: Any) -> dict[int, int]:
        return dict(transactions.exclude(kind=TransactionKind.REVERSAL)
                    .annotate(moved=Coalesce(Sum("entries__amount", filter=Q(entries__amount__gt=0)), Value(0)))
                    .values_list("pk", "moved"))

    moved = amounts(Transaction.objects.filter(operation=operation))
    recorded = {str(reference): int(amount) for reference, amount in records if reference}
    # A record may point at a transaction posted before transactions recorded their operation.
    older = sorted(int(reference) for reference in recorded if reference.isdigit() and int(reference) not in moved)
    for start in range(0, len(older), 1000):
        moved.update(amounts(Transaction.objects.filter(operation="", pk__in=older[start:start + 1000])))
    problems = [f"transaction {pk} ({operation}) has no {what}" for pk in sorted(moved) if str(pk) not in recorded]
    problems += [f"{what} of transaction {reference}: no such {operation} transaction"
                 for reference in sorted(recorded) if not reference.isdigit() or int(reference) not in moved]
    problems += [f"transaction {pk} ({operation}) moved {amount}, its {what} says {recorded[str(pk)]}"
                 for pk, amount in sorted(moved.items()) if str(pk) in recorded and recorded[str(pk)] != amount]
    return problems[:50]


def top_up_slips_match() -> list[str]:
    """Top-up desks (and the card desk): every top-up has its slip, for its amount, from the desk that posted it."""
    problems = match_operation(Operation.TOP_UP, TopUpSlip.objects.values_list("transaction_id", "amount_fen"),
                               "top-up slip")
    slips = TopUpSlip.objects.values_list("pk", "terminal_id", "transaction__terminal_id")
    problems += [f"top-up slip {pk} names another desk than its transaction"
                 for pk, desk, posted_by in slips if desk != posted_by][:20]
    return problems


TERMINAL_CHECKS[TerminalKind.TOP_UP_DESK] = top_up_slips_match


def check_books(*, with_extra: bool = True) -> Report:
    report = Report()
    totals = Entry.objects.aggregate(total=Coalesce(Sum("amount"), Value(0)), n=Count("id"),
                                     txns=Count("transaction", distinct=True))
    report.total, report.entries, report.transactions = int(totals["total"]), totals["n"], totals["txns"]
    report.unbalanced_transactions = list(
        Entry.objects.values("transaction").annotate(total=Sum("amount")).exclude(total=0)
        .values_list("transaction", flat=True)[:1000])
    summed = Entry.objects.filter(wallet=OuterRef("pk")).values("wallet").annotate(total=Sum("amount")).values("total")
    report.wallet_mismatches = [
        (pk, stored, int(total)) for pk, stored, total in
        Wallet.objects.annotate(entries_total=Coalesce(Subquery(summed), Value(0)))
        .exclude(balance=F("entries_total")).values_list("pk", "balance", "entries_total")[:1000]
    ]
    if Wallet.objects.filter(balance__lt=0).exists():
        report.other_problems.append("a wallet is negative")
    if with_extra:
        report.other_problems += postings_outside_the_table()
        for kind in TerminalKind.values:
            check = TERMINAL_CHECKS.get(kind)
            if check is None:
                report.other_problems.append(f"no reconciliation is registered for {kind} terminals")
            else:
                report.other_problems += check()
        for check in EXTRA_CHECKS:
            report.other_problems += check()
    return report
