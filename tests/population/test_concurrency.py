"""Two clerks registering the same person at the same moment: exactly one record, never two."""

import datetime as dt
import threading

import pytest
from django.db import connection

from shequ.core.errors import Conflict
from shequ.population import actions
from shequ.population.choices import ResidenceType
from shequ.population.models import Person
from tests.conftest import id_number


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_id_registered_concurrently_yields_one_person(org, admin):
    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "needs PostgreSQL for real concurrent transactions")
    number = id_number(dt.date(1950, 1, 1), "F", 7)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def register(dwelling_index: int) -> None:
        barrier.wait()
        try:
            actions.register_person(actor=admin, name="并发", id_number=number, residence_type=ResidenceType.REGISTERED,
                                    dwelling=org.huashan_dwellings[dwelling_index])
            outcomes.append("registered")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "registered"]
    assert Person.objects.count() == 1
