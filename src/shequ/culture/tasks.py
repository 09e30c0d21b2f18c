"""Periodic jobs of the culture app (listed in shequ.core.tasks.PERIODIC_JOBS)."""

from __future__ import annotations

from shequ.culture.actions import release_no_shows as _release


def release_no_shows() -> int:
    """Every minute: release bookings not checked in 15 minutes after their start; complete those that ended."""
    return _release()
