"""Scoped reads of the device registry: the devices a user may see, as the list, the API and the counts need them.

Scope comes from :func:`shequ.core.scopes.restrict` and the role table: a committee worker sees the devices of
her neighborhood's compounds, the police office those of its beat (its neighborhood), an administrator the whole
sub-district's; a resident none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequ.core.models import Compound, User
from shequ.core.scopes import restrict
from shequ.safety.choices import Availability, EventKind
from shequ.safety.models import Device, Event

# What the status filter offers: in service (the default), taken out of service, or both.
IN_SERVICE = "active"
DECOMMISSIONED = "decommissioned"
ANY_STATUS = "all"


def devices(user: User, *, kind: str = "", availability: str = "", compound: Compound | int | None = None,
            q: str = "", status: str = IN_SERVICE, action: str = "view") -> QuerySet[Device]:
    """The devices ``user`` may ``action``, narrowed by kind, availability, compound, status and a search of the
    device ID or name (part of either)."""
    found = restrict(Device.objects.select_related("neighborhood", "compound", "building", "dwelling"), user, action)
    if kind:
        found = found.filter(kind=kind)
    if availability:
        found = found.filter(availability=availability)
    if compound:
        found = found.filter(compound=compound)
    if status == IN_SERVICE:
        found = found.filter(active=True)
    elif status == DECOMMISSIONED:
        found = found.filter(active=False)
    text = q.replace("\x00", "").strip()[:100]
    if text:
        found = found.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(location__icontains=text))
    return found.order_by("kind", "code")


def device_detail(user: User, pk: int, action: str = "view") -> Device | None:
    return devices(user, status=ANY_STATUS, action=action).filter(pk=pk).first()


def recent_events(user: User, device: Device, limit: int = 20) -> list[Event]:
    """The device's last events the user may see (the detail page's short history), each with ``kind_label``: the
    kind in words where it is one of :class:`EventKind`, else as the device sent it."""
    found = list(restrict(Event.objects.filter(device=device), user).order_by("-occurred_at", "-id")[:limit])
    labels = dict(EventKind.choices)
    for event in found:
        event.kind_label = labels.get(event.kind, event.kind)  # type: ignore[attr-defined]
    return found


def offline_count(user: User) -> int:
    """Devices in service that are offline: the workbench count, the same rows as the list it links to."""
    return devices(user, availability=Availability.OFFLINE).count()


def online_count(user: User) -> int:
    return devices(user, availability=Availability.ONLINE).count()


def offline_list_query() -> dict[str, Any]:
    """The list's GET parameters that show the rows :func:`offline_count` counts."""
    return {"availability": Availability.OFFLINE}
