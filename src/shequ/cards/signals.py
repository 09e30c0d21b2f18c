"""Signals the card office sends, so that apps which follow a card (door credentials) need not be called by name.

``card_status_changed`` is sent inside the action's transaction, after the card is saved: a receiver that
writes (blocking a door credential) commits or rolls back with the card's change itself.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``card``, ``before`` (its old status), ``after`` (its new status), ``actor`` (None for a system job)
# and ``replaced_by`` (the new card of a reissue, else None).
card_status_changed = Signal()
