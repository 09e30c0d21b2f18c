"""Writing the audit log. Actions call :func:`record` inside their own transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from shequ.core.context import client_ip
from shequ.core.models import AuditEntry, User


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    return value


def record(
    *,
    actor: User | None,
    event: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    subdistrict_id: int | None = None,
) -> AuditEntry:
    """Append one audit entry. Never pass plaintext ID numbers, phones or health values in before/after."""
    if subdistrict_id is None and actor is not None:
        subdistrict_id = actor.subdistrict_id
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=(actor.get_username() if actor else "system"),
        event=event,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
        ip_address=client_ip.get(),
        subdistrict_id=subdistrict_id,
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}
