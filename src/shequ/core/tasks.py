"""Periodic background jobs. Each app lists its own; ``shequ worker`` runs them on schedule.

A job is a plain function that takes no arguments and returns a count for the log. Jobs must be
safe to run twice (they are: each marks what it has done), so several workers do no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: str  # dotted path, imported when run
    every_seconds: int

    def load(self) -> Callable[[], int]:
        return import_string(self.function)


PERIODIC_JOBS = [
    PeriodicJob("expire residence permits", "shequ.population.tasks.expire_permits", 3600),
    PeriodicJob("remind permit holders", "shequ.population.tasks.remind_expiring_permits", 3600),
    PeriodicJob("reconcile the card ledger", "shequ.cards.tasks.reconcile_books", 86400),
    PeriodicJob("cancel cards of people who left", "shequ.cards.tasks.cancel_cards_of_departed", 3600),
    PeriodicJob("remind readers of overdue books", "shequ.library.tasks.remind_overdue", 3600),
    PeriodicJob("pass on uncollected library holds", "shequ.library.tasks.expire_uncollected_holds", 3600),
]
