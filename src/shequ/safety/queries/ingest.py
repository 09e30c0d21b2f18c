"""Reads for the ingest: the device behind an HTTP request's credentials, and the dead letters an administrator
may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.core.scopes import restrict
from shequ.safety import secrets
from shequ.safety.models import DeadLetter, Device


def device_by_secret(code: str, secret: str) -> Device | None:
    """The active device with this ID whose current secret this is; None for a wrong, revoked or missing one.

    A device ID is unique within a sub-district, so two sub-districts may share one: the secret tells them
    apart (each is 32 random bytes).
    """
    candidates = (Device.objects.filter(code=code, active=True, secret_revoked_at__isnull=True)
                  .exclude(secret_hash="").select_related("subdistrict")[:10])
    for device in candidates:
        if secrets.matches(secret, device.secret_hash):
            return device
    return None


def dead_letters(user: Any, *, status: str = "", problem: str = "") -> QuerySet[DeadLetter]:
    """The dead letters ``user`` may see (administrators: their sub-district's), newest first."""
    letters = restrict(DeadLetter.objects.select_related("device", "resolved_by"), user, "view")
    if status:
        letters = letters.filter(status=status)
    if problem:
        letters = letters.filter(problem=problem)
    return letters.order_by("-received_at", "-id")
