"""Many volunteers taking the last places of a shift at the same moment: never more sign-ups than places."""

import datetime as dt
import threading

import pytest
from django.db import connection

from shequ.core.errors import Conflict
from shequ.volunteers import actions
from shequ.volunteers.models import SignUp


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_overbook_a_shift(postgres_only, coordinator, shift, make_person):
    people = [make_person(f"志愿者{i}", birth=dt.date(1970, 1, 1 + i)) for i in range(6)]
    volunteers = [actions.register_volunteer(actor=coordinator, person=person) for person in people]
    barrier = threading.Barrier(len(volunteers))
    outcomes: list[str] = []

    def take_place(index: int) -> None:
        barrier.wait()
        try:
            actions.sign_up(actor=coordinator, shift=shift, volunteer=volunteers[index])
            outcomes.append("in")
        except Conflict:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=take_place, args=(i,)) for i in range(len(volunteers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full"] * 4 + ["in"] * 2
    assert SignUp.objects.filter(shift=shift).count() == shift.capacity == 2
