"""Retries give one answer: a request sent again under its idempotency key gets the row the first one made.

Each app keeps the key and a fingerprint of the request on the row it writes (a ledger transaction, a charity
sale); the fingerprint tells a true retry from a second, different request that reuses the key by mistake.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import Conflict, Invalid

MAX_KEY_LENGTH = 100

Row = TypeVar("Row", bound=Model)


def fingerprint(*parts: Any) -> str:
    """A digest of what a request asked for (JSON-serialisable parts, in a fixed order)."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def scoped_key(key: str | None, owner: str) -> str:
    """A client's idempotency key made unique to whoever sent it (``owner``: "u12" for a user, "t3" for a
    terminal), so that two clients never share a key; '' when there is none."""
    key = (key or "").strip()
    if not key:
        return ""
    if len(key) > MAX_KEY_LENGTH:
        raise Invalid(_("The idempotency key is longer than %(n)d characters.") % {"n": MAX_KEY_LENGTH},
                      field="idempotency_key")
    return f"{owner}:{key}"


def replay(rows: QuerySet[Row], key: str | None, request_fingerprint: str, *, conflict: str) -> Row | None:
    """The row an earlier request under ``key`` made, marked ``replayed``; None for a new key. The same key with
    another fingerprint is a :class:`Conflict` with the ``conflict`` message."""
    if not key:
        return None
    earlier = rows.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != request_fingerprint:  # type: ignore[attr-defined]
        raise Conflict(conflict, field="idempotency_key")
    earlier.replayed = True  # type: ignore[attr-defined]
    return earlier
