"""The rooms pages: a resident books from the free slots of a day and cancels her own; the desk approves and checks
in by card; each resident sees only her own bookings, the sub-district's staff all of them; the surfaces count what
their lists show."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.core.registry import counts_for, tiles_for
from shequ.culture import actions, queries
from shequ.culture.choices import BookingStatus
from shequ.culture.models import Booking
from tests.conftest import login
from tests.culture.conftest import at

pytestmark = pytest.mark.django_db


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _book(user, room, hour=10, **extra):
    start = at(_tomorrow(), hour)
    return actions.book_room(actor=user, room=room, starts_at=start, ends_at=start + dt.timedelta(hours=1), **extra)


def test_a_resident_sees_the_free_and_taken_slots_of_a_day_without_who_took_them(client: Client, resident, neighbour,
                                                                                 room):
    _book(neighbour, room)
    login(client, resident)
    page = client.get(reverse("culture:rooms"), {"day": f"{_tomorrow():%Y-%m-%d}"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "10:00–11:00" in text
    assert 'data-testid="taken-slot"' in text
    assert "李阿姨" not in text
    assert text.count('data-testid="free-slot"') == 2  # 9–10 and 11–17


def test_a_resident_books_through_the_form_and_sees_it_under_her_bookings(client: Client, resident, room):
    login(client, resident)
    url = reverse("culture:book", args=[room.pk])
    answer = client.post(url, {"day": f"{_tomorrow():%Y-%m-%d}", "start": "14:00", "end": "15:00",
                                "purpose": "书法练习"})
    assert answer.status_code == 302
    booking = Booking.objects.get(booker=resident)
    assert booking.starts_at == at(_tomorrow(), 14)
    mine = client.get(reverse("culture:mine"))
    assert mine.content.decode().count('data-testid="booking"') == 1


def test_the_booking_form_says_why_a_slot_is_refused(client: Client, resident, neighbour, room):
    _book(neighbour, room, hour=14)
    login(client, resident)
    answer = client.post(reverse("culture:book", args=[room.pk]),
                         {"day": f"{_tomorrow():%Y-%m-%d}", "start": "14:30", "end": "15:30"})
    assert answer.status_code == 200
    assert 'role="alert"' in answer.content.decode()
    assert not Booking.objects.filter(booker=resident).exists()


def test_a_resident_cancels_her_own_booking_but_not_a_neighbours(client: Client, resident, neighbour, room):
    own, other = _book(resident, room, hour=10), _book(neighbour, room, hour=12)
    login(client, resident)
    assert client.post(reverse("culture:cancel", args=[other.pk])).status_code == 404
    assert client.post(reverse("culture:cancel", args=[own.pk])).status_code == 302
    assert Booking.objects.get(pk=own.pk).status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=other.pk).status == BookingStatus.CONFIRMED


def test_a_resident_sees_only_her_own_bookings_and_staff_of_the_subdistrict_see_all(resident, neighbour, admin,
                                                                                   alice, bob, room):
    own, other = _book(resident, room, hour=10), _book(neighbour, room, hour=12)
    assert list(queries.bookings(resident)) == [own]
    assert set(queries.bookings(admin)) == {own, other}
    assert set(queries.bookings(alice)) == set(queries.bookings(bob)) == {own, other}


def test_the_desk_is_for_staff_only(client: Client, resident, admin):
    login(client, resident)
    assert client.get(reverse("culture:desk")).status_code == 404
    client.logout()
    assert client.get(reverse("culture:desk")).status_code == 302
    login(client, admin)
    assert client.get(reverse("culture:desk")).status_code == 200


def test_the_workbench_count_of_requests_is_the_number_of_requests_the_desk_lists(client: Client, resident,
                                                                                  neighbour, alice, approval_room):
    _book(resident, approval_room, hour=10)
    _book(neighbour, approval_room, hour=12)
    count = next(entry for entry in counts_for(alice) if entry.key == "culture.awaiting_approval")
    assert count.count(alice) == 2
    login(client, alice)
    page = client.get(count.url(alice))
    assert page.content.decode().count('data-testid="request"') == 2


def test_the_desk_approves_a_request_and_checks_the_booker_in_with_her_card(client: Client, resident, admin,
                                                                           approval_room, card):
    booking = _book(resident, approval_room, hour=10)
    login(client, admin)
    client.post(reverse("culture:decide", args=[booking.pk]), {"decision": "approve"})
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    # Too early today for tomorrow's booking: refused with the reason, nothing changes.
    answer = client.post(reverse("culture:check_in", args=[booking.pk]), {"card": card.number}, follow=True)
    assert answer.status_code == 200
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_the_residents_tile_shows_her_next_booking(resident, room):
    _book(resident, room, hour=10)
    found = next(entry for entry in tiles_for(resident) if entry.key == "culture.rooms")
    lines = list(found.lines(resident))
    assert lines[0].label == room.name
