"""Reads of the core app, scoped to the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from shequ.core.models import ApiToken, AuditEntry, Compound, Dwelling, Neighborhood, OutboxMessage, Task, User
from shequ.core.scopes import level_of, restrict


def audit_entries(
    user: User, *, action: str = "view", event: str = "", actor: str = "", object_type: str = "",
    since: dt.date | None = None, until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries of the user's sub-district in the categories she may read (health entries only with a health
    right); the audit log is read at sub-district level, so staff of one neighborhood read none of it."""
    from shequ.core.audit import readable_categories

    if level_of(user) != "subdistrict":
        return AuditEntry.objects.none()
    entries = restrict(AuditEntry.objects.all(), user, action).filter(category__in=readable_categories(user))
    if event:
        entries = entries.filter(event__icontains=event)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries


def neighborhoods(user: User) -> QuerySet[Neighborhood]:
    """Neighborhoods a staff member works in (all of her sub-district, or her own one)."""
    qs = Neighborhood.objects.select_related("subdistrict")
    if user.neighborhood_id:
        return qs.filter(pk=user.neighborhood_id)
    if user.subdistrict_id:
        return qs.filter(subdistrict_id=user.subdistrict_id)
    return qs.none()


def compounds(user: User) -> QuerySet[Compound]:
    if user.compound_id:
        return Compound.objects.filter(pk=user.compound_id)
    return Compound.objects.filter(neighborhood__in=neighborhoods(user)).select_related("neighborhood")


def dwellings(user: User) -> QuerySet[Dwelling]:
    """Dwellings in the user's compound, neighborhood or sub-district. Joins up the tree, not nested ``IN``
    subqueries: the form and API check one dwelling on every request that names one."""
    found = Dwelling.objects.select_related("building__compound")
    if user.compound_id:
        return found.filter(building__compound_id=user.compound_id)
    if user.neighborhood_id:
        return found.filter(building__compound__neighborhood_id=user.neighborhood_id)
    if user.subdistrict_id:
        return found.filter(building__compound__neighborhood__subdistrict_id=user.subdistrict_id)
    return found.none()


def find_dwelling(user: User, *, compound: Compound | str, building: str, room: str) -> Dwelling | None:
    lookup: dict[str, Any] = {"building__number": building, "room": room}
    if isinstance(compound, Compound):
        lookup["building__compound"] = compound
    else:
        lookup["building__compound__name"] = compound
    return dwellings(user).filter(**lookup).first()


def own_tasks(user: User) -> QuerySet[Task]:
    """The background tasks ``user`` started. A task holds its starter's upload and results (an import's
    error report names rows of her file), so it is hers alone, whatever her role."""
    if not getattr(user, "is_authenticated", False):
        return Task.objects.none()
    return Task.objects.filter(created_by=user)


def outbox_messages(user: User, *, status: str = "", action: str = "view") -> QuerySet[OutboxMessage]:
    """Outgoing messages of the user's sub-district (administrators), newest first."""
    messages = restrict(OutboxMessage.objects.all(), user, action)
    if status:
        messages = messages.filter(status=status)
    return messages


def api_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's own API tokens, and those an administrator may see and revoke in her place."""
    return (ApiToken.objects.filter(user=user) | restrict(ApiToken.objects.all(), user, "view")).select_related(
        "user").distinct()
