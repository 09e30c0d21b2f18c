"""Scoped reads of emergency plans and drills."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from shequ.core.models import User
from shequ.core.scopes import get_visible, restrict
from shequ.safety.models import Drill, EmergencyPlan


def plans(user: User, *, active_only: bool = False, action: str = "view") -> QuerySet[EmergencyPlan]:
    found = restrict(EmergencyPlan.objects.select_related("service"), user, action)
    if active_only:
        found = found.filter(active=True)
    return found.annotate(drill_count=Count("drills", distinct=True)).order_by("plan_type", "title", "id")


def plan(user: User, pk: int, action: str = "view") -> EmergencyPlan:
    return get_visible(EmergencyPlan.objects.select_related("service").prefetch_related("departments"), user,
                       action, pk=pk)


def drills(user: User, *, plan_id: int | None = None) -> QuerySet[Drill]:
    found = restrict(Drill.objects.select_related("plan", "neighborhood", "compound", "recorded_by"), user)
    if plan_id:
        found = found.filter(plan_id=plan_id)
    return found.prefetch_related("departments").order_by("-started_at", "-id")


def departments(user: User) -> QuerySet[Any]:
    """The parties a plan may alert or a drill may involve: the sub-district's active departments."""
    from shequ.affairs.models import Department

    return Department.objects.filter(subdistrict_id=user.subdistrict_id or 0, active=True).order_by("kind", "name")


def emergency_services(user: User) -> QuerySet[Any]:
    from shequ.affairs.models import Service

    return Service.objects.filter(subdistrict_id=user.subdistrict_id or 0, active=True).order_by(
        "-is_emergency", "name")
