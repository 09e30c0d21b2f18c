"""Booking a culture-centre room: conflicts, opening hours, the rules of the room, approval and cancelling."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import AuditEntry, User
from shequ.culture import actions
from shequ.culture.choices import BookableBy, BookingStatus
from shequ.culture.models import Booking, Closure, Room
from tests.culture.conftest import MONDAY, at

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + dt.timedelta(days=1)


def book(user: User, room: Room, start: dt.datetime, minutes: int, now: dt.datetime, **extra: str) -> Booking:
    return actions.book_room(actor=user, room=room, starts_at=start, ends_at=start + dt.timedelta(minutes=minutes),
                             now=now, **extra)


def test_a_resident_books_a_free_slot_and_the_booking_is_confirmed_and_audited(resident, room, now):
    booking = book(resident, room, at(MONDAY, 10), 60, now, purpose="合唱排练")
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.booker == resident
    assert AuditEntry.objects.filter(event=actions.BOOKED, actor=resident, object_id=str(booking.pk)).count() == 1


def test_a_slot_overlapping_a_live_booking_is_refused(resident, neighbour, room, now):
    book(resident, room, at(MONDAY, 10), 60, now)
    with pytest.raises(Conflict, match="已被预约"):
        book(neighbour, room, at(MONDAY, 10, 30), 60, now)
    assert Booking.objects.count() == 1


def test_back_to_back_bookings_do_not_conflict(resident, neighbour, room, now):
    book(resident, room, at(MONDAY, 10), 60, now)
    assert book(neighbour, room, at(MONDAY, 11), 60, now).status == BookingStatus.CONFIRMED


def test_a_cancelled_booking_frees_its_slot(resident, neighbour, room, now):
    booking = book(resident, room, at(MONDAY, 10), 60, now)
    actions.cancel_booking(actor=resident, booking=booking, now=now)
    assert book(neighbour, room, at(MONDAY, 10), 60, now).status == BookingStatus.CONFIRMED
    assert AuditEntry.objects.filter(event=actions.CANCELLED, actor=resident).count() == 1


def test_a_booking_must_fit_inside_opening_hours(resident, room, now):
    with pytest.raises(Invalid, match="09:00–17:00"):
        book(resident, room, at(MONDAY, 16, 30), 60, now)
    with pytest.raises(Invalid, match="09:00–17:00"):
        book(resident, room, at(MONDAY, 8, 30), 60, now - dt.timedelta(hours=1))
    assert book(resident, room, at(MONDAY, 16), 60, now).ends_at == at(MONDAY, 17)


def test_a_room_is_not_bookable_on_a_closure_day_or_a_closed_weekday(resident, room, now):
    Closure.objects.create(room=room, day=TUESDAY, reason="设备检修")
    with pytest.raises(Invalid, match="不开放"):
        book(resident, room, at(TUESDAY, 10), 60, now)
    room.opening_hours.filter(weekday=MONDAY.weekday()).delete()
    with pytest.raises(Invalid, match="不开放"):
        book(resident, room, at(MONDAY, 10), 60, now)


def test_the_longest_booking_is_just_allowed_and_a_minute_more_is_refused(resident, room, now):
    with pytest.raises(Invalid, match="每次最多预约120分钟"):
        book(resident, room, at(MONDAY, 10), 121, now)
    assert book(resident, room, at(MONDAY, 10), 120, now).minutes == 120


def test_the_rolling_window_allowance_is_just_reached_and_not_exceeded(resident, room, now):
    for day in range(1, 3):
        book(resident, room, at(MONDAY + dt.timedelta(days=day), 10), 120, now)
    book(resident, room, at(MONDAY + dt.timedelta(days=3), 10), 60, now)
    with pytest.raises(Conflict, match="共360分钟"):
        book(resident, room, at(MONDAY + dt.timedelta(days=4), 10), 61, now)
    assert book(resident, room, at(MONDAY + dt.timedelta(days=4), 10), 60, now).minutes == 60


def test_past_bookings_no_longer_count_against_the_window(resident, room, now):
    for day in range(3):
        book(resident, room, at(MONDAY + dt.timedelta(days=day), 10), 120, now)
    later = at(MONDAY, 12)
    assert book(resident, room, at(MONDAY + dt.timedelta(days=5), 10), 120, later).minutes == 120


def test_a_room_can_be_booked_only_within_the_window_days_ahead(resident, room, now):
    with pytest.raises(Invalid, match="最多可提前14天预约"):
        book(resident, room, at(MONDAY + dt.timedelta(days=14), 10), 60, now)
    assert book(resident, room, at(MONDAY + dt.timedelta(days=13), 10), 60, now)


def test_a_past_time_cannot_be_booked(resident, room, now):
    with pytest.raises(Invalid, match="已经过去"):
        book(resident, room, at(MONDAY, 10), 60, at(MONDAY, 10, 1))


def test_a_staff_only_room_refuses_residents_and_takes_staff(resident, admin, room, now):
    room.bookable_by = BookableBy.STAFF
    room.save()
    with pytest.raises(Forbidden, match="仅由中心工作人员预约"):
        book(resident, room, at(MONDAY, 10), 60, now)
    assert book(admin, room, at(MONDAY, 10), 60, now).status == BookingStatus.CONFIRMED


def test_a_groups_only_room_needs_the_groups_name(resident, room, now):
    room.bookable_by = BookableBy.GROUPS
    room.save()
    with pytest.raises(Invalid, match="团队名称"):
        book(resident, room, at(MONDAY, 10), 60, now)
    assert book(resident, room, at(MONDAY, 10), 60, now, group_name="华山合唱队").group_name == "华山合唱队"


def test_a_room_of_another_subdistrict_or_an_inactive_room_is_not_found(resident, room, now):
    room.active = False
    room.save()
    with pytest.raises(NotFound):
        book(resident, room, at(MONDAY, 10), 60, now)


def test_an_approval_room_request_waits_then_is_approved_by_staff(resident, admin, approval_room, now):
    booking = book(resident, approval_room, at(MONDAY, 10), 60, now)
    assert booking.status == BookingStatus.REQUESTED
    approved = actions.approve_booking(actor=admin, booking=booking, now=now)
    assert approved.status == BookingStatus.CONFIRMED
    assert approved.decided_by == admin
    assert AuditEntry.objects.filter(event=actions.APPROVED, actor=admin, object_id=str(booking.pk)).count() == 1


def test_a_pending_request_holds_its_slot(resident, neighbour, approval_room, now):
    book(resident, approval_room, at(MONDAY, 10), 60, now)
    with pytest.raises(Conflict):
        book(neighbour, approval_room, at(MONDAY, 10), 60, now)


def test_a_rejected_request_frees_the_slot_and_cannot_be_decided_again(resident, neighbour, alice, approval_room, now):
    booking = book(resident, approval_room, at(MONDAY, 10), 60, now)
    actions.reject_booking(actor=alice, booking=booking, note="当天有社区会议", now=now)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REJECTED
    assert AuditEntry.objects.filter(event=actions.REJECTED, actor=alice).count() == 1
    with pytest.raises(Conflict, match="已不在待审批状态"):
        actions.approve_booking(actor=alice, booking=booking, now=now)
    assert book(neighbour, approval_room, at(MONDAY, 10), 60, now).status == BookingStatus.REQUESTED


def test_a_resident_cannot_approve_even_her_own_request(resident, approval_room, now):
    booking = book(resident, approval_room, at(MONDAY, 10), 60, now)
    with pytest.raises(NotFound):
        actions.approve_booking(actor=resident, booking=booking, now=now)


def test_a_resident_cannot_cancel_someone_elses_booking(resident, neighbour, room, now):
    booking = book(resident, room, at(MONDAY, 10), 60, now)
    with pytest.raises(NotFound):
        actions.cancel_booking(actor=neighbour, booking=booking, now=now)


def test_a_booking_cannot_be_cancelled_once_it_started(resident, room, now):
    booking = book(resident, room, at(MONDAY, 10), 60, now)
    with pytest.raises(Conflict, match="已经开始"):
        actions.cancel_booking(actor=resident, booking=booking, now=at(MONDAY, 10, 5))


def test_the_days_slots_show_free_and_taken_stretches_and_nothing_already_past(resident, room, now):
    from shequ.culture.queries import day_slots

    book(resident, room, at(MONDAY, 10), 60, now)
    slots = day_slots(room, MONDAY, now)
    assert [(s.starts_at, s.ends_at, s.free) for s in slots] == [
        (at(MONDAY, 9), at(MONDAY, 10), True), (at(MONDAY, 10), at(MONDAY, 11), False),
        (at(MONDAY, 11), at(MONDAY, 17), True)]
    later = day_slots(room, MONDAY, at(MONDAY, 11, 20))
    assert [(s.starts_at, s.free) for s in later] == [
        (at(MONDAY, 9), False), (at(MONDAY, 10), False), (at(MONDAY, 11, 30), True)]
    Closure.objects.create(room=room, day=MONDAY)
    assert day_slots(room, MONDAY, now) == []
