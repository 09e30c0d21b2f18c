"""Proof that the books balance: every check is one aggregate query over the whole ledger.

- the sum of all entries is zero, and so is the sum of each transaction's entries;
- every wallet's stored balance equals the sum of its entries, and none is negative.

Other apps add their own checks through :data:`EXTRA_CHECKS` (dining: each canteen's settlement equals
its ledger account); the nightly job in :mod:`shequ.cards.tasks` runs them all and raises the alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from shequ.cards.models import Entry, Wallet


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
        for check in EXTRA_CHECKS:
            report.other_problems += check()
    return report
