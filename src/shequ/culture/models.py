"""Rooms and equipment of the culture centre, their opening hours and closures, bookings, and the restrictions that
repeated no-shows earn.

Rooms belong to the sub-district and every staff member of it sees them; a resident sees her own bookings and
restrictions. Two live bookings of one room never overlap: the booking action locks the room row and checks, and on
PostgreSQL an exclusion constraint (migration 0002) holds the same in the database.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shequ.core.models import Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.culture.choices import LIVE, BookableBy, BookingStatus, RoomKind

MAX_TEXT = 200
_SUBDISTRICT_WIDE = {"subdistrict": "subdistrict", "neighborhood": "subdistrict__neighborhoods"}


class Room(models.Model):
    """A bookable room or piece of equipment, with its booking rules."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=RoomKind.choices)
    capacity = models.PositiveIntegerField(_("capacity"), default=0, help_text=_("People; 0 for equipment."))
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    bookable_by = models.CharField(_("who may book"), max_length=20, choices=BookableBy.choices,
                                   default=BookableBy.RESIDENTS)
    max_booking_minutes = models.PositiveIntegerField(_("longest booking (minutes)"), default=120)
    max_window_minutes = models.PositiveIntegerField(_("most minutes booked ahead in the window"), default=360)
    window_days = models.PositiveIntegerField(_("booking window (days)"), default=14)
    active = models.BooleanField(_("active"), default=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ("kind", "name")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["subdistrict", "name"], name="culture_room_unique_name"),
            models.CheckConstraint(condition=Q(kind__in=RoomKind.values), name="culture_room_kind_known"),
            models.CheckConstraint(condition=Q(bookable_by__in=BookableBy.values), name="culture_room_bookable_known"),
            models.CheckConstraint(condition=Q(max_booking_minutes__gt=0) & Q(window_days__gt=0)
                                   & Q(max_window_minutes__gte=F("max_booking_minutes")),
                                   name="culture_room_rules_sane"),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """One opening period of a room on a weekday (0 = Monday); a day may have several (morning, afternoon)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="room__subdistrict",
                                             neighborhood="room__subdistrict__neighborhoods")

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ("weekday", "opens")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="culture_hours_weekday"),
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="culture_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Closure(models.Model):
    """A day a room is closed although its weekday is open (a holiday, a repair)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=MAX_TEXT, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="room__subdistrict",
                                             neighborhood="room__subdistrict__neighborhoods")

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints: ClassVar = [models.UniqueConstraint(fields=["room", "day"], name="culture_closure_once")]

    def __str__(self) -> str:
        return f"{self.room} {self.day:%Y-%m-%d}"


class Booking(models.Model):
    """One booking of a room by a resident (alone or for a group) or a staff member."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    booker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    group_name = models.CharField(_("group"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=20, choices=BookingStatus.choices)
    purpose = models.CharField(_("purpose"), max_length=MAX_TEXT, blank=True)
    created_at = models.DateTimeField(_("booked at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=MAX_TEXT, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="room__subdistrict",
                                             neighborhood="room__subdistrict__neighborhoods", resident="booker")

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ("starts_at",)
        indexes: ClassVar = [models.Index(fields=["room", "starts_at"]), models.Index(fields=["status", "starts_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="culture_booking_order"),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="culture_booking_status_known"),
            models.CheckConstraint(condition=~Q(status=BookingStatus.CHECKED_IN) | Q(checked_in_at__isnull=False),
                                   name="culture_booking_checked_in_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Restriction(models.Model):
    """A booker may not book until ``until``: earned by repeated no-shows (or set by staff)."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("from"))
    until = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=MAX_TEXT)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE, resident="user")

    class Meta:
        verbose_name = _("booking restriction")
        verbose_name_plural = _("booking restrictions")
        ordering = ("-starts_at",)
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("until")), name="culture_restriction_order"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.until:%Y-%m-%d}"
