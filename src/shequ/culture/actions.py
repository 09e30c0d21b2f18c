"""Every write of the culture app: booking a room, deciding, cancelling, checking in by card at the door, and the
periodic release of no-shows with the restriction that repeated no-shows earn.

Each action locks the room row before it reads the room's bookings, so two bookers of one slot are served one after
the other and the second sees the first (on PostgreSQL an exclusion constraint holds the same, migration 0002).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible
from shequ.culture import seams
from shequ.culture.choices import LIVE, BookableBy, BookingStatus
from shequ.culture.models import MAX_TEXT, Booking, Restriction, Room

BOOKED = "culture.booking_made"
APPROVED = "culture.booking_approved"
REJECTED = "culture.booking_rejected"
CANCELLED = "culture.booking_cancelled"
CHECKED_IN = "culture.booking_checked_in"
RELEASED = "culture.booking_released"
COMPLETED = "culture.booking_completed"
RESTRICTED = "culture.booker_restricted"

# A booker may check in from this many minutes before the start.
EARLY_CHECK_IN_MINUTES = 10


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _hhmm(moment: dt.datetime) -> str:
    return f"{_local(moment):%H:%M}"


def _snapshot(booking: Booking) -> dict[str, object]:
    return {"room": booking.room_id, "starts_at": booking.starts_at, "ends_at": booking.ends_at,
            "status": booking.status, "group": booking.group_name}


def active_restriction(user: User, now: dt.datetime) -> Restriction | None:
    return Restriction.objects.filter(user=user, starts_at__lte=now, until__gt=now, lifted_by__isnull=True).first()


def _check_open(room: Room, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    start, end = _local(starts_at), _local(ends_at)
    if start.date() != end.date() and end.time() != dt.time(0):
        raise Invalid(_("A booking must start and end on the same day."), field="ends_at")
    if room.closures.filter(day=start.date()).exists():
        raise Invalid(_("%(room)s is closed on %(day)s.") % {"room": room.name, "day": f"{start:%Y-%m-%d}"},
                      field="starts_at")
    periods = room.opening_hours.filter(weekday=start.weekday())
    if not any(period.opens <= start.time() and end.date() == start.date() and end.time() <= period.closes
               for period in periods):
        hours = ", ".join(f"{p.opens:%H:%M}–{p.closes:%H:%M}" for p in periods)
        if hours:
            raise Invalid(_("%(room)s is open on this day %(hours)s; the booking must fit inside.")
                          % {"room": room.name, "hours": hours}, field="starts_at")
        raise Invalid(_("%(room)s is closed on this day of the week.") % {"room": room.name}, field="starts_at")


def _overlapping(room: Room, starts_at: dt.datetime, ends_at: dt.datetime) -> Iterable[Booking]:
    return Booking.objects.filter(room=room, status__in=LIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)


def book_room(*, actor: User, room: Room, starts_at: dt.datetime, ends_at: dt.datetime, purpose: str = "",
              group_name: str = "", now: dt.datetime | None = None) -> Booking:
    """Book ``room`` from ``starts_at`` to ``ends_at``: confirmed at once, or awaiting approval where the room needs
    it and the booker is a resident. Refused in plain words when the slot is taken, outside opening hours, too long,
    over the booker's allowance in the room's window, not for this booker, or while she is restricted."""
    now = now or timezone.now()
    _require(actor, Booking, "add")
    if room.subdistrict_id != actor.subdistrict_id or not room.active:
        raise NotFound()
    purpose, group_name = purpose.strip()[:MAX_TEXT], group_name.strip()[:100]
    is_resident = actor.role == Role.RESIDENT
    if ends_at <= starts_at:
        raise Invalid(_("The end must be after the start."), field="ends_at")
    if starts_at < now:
        raise Invalid(_("This time has already passed."), field="starts_at")
    if starts_at >= now + dt.timedelta(days=room.window_days):
        raise Invalid(_("%(room)s can be booked at most %(days)d days ahead.")
                      % {"room": room.name, "days": room.window_days}, field="starts_at")
    if room.bookable_by == BookableBy.STAFF and is_resident:
        raise Forbidden(_("%(room)s is booked by the centre's staff only; ask at the desk.") % {"room": room.name})
    if room.bookable_by == BookableBy.GROUPS and not group_name:
        raise Invalid(_("%(room)s is booked by groups only: give the group's name.") % {"room": room.name},
                      field="group_name")
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    if minutes > room.max_booking_minutes:
        raise Invalid(_("%(room)s can be booked for at most %(minutes)d minutes at a time.")
                      % {"room": room.name, "minutes": room.max_booking_minutes}, field="ends_at")
    _check_open(room, starts_at, ends_at)
    restriction = active_restriction(actor, now)
    if restriction is not None:
        raise Forbidden(_("You cannot book until %(day)s: %(reason)s")
                        % {"day": f"{_local(restriction.until):%Y-%m-%d}", "reason": restriction.reason})
    with transaction.atomic(durable=True):
        Room.objects.select_for_update().get(pk=room.pk)
        if any(True for _b in _overlapping(room, starts_at, ends_at)):
            raise Conflict(_("Someone has already booked %(room)s at this time; choose another slot.")
                           % {"room": room.name}, field="starts_at")
        ahead = sum(b.minutes for b in Booking.objects.filter(room=room, booker=actor, status__in=LIVE,
                                                                ends_at__gt=now))
        if ahead + minutes > room.max_window_minutes:
            raise Conflict(_("You may hold at most %(limit)d minutes of %(room)s in the next %(days)d days; you "
                             "already hold %(ahead)d.") % {"limit": room.max_window_minutes, "room": room.name,
                                                            "days": room.window_days, "ahead": ahead},
                           field="ends_at")
        status = BookingStatus.REQUESTED if room.needs_approval and is_resident else BookingStatus.CONFIRMED
        try:
            with transaction.atomic():
                booking = Booking.objects.create(room=room, booker=actor, group_name=group_name, purpose=purpose,
                                                 starts_at=starts_at, ends_at=ends_at, status=status, created_at=now)
        except IntegrityError as exc:  # the exclusion constraint, should the lock ever be bypassed
            raise Conflict(_("Someone has already booked %(room)s at this time; choose another slot.")
                           % {"room": room.name}, field="starts_at") from exc
        audit.record(actor=actor, event=BOOKED, obj=booking, after=_snapshot(booking),
                     subdistrict_id=room.subdistrict_id)
    return booking


def _locked(actor: User, booking: Booking) -> Booking:
    """The booking, visible to the actor for change, locked after its room (the one lock order)."""
    visible = get_visible(Booking.objects.all(), actor, "change", pk=booking.pk)
    Room.objects.select_for_update().get(pk=visible.room_id)
    return Booking.objects.select_for_update().select_related("room").get(pk=booking.pk)


def _decide(*, actor: User, booking: Booking, approve: bool, note: str, now: dt.datetime | None) -> Booking:
    now = now or timezone.now()
    if actor.role == Role.RESIDENT:
        raise NotFound()
    with transaction.atomic(durable=True):
        locked = _locked(actor, booking)
        if locked.status != BookingStatus.REQUESTED:
            raise Conflict(_("This booking is no longer awaiting approval."))
        if approve and locked.starts_at <= now:
            raise Conflict(_("This booking's time has already begun; it can only be rejected."))
        before = _snapshot(locked)
        locked.status = BookingStatus.CONFIRMED if approve else BookingStatus.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = actor, now, note.strip()[:MAX_TEXT]
        if not approve:
            locked.closed_at = now
        locked.save()
        audit.record(actor=actor, event=APPROVED if approve else REJECTED, obj=locked, before=before,
                     after=_snapshot(locked), reason=locked.decision_note, subdistrict_id=locked.room.subdistrict_id)
    return locked


def approve_booking(*, actor: User, booking: Booking, note: str = "", now: dt.datetime | None = None) -> Booking:
    return _decide(actor=actor, booking=booking, approve=True, note=note, now=now)


def reject_booking(*, actor: User, booking: Booking, note: str = "", now: dt.datetime | None = None) -> Booking:
    return _decide(actor=actor, booking=booking, approve=False, note=note, now=now)


def cancel_booking(*, actor: User, booking: Booking, now: dt.datetime | None = None) -> Booking:
    """The booker (or staff) gives the slot back, until the booking starts."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = _locked(actor, booking)
        if locked.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            raise Conflict(_("Only a booking awaiting approval or confirmed can be cancelled."))
        if locked.starts_at <= now:
            raise Conflict(_("This booking has already started and can no longer be cancelled."))
        before = _snapshot(locked)
        locked.status, locked.closed_at = BookingStatus.CANCELLED, now
        locked.save(update_fields=["status", "closed_at"])
        audit.record(actor=actor, event=CANCELLED, obj=locked, before=before, after=_snapshot(locked),
                     subdistrict_id=locked.room.subdistrict_id)
    return locked


def check_in_by_card(*, actor: User, booking: Booking, card_number: str, now: dt.datetime | None = None) -> Booking:
    """The booker taps her resident card at the room's door, from 10 minutes before the start until the booking
    would be released. Only the booker's own card checks her in."""
    now = now or timezone.now()
    if actor.role == Role.RESIDENT:
        raise NotFound()
    with transaction.atomic(durable=True):
        locked = _locked(actor, booking)
        card = seams.card_at_door(card_number, subdistrict_id=locked.room.subdistrict_id)
        if card.person.user_id != locked.booker_id:
            raise Conflict(_("This card is not the booker's; the booker must check in with her own card."),
                           field="card")
        if locked.status == BookingStatus.CHECKED_IN:
            raise Conflict(_("Already checked in at %(time)s.") % {"time": _hhmm(locked.checked_in_at or now)})
        if locked.status == BookingStatus.REQUESTED:
            raise Conflict(_("This booking has not been approved yet."))
        if locked.status != BookingStatus.CONFIRMED:
            raise Conflict(_("This booking is %(status)s.") % {"status": locked.get_status_display()})
        opens = locked.starts_at - dt.timedelta(minutes=EARLY_CHECK_IN_MINUTES)
        closes = locked.starts_at + dt.timedelta(minutes=settings.CULTURE_RELEASE_MINUTES)
        if now < opens:
            raise Conflict(_("Too early: check-in opens at %(time)s.") % {"time": _hhmm(opens)}, field="card")
        if now > closes:
            raise Conflict(_("Too late: check-in closed at %(time)s and the room was released.")
                           % {"time": _hhmm(closes)}, field="card")
        before = _snapshot(locked)
        locked.status, locked.checked_in_at, locked.card = BookingStatus.CHECKED_IN, now, card
        locked.save(update_fields=["status", "checked_in_at", "card"])
        audit.record(actor=actor, event=CHECKED_IN, obj=locked, before=before,
                     after={**_snapshot(locked), "card": seams.masked(card.number)},
                     subdistrict_id=locked.room.subdistrict_id)
    return locked


def _restrict_if_due(user: User, subdistrict_id: int, now: dt.datetime) -> Restriction | None:
    """Restrict a booker whose no-shows since her last restriction, within the counting period, reach the limit."""
    if active_restriction(user, now) is not None:
        return None
    since = now - dt.timedelta(days=settings.CULTURE_NO_SHOW_DAYS)
    last = Restriction.objects.filter(user=user).order_by("-starts_at").first()
    if last is not None:
        since = max(since, last.starts_at)
    no_shows = Booking.objects.filter(booker=user, status=BookingStatus.RELEASED, starts_at__gte=since).count()
    if no_shows < settings.CULTURE_NO_SHOWS:
        return None
    restriction = Restriction.objects.create(
        subdistrict_id=subdistrict_id, user=user, starts_at=now,
        until=now + dt.timedelta(days=settings.CULTURE_RESTRICT_DAYS),
        reason=_("%(count)d bookings not used within %(days)d days.")
        % {"count": no_shows, "days": settings.CULTURE_NO_SHOW_DAYS})
    audit.record(actor=None, event=RESTRICTED, obj=restriction,
                 after={"user": user.pk, "until": restriction.until, "no_shows": no_shows},
                 subdistrict_id=subdistrict_id)
    return restriction


def release_no_shows(*, now: dt.datetime | None = None) -> int:
    """Periodic: confirmed bookings not checked in within the release minutes of their start give their slot back
    (released as no-shows), and checked-in bookings past their end are completed. Returns the bookings changed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.CULTURE_RELEASE_MINUTES)
    changed = 0
    for pk in list(Booking.objects.filter(status=BookingStatus.CONFIRMED, starts_at__lte=cutoff)
                   .values_list("pk", flat=True)):
        with transaction.atomic(durable=True):
            booking = Booking.objects.select_for_update().select_related("room", "booker").get(pk=pk)
            if booking.status != BookingStatus.CONFIRMED:
                continue
            before = _snapshot(booking)
            booking.status, booking.closed_at = BookingStatus.RELEASED, now
            booking.save(update_fields=["status", "closed_at"])
            audit.record(actor=None, event=RELEASED, obj=booking, before=before, after=_snapshot(booking),
                         subdistrict_id=booking.room.subdistrict_id)
            _restrict_if_due(booking.booker, booking.room.subdistrict_id, now)
            changed += 1
    for pk in list(Booking.objects.filter(status=BookingStatus.CHECKED_IN, ends_at__lte=now)
                   .values_list("pk", flat=True)):
        with transaction.atomic(durable=True):
            booking = Booking.objects.select_for_update().select_related("room").get(pk=pk)
            if booking.status != BookingStatus.CHECKED_IN:
                continue
            before = _snapshot(booking)
            booking.status, booking.closed_at = BookingStatus.COMPLETED, now
            booking.save(update_fields=["status", "closed_at"])
            audit.record(actor=None, event=COMPLETED, obj=booking, before=before, after=_snapshot(booking),
                         subdistrict_id=booking.room.subdistrict_id)
            changed += 1
    return changed
