"""Background jobs of the library, run by ``shequ worker`` (see shequ.core.tasks)."""

from shequ.library import actions


def remind_overdue() -> int:
    return actions.remind_overdue()


def expire_uncollected_holds() -> int:
    return actions.expire_uncollected_holds()
