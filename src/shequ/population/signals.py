"""Signals the registry sends, so that apps which follow it (door credentials) need not be called by name.

``life_event_recorded`` is sent inside the action's transaction, after the life event is saved: a receiver
that writes (revoking a door credential) commits or rolls back with the registry change itself.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``person``, ``event`` (the LifeEvent) and ``actor`` when a move-out, a death or a move within the
# sub-district is recorded.
life_event_recorded = Signal()
