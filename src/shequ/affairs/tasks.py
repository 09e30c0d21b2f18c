"""Periodic jobs of the service centre (listed in shequ.core.tasks.PERIODIC_JOBS)."""

from shequ.affairs import actions


def escalate_overdue() -> int:
    return actions.escalate_overdue()


def escalate_unacknowledged() -> int:
    return actions.escalate_unacknowledged()
