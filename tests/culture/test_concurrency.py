"""Residents booking the same slot of a room at the same moment: exactly one of them gets it."""

import datetime as dt
import threading

import pytest
from django.db import connection

from shequ.core.errors import Conflict
from shequ.culture import actions
from shequ.culture.models import Booking
from shequ.population import actions as population_actions
from tests.culture.conftest import MONDAY, at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_residents_booking_the_same_slot_at_once_never_both_get_it(postgres_only, admin, room, make_person, org):
    users = [population_actions.create_resident_account(
        actor=admin, person=make_person(f"居民{i}", birth=dt.date(1970, 1, 1 + i), phone=f"1391111000{i}",
                                        dwelling=org.huashan_dwellings[i])) for i in range(4)]
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def take(index: int) -> None:
        barrier.wait()
        try:
            # Overlapping, not identical, slots: the second half of one is the first half of the next.
            start = at(MONDAY, 10, 15 * (index % 2))
            actions.book_room(actor=users[index], room=room, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                              now=at(MONDAY, 8))
            outcomes.append("booked")
        except Conflict:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * 3
    assert Booking.objects.filter(room=room).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_an_overlapping_live_booking_even_without_the_action(postgres_only, resident, room):
    from django.db import IntegrityError, transaction

    Booking.objects.create(room=room, booker=resident, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11),
                           status="confirmed", created_at=at(MONDAY, 8))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(room=room, booker=resident, starts_at=at(MONDAY, 10, 30), ends_at=at(MONDAY, 12),
                               status="requested", created_at=at(MONDAY, 8))
    Booking.objects.create(room=room, booker=resident, starts_at=at(MONDAY, 10, 30), ends_at=at(MONDAY, 12),
                           status="cancelled", created_at=at(MONDAY, 8))
