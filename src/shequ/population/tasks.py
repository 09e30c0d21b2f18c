"""Background jobs of the registry, run by ``shequ worker`` (see shequ.core.tasks)."""

from shequ.population import actions


def expire_permits() -> int:
    return actions.expire_permits()


def remind_expiring_permits() -> int:
    return actions.remind_expiring_permits()
