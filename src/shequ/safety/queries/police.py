"""Scoped reads of the community police office (警务室): its board, patrols, and incident figures of its beat.

The police office's users work at the neighborhood level, so :func:`shequ.core.scopes.restrict` gives them their
beat; an administrator sees the whole sub-district. The board's JSON (:func:`board_state`) is small and whole:
the page redraws its lists from it, so a missed poll never leaves the board wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shequ.core.models import User
from shequ.core.scopes import restrict
from shequ.safety.choices import OPEN_INCIDENT_STATUSES, Availability
from shequ.safety.models import Device, Incident, PatrolLog

BOARD_ROWS = 50


def open_incidents(user: User) -> QuerySet[Incident]:
    return restrict(Incident.objects.all(), user).filter(status__in=OPEN_INCIDENT_STATUSES).select_related(
        "compound", "device").order_by("-severity", "-last_alarm_at", "-pk")


def offline_devices(user: User) -> QuerySet[Device]:
    return restrict(Device.objects.all(), user).filter(active=True, availability=Availability.OFFLINE).select_related(
        "compound").order_by("availability_changed_at", "pk")


def today_start() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def patrols(user: User) -> QuerySet[PatrolLog]:
    return restrict(PatrolLog.objects.all(), user).select_related("officer", "compound")


def todays_patrols(user: User) -> QuerySet[PatrolLog]:
    """Rounds started today, and any still going from before."""
    from django.db.models import Q

    return patrols(user).filter(Q(started_at__gte=today_start()) | Q(ended_at__isnull=True)).order_by("-started_at")


def incidents_by_compound(user: User, days: int = 7) -> list[dict[str, Any]]:
    since = timezone.now() - dt.timedelta(days=days)
    rows = (restrict(Incident.objects.all(), user).filter(opened_at__gte=since).values("compound__name")
            .annotate(n=Count("pk")).order_by("-n", "compound__name"))
    return [{"compound": row["compound__name"] or "—", "n": row["n"]} for row in rows]


def incidents_by_hour(user: User, days: int = 7) -> list[int]:
    """24 counts: the incidents opened at each hour of the day (local time) over the last ``days``."""
    since = timezone.now() - dt.timedelta(days=days)
    counts = [0] * 24
    rows = (restrict(Incident.objects.all(), user).filter(opened_at__gte=since)
            .annotate(hour=ExtractHour("opened_at", tzinfo=timezone.get_current_timezone()))
            .values("hour").annotate(n=Count("pk")))
    for row in rows:
        counts[row["hour"]] = row["n"]
    return counts


def incident_url(incident: Incident) -> str:
    """The incident's page (the incidents part of the app provides it); empty until it exists."""
    try:
        return reverse("safety:incident_detail", args=[incident.pk])
    except NoReverseMatch:
        return ""


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


def board_state(user: User) -> dict[str, Any]:
    """Everything the board shows that changes by itself, as JSON-ready data."""
    incidents = list(open_incidents(user)[:BOARD_ROWS])
    devices = list(offline_devices(user)[:BOARD_ROWS])
    rounds = list(todays_patrols(user)[:BOARD_ROWS])
    latest = restrict(Incident.objects.all(), user).order_by("-updated_at").values_list("updated_at", flat=True).first()
    return {
        "now": timezone.now().isoformat(),
        "version": latest.isoformat() if latest else "",
        "incidents": [{"id": i.pk, "number": i.number, "title": i.title, "severity": i.severity,
                       "severity_label": str(i.get_severity_display()), "status": i.status,
                       "status_label": str(i.get_status_display()), "compound": i.compound.name if i.compound else "",
                       "alarms": i.alarm_count, "last_alarm_at": _local(i.last_alarm_at), "url": incident_url(i)}
                      for i in incidents],
        "incidents_total": open_incidents(user).count(),
        "devices_offline": [{"id": d.pk, "name": d.name, "code": d.code, "kind": str(d.get_kind_display()),
                             "compound": d.compound.name if d.compound else "",
                             "since": _local(d.availability_changed_at or d.last_seen_at)} for d in devices],
        "devices_offline_total": offline_devices(user).count(),
        "patrols": [{"id": p.pk, "officer": p.officer.full_name or p.officer.get_username(),
                     "compound": p.compound.name if p.compound else "", "started": _local(p.started_at),
                     "ended": _local(p.ended_at), "url": reverse("safety:patrol_detail", args=[p.pk])}
                    for p in rounds],
    }


def changed_since(user: User, since: dt.datetime | None) -> list[int]:
    """Ids of the user's incidents changed after ``since`` (new, escalated or handled), newest first."""
    found = restrict(Incident.objects.all(), user)
    if since is not None:
        found = found.filter(updated_at__gt=since)
    return list(found.order_by("-updated_at").values_list("pk", flat=True)[:BOARD_ROWS])
