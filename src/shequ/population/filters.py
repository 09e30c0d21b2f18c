"""Filters of the registry API (django-filter); they narrow what the scoped queries already allow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from shequ.population.choices import LifeEventKind, PermitStatus, PersonStatus, ResidenceType
from shequ.population.models import Household, LifeEvent, Person, ResidencePermit

MAX_ID = 2**31 - 1


class IdFilter(filters.NumberFilter):
    """A row id: a whole number in the database's range, so that no value reaches SQL unchecked."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class PersonFilterSet(filters.FilterSet):
    neighborhood = IdFilter(field_name="neighborhood_id", label=_("Neighborhood id"))
    residence_type = filters.ChoiceFilter(choices=ResidenceType.choices, label=_("Residence type"))
    status = filters.ChoiceFilter(choices=PersonStatus.choices, label=_("Status"))
    tag = filters.CharFilter(field_name="tags__code", label=_("Tag code"), max_length=40)

    class Meta:
        model = Person
        fields = ["neighborhood", "residence_type", "status", "tag"]


class HouseholdFilterSet(filters.FilterSet):
    neighborhood = IdFilter(field_name="neighborhood_id", label=_("Neighborhood id"))
    dwelling = IdFilter(field_name="dwelling_id", label=_("Dwelling id"))

    class Meta:
        model = Household
        fields = ["neighborhood", "dwelling"]


class ResidencePermitFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PermitStatus.choices, label=_("Status"))
    person = IdFilter(field_name="person_id", label=_("Person id"))

    class Meta:
        model = ResidencePermit
        fields = ["status", "person"]


class LifeEventFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=LifeEventKind.choices, label=_("Event"))
    person = IdFilter(field_name="person_id", label=_("Person id"))
    since = filters.DateFilter(field_name="occurred_on", lookup_expr="gte", label=_("From"))
    until = filters.DateFilter(field_name="occurred_on", lookup_expr="lte", label=_("Until"))

    class Meta:
        model = LifeEvent
        fields = ["kind", "person", "since", "until"]
