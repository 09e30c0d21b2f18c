"""The registry of everyone actually living in the sub-district (实有人口)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core import crypto
from shequ.core.fields import BlindIndexField, EncryptedTextField, PinyinField
from shequ.core.models import Compound, Dwelling, Neighborhood, Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.population.choices import (
    HouseholdKind,
    IdType,
    LifeEventKind,
    PermitStatus,
    PersonStatus,
    Relationship,
    ResidenceType,
    Sex,
)


class Tag(models.Model):
    """A label that services act on: 独居老人, 低保, 残疾, 退役军人 …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Household(models.Model):
    """户: the people registered together at one dwelling."""

    number = models.CharField(_("household number"), max_length=30, unique=True)
    kind = models.CharField(pgettext_lazy("household", "kind"), max_length=20, choices=HouseholdKind.choices,
                            default=HouseholdKind.FAMILY)
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="households")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict",
        neighborhood="neighborhood",
        compound="dwelling__building__compound",
        resident="members__user",
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    """One person in the registry, with where she lives now; the history is in Residence and LifeEvent."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, db_index=True)
    # Searched through person_initials_order and person_pinyin_order (Meta.indexes), which lead with them.
    name_pinyin = PinyinField(source="name")
    name_initials = PinyinField(source="name", initials=True, max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"), db_index=True)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = BlindIndexField(source="id_number", kind="id", normalizer="shequ.core.idnumbers.normalize")
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", normalizer="shequ.core.crypto.normalize_phone")
    ethnicity = models.CharField(_("ethnic group"), max_length=20, blank=True)
    hukou_address = models.CharField(_("hukou address"), max_length=150, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    residence_type = models.CharField(_("residence type"), max_length=20, choices=ResidenceType.choices)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, related_name="+",
        help_text=_("Where the person lives now, or lived last."),
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("The compound of the current or last dwelling (kept here so counts need no joins)."),
    )
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, null=True, blank=True, related_name="people")
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    relationship = models.CharField(_("relationship to head"), max_length=20, choices=Relationship.choices, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people", verbose_name=_("tags"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict",
        neighborhood="neighborhood",
        compound="compound",
        resident=("user", "household__members__user"),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # Led by the blind index, so that it also serves a search by ID number (which gives no ID type).
            models.UniqueConstraint(
                fields=["id_number_index", "id_type"], condition=~Q(id_number_index=""), name="person_unique_id_number"
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="person_sex_known"),
            models.CheckConstraint(condition=Q(residence_type__in=ResidenceType.values), name="person_residence_type"),
            models.CheckConstraint(condition=Q(status__in=PersonStatus.values), name="person_status_known"),
            models.CheckConstraint(
                condition=Q(status=PersonStatus.ACTIVE) | Q(dwelling__isnull=True), name="person_gone_has_no_dwelling"
            ),
        ]
        indexes = [
            models.Index(fields=["neighborhood", "status", "residence_type"], name="person_dynamics"),
            # Searches by initials or pinyin read these in order and stop after one page.
            models.Index(fields=["name_initials", "name_pinyin", "id"], name="person_initials_order"),
            models.Index(fields=["name_pinyin", "id"], name="person_pinyin_order"),
            # A plain index: db_index would add a LIKE-pattern twin that an exact-match digest never uses.
            models.Index(fields=["phone_index"], name="person_phone_index"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number or "")

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone or "")

    def age_on(self, day: dt.date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class Residence(models.Model):
    """A person living at a dwelling, from a date to a date (open while she lives there)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="residences")
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="residences")
    residence_type = models.CharField(_("residence type"), max_length=20, choices=ResidenceType.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict", neighborhood="neighborhood",
        compound="dwelling__building__compound", resident="person__user",
    )

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(ended_on__isnull=True), name="residence_one_open"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="residence_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.dwelling}"


class ResidencePermit(models.Model):
    """居住证 of a migrant: applied → issued → (expired | renewed); a renewal is a new row."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="permits")
    number = models.CharField(_("permit number"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PermitStatus.choices, default=PermitStatus.APPLIED)
    applied_on = models.DateField(_("applied on"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)
    renewal_of = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewal")
    reminded_on = models.DateField(_("reminded on"), null=True, blank=True)
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict", neighborhood="neighborhood",
        compound="person__dwelling__building__compound", resident="person__user",
    )

    class Meta:
        verbose_name = _("residence permit")
        verbose_name_plural = _("residence permits")
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=[PermitStatus.ISSUED, PermitStatus.EXPIRED, PermitStatus.RENEWED])
                | (Q(issued_on__isnull=False) & Q(expires_on__isnull=False) & Q(expires_on__gt=F("issued_on"))),
                name="permit_issued_has_dates",
            ),
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="permit_unique_number"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.person} ({self.get_status_display()})"


class LifeEvent(models.Model):
    """A dated change in someone's life the registry must keep: move in/out, birth, death."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="life_events")
    kind = models.CharField(_("event"), max_length=20, choices=LifeEventKind.choices)
    occurred_on = models.DateField(_("date"), db_index=True)
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    destination = models.CharField(_("moved to"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict", neighborhood="neighborhood",
        compound="dwelling__building__compound", resident="person__user",
    )

    class Meta:
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["subdistrict", "occurred_on", "kind"], name="lifeevent_by_month")]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()} {self.person}"


class PopulationCount(models.Model):
    """How many people live here, by compound, residence type, sex and age band, as last counted.

    The dynamics page reads these few hundred rows instead of counting a million people on every view;
    :func:`shequ.population.actions.count_population` rewrites them all at once (the worker does so within
    a minute of a change to the registry, and at the turn of each day, when people change age band).
    """

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.CASCADE, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    residence_type = models.CharField(_("residence type"), max_length=20, choices=ResidenceType.choices)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_from = models.PositiveSmallIntegerField(_("aged from"))
    people = models.PositiveIntegerField(_("people"))
    counted_at = models.DateTimeField(_("counted at"))

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood="neighborhood",
                                             compound="compound")

    class Meta:
        verbose_name = _("population count")
        verbose_name_plural = _("population counts")

    def __str__(self) -> str:
        return f"{self.compound_id} {self.residence_type} {self.sex} {self.age_from}+: {self.people}"
