"""Filters of the requests API (django-filter); they narrow what the scoped queries already allow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest

MAX_ID = 2**31 - 1


class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, handed to the database in UTC: PostgreSQL refuses offsets beyond ±15:59 that
    Python accepts (``+19:09`` would be a 500)."""

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError as exc:
            raise ValidationError(_("Enter a moment between the years 1 and 9999."), code="invalid") from exc


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ServiceRequestFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    service = filters.CharFilter(field_name="service__code", label=_("Service code"), max_length=40)
    department = IdFilter(field_name="department_id", label=_("Department id"))
    neighborhood = IdFilter(field_name="neighborhood_id", label=_("Neighborhood id"))
    is_emergency = filters.BooleanFilter(label=_("Emergency"))
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label=_("Accepted from"))
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label=_("Accepted before"))

    class Meta:
        model = ServiceRequest
        fields = ["status", "channel", "service", "department", "neighborhood", "is_emergency"]
