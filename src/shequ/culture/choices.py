"""Choices of the culture app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomKind(models.TextChoices):
    MULTIMEDIA = "multimedia", _("Multimedia room")
    SCIENCE = "science", _("Digital science room")
    MEETING = "meeting", _("Meeting room")
    EQUIPMENT = "equipment", _("Equipment")


class BookableBy(models.TextChoices):
    """Who may book a room: any resident (alone or for a group), only for a named group, or staff only."""

    RESIDENTS = "residents", _("Residents and groups")
    GROUPS = "groups", _("Groups only")
    STAFF = "staff", _("Staff only")


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in")
    RELEASED = "released_no_show", _("Released: no-show")
    COMPLETED = "completed", _("Completed")


# A booking in one of these holds its slot: no other live booking of the room may overlap it.
LIVE = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
