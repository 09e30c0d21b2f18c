"""Filters of the requests API (django-filter); they narrow what the scoped queries already allow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest

MAX_ID = 2**31 - 1


class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ServiceRequestFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    service = filters.CharFilter(field_name="service__code", label=_("Service code"), max_length=40)
    department = IdFilter(field_name="department_id", label=_("Department id"))
    neighborhood = IdFilter(field_name="neighborhood_id", label=_("Neighborhood id"))
    is_emergency = filters.BooleanFilter(label=_("Emergency"))
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label=_("Accepted from"))
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label=_("Accepted before"))

    class Meta:
        model = ServiceRequest
        fields = ["status", "channel", "service", "department", "neighborhood", "is_emergency"]
