"""Writing and reading the audit log. Actions call :func:`record` inside their own transaction.

The audit log is itself personal data, so the writer keeps sensitive personal information out of the clear
in one place, whatever a caller passes:

- every entry has a category: ``health`` for health data (the health and linkage apps, or a caller's
  explicit ``category=``), general otherwise. Health entries are shown only to roles that may read them
  (:func:`readable_categories`);
- a health entry keeps its before/after values and its reason only encrypted (``sealed``); the clear columns
  name the fields, never the values, and its label names the person and the kind of object, never the
  diagnosis that ``str()`` of a condition would give;
- in every entry the values of :data:`SENSITIVE_KEYS` (ID number, phone, birth date) are sealed and replaced
  in the clear by what the display policy shows anyone (the masks of :mod:`shequ.core.crypto`);
- any ID number or mobile number left in a label, a value or a reason is masked on the way in.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.module_loading import import_string

from shequ.core import crypto, roles
from shequ.core.context import client_ip
from shequ.core.models import AuditEntry, User

GENERAL = ""
HEALTH = "health"
CATEGORIES = (GENERAL, HEALTH)
SEALED = "***"

# Objects and events whose audit entries are health data (the linkage app matches clinic records to people).
_HEALTH_OBJECTS = frozenset(roles.HEALTH_MODELS) | frozenset(roles.LINKAGE_MODELS)
_HEALTH_EVENT_PREFIXES = ("health.", "linkage.")


def _date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return SEALED
    return crypto.mask_birth_date(value) if isinstance(value, dt.date) else SEALED


# What stays in the clear of a sensitive value: what the display policy shows a user without the reveal right.
SENSITIVE_KEYS: dict[str, Callable[[Any], Any]] = {
    "id_number": lambda value: crypto.mask_id_number(str(value or "")),
    "phone": lambda value: crypto.mask_phone(crypto.normalize_phone(str(value or ""))),
    "caller_phone": lambda value: crypto.mask_phone(crypto.normalize_phone(str(value or ""))),
    "birth_date": _date,
}

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")


def scrub(text: str) -> str:
    """``text`` with every ID number and mobile number in it masked."""
    text = _ID_NUMBER.sub(lambda m: crypto.mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: crypto.mask_phone(crypto.normalize_phone(m.group(0))), text)


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


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    return value


def _split(snapshot: dict[str, Any] | None, *, health: bool,
           clear_keys: frozenset[str]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(what stays in the clear, what is sealed) of one snapshot."""
    if snapshot is None:
        return None, {}
    if health:
        return ({key: _scrubbed(value) if key in clear_keys else SEALED for key, value in snapshot.items()},
                {key: value for key, value in snapshot.items() if key not in clear_keys})
    clear, sealed = {}, {}
    for key, value in snapshot.items():
        redact = SENSITIVE_KEYS.get(key)
        already_masked = isinstance(value, str) and "*" in value
        if redact is not None and value not in (None, "") and not already_masked:
            clear[key], sealed[key] = redact(value), value
        else:
            clear[key] = _scrubbed(value)
    return clear, sealed


def category_of(event: str, obj: models.Model | None) -> str:
    if obj is not None and obj._meta.label_lower in _HEALTH_OBJECTS:
        return HEALTH
    return HEALTH if event.startswith(_HEALTH_EVENT_PREFIXES) else GENERAL


def _label(obj: models.Model, category: str) -> str:
    if category != HEALTH:
        return scrub(str(obj))
    # A condition's or an alert's str() names the diagnosis: a health entry names only whose and what kind.
    person = getattr(obj, "person", None)
    kind = str(obj._meta.verbose_name)
    if obj._meta.label_lower == "population.person":
        return str(obj)
    return f"{person} · {kind}" if person is not None else f"{kind} #{obj.pk}"


def record(
    *,
    actor: User | None,
    event: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    subdistrict_id: int | None = None,
    category: str | None = None,
    clear: tuple[str, ...] = (),
) -> AuditEntry:
    """Append one audit entry; sensitive parts are sealed as the module says. ``category`` overrides the one
    that the object and the event's app imply (a health worker's assignment is not health data, say);
    ``clear`` names keys of a health entry that say nothing about anyone's health and stay searchable
    (which page a read came from)."""
    if subdistrict_id is None and actor is not None:
        subdistrict_id = actor.subdistrict_id
    if category is None:
        category = category_of(event, obj)
    health = category == HEALTH
    clear_keys = frozenset(clear) - frozenset(SENSITIVE_KEYS)
    clear_before, sealed_before = _split(_jsonable(before), health=health, clear_keys=clear_keys)
    clear_after, sealed_after = _split(_jsonable(after), health=health, clear_keys=clear_keys)
    sealed: dict[str, Any] = {key: value for key, value in
                              (("before", sealed_before), ("after", sealed_after)) if value}
    if health and reason:
        sealed["reason"], reason = reason, SEALED
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=(actor.get_username() if actor else "system"),
        event=event,
        category=category,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=_label(obj, category)[:200] if obj is not None else "",
        before=clear_before,
        after=clear_after,
        reason=scrub(reason),
        sealed=crypto.encrypt(json.dumps(sealed, ensure_ascii=False)) if sealed else "",
        ip_address=client_ip.get(),
        subdistrict_id=subdistrict_id,
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


# Reading -------------------------------------------------------------------------------------------------------


def readable_categories(user: Any) -> frozenset[str]:
    """The categories of entries ``user`` may read: the role's, narrowed where a role's members differ (a family
    doctor is a health worker who sees only her own patients, so not the whole sub-district's health entries)."""
    categories = set(roles.AUDIT_CATEGORIES.get(getattr(user, "role", ""), frozenset()))
    for category in list(categories):
        check = roles.AUDIT_CATEGORY_CHECKS.get((user.role, category))
        if check is not None and not import_string(check)(user):
            categories.discard(category)
    return frozenset(categories)


@dataclass(frozen=True)
class Opened:
    """An entry as a reader of its category sees it: a health entry's sealed values opened, an ID number,
    phone or birth date sealed in a general entry left as its mask."""

    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str


def sealed_parts(entry: AuditEntry) -> dict[str, Any]:
    """The sealed values of an entry; only for code that has decided the reader may see them."""
    return json.loads(crypto.decrypt(entry.sealed)) if entry.sealed else {}


def opened(entry: AuditEntry) -> Opened:
    """What a reader allowed to see ``entry`` (see :func:`readable_categories`) is shown."""
    if entry.category != HEALTH or not entry.sealed:
        return Opened(entry.before, entry.after, entry.reason)
    parts = sealed_parts(entry)
    before = {**(entry.before or {}), **parts.get("before", {})} if entry.before is not None else None
    after = {**(entry.after or {}), **parts.get("after", {})} if entry.after is not None else None
    return Opened(before, after, parts.get("reason", entry.reason))
