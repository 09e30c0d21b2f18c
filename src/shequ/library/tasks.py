"""Background jobs of the library, run by ``shequ worker`` (see shequ.core.tasks)."""

from shequ.library import actions


def remind_overdue() -> int:
    return actions.remind_overdue()
