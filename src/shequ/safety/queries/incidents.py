"""Scoped reads of alarms and incidents: the lists, one incident with its alarms, timeline and tasks, the counts
of the workbench and the figures of the dashboard."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from shequ.core.models import User
from shequ.core.registry import Period, per_period
from shequ.core.scopes import get_visible, restrict
from shequ.safety.choices import OPEN_INCIDENT_STATUSES, IncidentStatus, Severity
from shequ.safety.models import Alarm, Incident, IncidentStep, PlanTask

# The list's status filter: every incident, the ones still open (waiting or being handled), waiting, being
# handled, closed.
STATUS_FILTERS = ("all", "open", "waiting", "acknowledged", "closed")


def incidents(user: User, *, status: str = "", severity: int | None = None, compound_id: int | None = None,
              period: Period | None = None, closed_in: Period | None = None, action: str = "view",
              ) -> QuerySet[Incident]:
    """The incidents the user may see, newest alarm first. ``status``: one of :data:`STATUS_FILTERS`;
    ``period`` keeps those opened in it, ``closed_in`` those closed in it (the dashboard's figures)."""
    found = restrict(Incident.objects.select_related("device", "compound", "request"), user, action)
    if status == "open":
        found = found.filter(status__in=OPEN_INCIDENT_STATUSES)
    elif status == "waiting":
        found = found.filter(status=IncidentStatus.OPEN)
    elif status in (IncidentStatus.ACKNOWLEDGED, IncidentStatus.CLOSED):
        found = found.filter(status=status)
    if severity is not None:
        found = found.filter(severity=severity)
    if compound_id:
        found = found.filter(compound_id=compound_id)
    if period is not None:
        found = found.filter(period.within("opened_at", moment=True))
    if closed_in is not None:
        found = found.filter(closed_in.within("closed_at", moment=True))
    return found.order_by("-last_alarm_at", "-id")


def incident(user: User, pk: int, action: str = "view") -> Incident:
    """One incident with its alarms, its timeline and its plan's tasks (404 outside the user's area)."""
    return get_visible(Incident.objects.select_related(
        "device", "compound", "building", "request", "plan", "acknowledged_by", "closed_by").prefetch_related(
        Prefetch("alarms", queryset=Alarm.objects.select_related("device").order_by("raised_at", "id")),
        Prefetch("steps", queryset=IncidentStep.objects.select_related("actor").order_by("at", "id")),
        Prefetch("tasks", queryset=PlanTask.objects.select_related("done_by").order_by("number"))),
        user, action, pk=pk)


def may_handle(user: User, found: Incident) -> bool:
    """Whether the user may act on this incident (acknowledge, note, close, reopen)."""
    return restrict(Incident.objects.filter(pk=found.pk), user, "change").exists()


# Workbench counts


def waiting_count(user: User) -> int:
    """Incidents nobody has acknowledged yet (预警)."""
    return incidents(user, status="waiting").count()


def open_emergencies_count(user: User) -> int:
    return incidents(user, status="open", severity=Severity.EMERGENCY).count()


# Dashboard figures


def opened_by_period(user: User, periods: list[Any]) -> list[int]:
    """Incidents opened in each period (however many alarms each grouped)."""
    return per_period(restrict(Incident.objects.all(), user), periods, "opened_at", moment=True)


def closed_by_period(user: User, periods: list[Any]) -> list[int]:
    return per_period(restrict(Incident.objects.all(), user), periods, "closed_at", moment=True)
