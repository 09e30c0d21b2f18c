"""Volunteers (义工): registered residents, activities with shifts and capacity, sign-ups, attendance by card
tap, and the time bank — hours served are credited, hours used for services from others are spent.

The time-bank ledger itself is the cards app's; :mod:`shequ.volunteers.seams` posts to it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.models import Neighborhood, Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.population.models import Person
from shequ.volunteers.choices import SignUpStatus

_SUBDISTRICT_WIDE: dict[str, Any] = {"subdistrict": "subdistrict", "neighborhood": "subdistrict__neighborhoods"}


class Volunteer(models.Model):
    """A resident registered as a volunteer of the sub-district."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    registered_on = models.DateField(_("registered on"))
    active = models.BooleanField(_("active"), default=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE, resident="person__user")

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["person__name_pinyin", "id"]

    def __str__(self) -> str:
        return self.person.name


class Activity(models.Model):
    """A volunteer activity (助老送餐, 垃圾分类宣传 …), held in one or more shifts."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    title = models.CharField(pgettext_lazy("volunteer activity", "title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Shift(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="shifts")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"))

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="volunteers_shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="volunteers_shift_has_places"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.starts_at:%Y-%m-%d %H:%M}"


class SignUp(models.Model):
    """A volunteer's place on a shift, and her attendance: checked in and out by card tap, minutes credited."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=SignUpStatus.choices, default=SignUpStatus.SIGNED_UP)
    signed_up_at = models.DateTimeField(_("signed up"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    minutes_credited = models.PositiveIntegerField(_("minutes credited"), default=0)
    ledger_reference = models.CharField(max_length=64, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE, resident="volunteer__person__user")

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["shift__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "volunteer"], condition=Q(status="signed_up"),
                                    name="volunteers_signup_once"),
            models.CheckConstraint(condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                                   name="volunteers_out_after_in"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.shift}"


class TimeSpend(models.Model):
    """Hours from a volunteer's time bank used for a service from others (e.g. help at home when she is old)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="spends")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(_("minutes"))
    service = models.CharField(_("service received"), max_length=200)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ledger_reference = models.CharField(max_length=64, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE, resident="volunteer__person__user")

    class Meta:
        verbose_name = _("time-bank spend")
        verbose_name_plural = _("time-bank spends")
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0), name="volunteers_spend_positive")]

    def __str__(self) -> str:
        return f"{self.volunteer} −{self.minutes}"
