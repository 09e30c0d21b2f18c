"""Reads of the culture app, scoped to what the user may see.

Rooms are the sub-district's public catalogue: everyone signed in there sees its active rooms and their free slots,
never who booked a taken slot. Bookings and restrictions are scoped by :func:`shequ.core.scopes.restrict`: a
resident sees her own, the sub-district's staff all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.models import User
from shequ.core.registry import Period, TileLine, per_period
from shequ.core.scopes import can, countable, restrict
from shequ.culture.actions import active_restriction
from shequ.culture.choices import LIVE, BookingStatus
from shequ.culture.models import Booking, Restriction, Room


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    free: bool


def bookable_rooms(user: User) -> QuerySet[Room]:
    """The active rooms of the user's sub-district (the catalogue a resident books from)."""
    if not can(user, Booking, "add") or user.subdistrict_id is None:
        return Room.objects.none()
    return Room.objects.filter(subdistrict_id=user.subdistrict_id, active=True)


def day_slots(room: Room, day: dt.date, now: dt.datetime | None = None) -> list[Slot]:
    """The room's opening periods on ``day`` cut into free and taken stretches; a stretch already past is not free.
    Says nothing of who holds a taken stretch."""
    now = now or timezone.now()
    if room.closures.filter(day=day).exists():
        return []
    tz = timezone.get_current_timezone()
    slots: list[Slot] = []
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    taken = list(Booking.objects.filter(room=room, status__in=LIVE, starts_at__lt=day_start + dt.timedelta(days=1),
                                        ends_at__gt=day_start).values_list("starts_at", "ends_at"))
    for period in room.opening_hours.filter(weekday=day.weekday()):
        cursor = dt.datetime.combine(day, period.opens, tzinfo=tz)
        end = dt.datetime.combine(day, period.closes, tzinfo=tz)
        for start, stop in sorted((max(s, cursor), min(e, end)) for s, e in taken if s < end and e > cursor):
            if start > cursor:
                slots.append(Slot(cursor, start, free=start > now))
            slots.append(Slot(start, stop, free=False))
            cursor = max(cursor, stop)
        if cursor < end:
            slots.append(Slot(cursor, end, free=end > now))
    return [_from_now(slot, now) for slot in slots]


def _from_now(slot: Slot, now: dt.datetime) -> Slot:
    """A free stretch under way starts at the next quarter hour: the part already past cannot be booked."""
    if not slot.free or slot.starts_at >= now:
        return slot
    quarter = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=-(now.minute % 15) + 15)
    return Slot(quarter, slot.ends_at, free=quarter < slot.ends_at)


def my_bookings(user: User) -> QuerySet[Booking]:
    return restrict(Booking.objects.select_related("room"), user).filter(booker=user).order_by("-starts_at")


def bookings(user: User, action: str = "view") -> QuerySet[Booking]:
    return restrict(Booking.objects.select_related("room", "booker"), user, action)


def awaiting_approval(user: User, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """Requests the user may decide, not yet begun (staff only)."""
    if user.role == "resident":
        return Booking.objects.none()
    return bookings(user, "change").filter(status=BookingStatus.REQUESTED, starts_at__gt=now or timezone.now())


def awaiting_approval_count(user: User) -> int:
    return awaiting_approval(user).count()


def day_bookings(user: User, day: dt.date) -> QuerySet[Booking]:
    """The live and settled bookings of a day, for the door (staff only)."""
    if user.role == "resident":
        return Booking.objects.none()
    return bookings(user, "change").filter(starts_at__date=day).exclude(
        status__in=(BookingStatus.CANCELLED, BookingStatus.REJECTED))


def my_restriction(user: User, now: dt.datetime | None = None) -> Restriction | None:
    return active_restriction(user, now or timezone.now())


def restrictions(user: User) -> QuerySet[Restriction]:
    return countable(Restriction.objects.all(), user)


def my_upcoming(user: User, now: dt.datetime | None = None) -> QuerySet[Booking]:
    return my_bookings(user).filter(status__in=LIVE, ends_at__gt=now or timezone.now()).order_by("starts_at")


def used_by_period(user: User, periods: list[Period]) -> list[int]:
    """Bookings used (checked in at the door) starting in each period that the user may count, in one query."""
    used = countable(Booking.objects.filter(status__in=(BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)), user)
    return per_period(used, periods, "starts_at", moment=True)


def my_tile(user: User) -> list[TileLine]:
    """The portal tile: her restriction first (she must know before she tries), then her next booking."""
    now = timezone.now()
    lines = []
    restriction = my_restriction(user, now)
    if restriction is not None:
        lines.append(TileLine(_("Booking paused until"), f"{timezone.localtime(restriction.until):%m-%d}", warn=True))
    upcoming = my_upcoming(user, now).first()
    if upcoming is not None:
        lines.append(TileLine(upcoming.room.name, f"{timezone.localtime(upcoming.starts_at):%m-%d %H:%M}",
                              warn=upcoming.status == BookingStatus.REQUESTED))
    return lines
