"""At the door: checking in with the booker's own resident card, the release of no-shows 15 minutes after the start,
and the restriction that the third no-show within 60 days earns."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.cards.models import Card
from shequ.core.errors import Conflict, NotFound
from shequ.core.models import AuditEntry, User
from shequ.culture import actions
from shequ.culture.choices import BookingStatus
from shequ.culture.models import Booking, Restriction, Room
from tests.culture.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def book(user: User, room: Room, start: dt.datetime, now: dt.datetime, minutes: int = 60) -> Booking:
    return actions.book_room(actor=user, room=room, starts_at=start, ends_at=start + dt.timedelta(minutes=minutes),
                             now=now)


def check_in(staff: User, booking: Booking, card: Card, when: dt.datetime) -> Booking:
    return actions.check_in_by_card(actor=staff, booking=booking, card_number=card.number, now=when)


def test_the_booker_checks_in_with_her_card_in_time(resident, admin, room, card, now):
    booking = book(resident, room, at(MONDAY, 10), now)
    done = check_in(admin, booking, card, at(MONDAY, 9, 55))
    assert done.status == BookingStatus.CHECKED_IN
    assert done.checked_in_at == at(MONDAY, 9, 55)
    assert done.card == card
    entry = AuditEntry.objects.get(event=actions.CHECKED_IN, object_id=str(booking.pk))
    assert card.number not in str(entry.after)


def test_check_in_opens_ten_minutes_before_the_start(resident, admin, room, card, now):
    booking = book(resident, room, at(MONDAY, 10), now)
    with pytest.raises(Conflict, match="太早了"):
        check_in(admin, booking, card, at(MONDAY, 9, 49))
    assert check_in(admin, booking, card, at(MONDAY, 9, 50)).status == BookingStatus.CHECKED_IN


def test_check_in_closes_fifteen_minutes_after_the_start(resident, admin, room, card, now):
    booking = book(resident, room, at(MONDAY, 10), now)
    with pytest.raises(Conflict, match="太晚了"):
        check_in(admin, booking, card, at(MONDAY, 10, 15, ) + dt.timedelta(seconds=1))
    assert check_in(admin, booking, card, at(MONDAY, 10, 15)).status == BookingStatus.CHECKED_IN


def test_someone_elses_card_does_not_check_the_booker_in(resident, neighbour, admin, room, card, neighbour_card,
                                                          now):
    booking = book(resident, room, at(MONDAY, 10), now)
    with pytest.raises(Conflict, match="不是预约人的卡"):
        check_in(admin, booking, neighbour_card, at(MONDAY, 10))
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_an_unknown_card_number_is_not_found(resident, admin, room, card, now):
    booking = book(resident, room, at(MONDAY, 10), now)
    with pytest.raises(NotFound):
        actions.check_in_by_card(actor=admin, booking=booking, card_number="0000", now=at(MONDAY, 10))


def test_a_request_not_yet_approved_cannot_check_in(resident, admin, approval_room, card, now):
    booking = book(resident, approval_room, at(MONDAY, 10), now)
    with pytest.raises(Conflict, match="尚未审批通过"):
        check_in(admin, booking, card, at(MONDAY, 10))


def test_a_booking_not_checked_in_is_released_fifteen_minutes_after_its_start(resident, neighbour, room, now):
    booking = book(resident, room, at(MONDAY, 10), now)
    assert actions.release_no_shows(now=at(MONDAY, 10, 14)) == 0
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert actions.release_no_shows(now=at(MONDAY, 10, 15)) == 1
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.RELEASED
    assert AuditEntry.objects.filter(event=actions.RELEASED, object_id=str(booking.pk)).count() == 1
    # The rest of the slot is free again for someone at the door.
    late = book(neighbour, room, at(MONDAY, 10, 20), at(MONDAY, 10, 16), minutes=30)
    assert late.status == BookingStatus.CONFIRMED


def test_a_checked_in_booking_is_not_released_and_completes_at_its_end(resident, admin, room, card, now):
    booking = book(resident, room, at(MONDAY, 10), now)
    check_in(admin, booking, card, at(MONDAY, 10, 5))
    assert actions.release_no_shows(now=at(MONDAY, 10, 30)) == 0
    assert actions.release_no_shows(now=at(MONDAY, 11)) == 1
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.COMPLETED


def _no_show(user: User, room: Room, day: dt.date) -> None:
    book(user, room, at(day, 10), at(day, 8))
    actions.release_no_shows(now=at(day, 10, 15))


def test_the_third_no_show_within_sixty_days_restricts_the_booker_for_thirty_days(resident, room):
    _no_show(resident, room, MONDAY)
    _no_show(resident, room, MONDAY + dt.timedelta(days=20))
    assert not Restriction.objects.filter(user=resident).exists()
    third = MONDAY + dt.timedelta(days=40)
    _no_show(resident, room, third)
    restriction = Restriction.objects.get(user=resident)
    assert restriction.until == at(third, 10, 15) + dt.timedelta(days=30)
    assert AuditEntry.objects.filter(event=actions.RESTRICTED).count() == 1
    with pytest.raises(Exception, match="之前您不能预约"):
        book(resident, room, at(third + dt.timedelta(days=1), 10), at(third + dt.timedelta(days=1), 8))


def test_no_shows_spread_over_more_than_sixty_days_do_not_restrict(resident, room):
    _no_show(resident, room, MONDAY)
    _no_show(resident, room, MONDAY + dt.timedelta(days=35))
    _no_show(resident, room, MONDAY + dt.timedelta(days=70))
    assert not Restriction.objects.filter(user=resident).exists()


def test_a_restriction_expires_and_the_old_no_shows_do_not_restrict_again(resident, room):
    for day in (0, 7, 14):
        _no_show(resident, room, MONDAY + dt.timedelta(days=day))
    restriction = Restriction.objects.get(user=resident)
    after = restriction.until + dt.timedelta(minutes=1)
    day = timezone_day(after) + dt.timedelta(days=1)
    booking = book(resident, room, at(day, 10), after)
    assert booking.status == BookingStatus.CONFIRMED
    actions.release_no_shows(now=at(day, 10, 15))
    assert Restriction.objects.filter(user=resident).count() == 1


def timezone_day(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localtime(moment).date()
