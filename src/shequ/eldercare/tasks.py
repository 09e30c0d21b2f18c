"""Periodic jobs of the eldercare app (listed in shequ.core.tasks.PERIODIC_JOBS)."""

from __future__ import annotations

import logging

from shequ.eldercare.actions.roll import refresh_roll
from shequ.eldercare.queries.roll import reassessments_due

log = logging.getLogger(__name__)


def refresh_care_roll() -> int:
    """Daily: bring the care roll in line with the registry (people who moved out or died leave it, new elders of
    80 and elders newly tagged join it), and log the re-assessments due within 30 days, which the workbench shows.
    Returns the number of changes."""
    result = refresh_roll()
    due = reassessments_due().count()
    log.info("care roll: %d joined, %d changed, %d left, %d on the roll; %d re-assessments due within 30 days",
             result.joined, result.changed, result.left, result.on_roll, due)
    return result.joined + result.changed + result.left


def watch_elders() -> int:
    """Every minute: the rules over every elder's home sensors; alerts opened, settled and climbed."""
    from shequ.eldercare.actions.watch import watch

    return watch().changes
