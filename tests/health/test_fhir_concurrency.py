"""The same FHIR Bundle sent twice at the same moment, on PostgreSQL with real concurrent transactions.

Both senders look for the resource, find nothing, and insert: the second insert waits on the unique index
until the first commits, then fails, and the import must answer with what the first one wrote. To make that
interleaving certain rather than likely, the look-up is gated: each sender's first look-up waits until both
have made theirs.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from shequ.core.models import User
from shequ.health import actions, fhir
from shequ.health.models import Alert, ChronicCondition, DiaryEntry, Encounter, FollowUp
from shequ.population.models import Person
from tests.health.fhir_client import api as fhir_api
from tests.health.fhir_client import (
    blood_pressure,
    bundle,
    clinic_bundle,
    observation,
    patient_entry,
    post,
    quantity,
    valid,
)

SENDERS = 2


def _send_at_once(user: User, body: dict[str, Any]) -> list[Any]:
    barrier = threading.Barrier(SENDERS)
    answers: list[Any] = []
    lock = threading.Lock()

    def send() -> None:
        client = fhir_api(user)
        barrier.wait()
        try:
            response = client.post("/fhir/R4/", body, format="json")
            with lock:
                answers.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _gate(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Each thread's first call of ``actions.<name>`` (the look-up before the insert) waits for the other's."""
    original = getattr(actions, name)
    both_looked = threading.Barrier(SENDERS)
    seen = threading.local()

    def gated(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        if not getattr(seen, "once", False):
            seen.once = True
            both_looked.wait(timeout=30)
        return found

    monkeypatch.setattr(actions, name, gated)


def _visit(person: Person) -> dict[str, Any]:
    return bundle("transaction", clinic_bundle(person)["entry"][0], patient_entry(person))


def _reading(person: Person) -> dict[str, Any]:
    return bundle("transaction", patient_entry(person), post(observation(fhir.WEIGHT, quantity(154, "[lb_av]"))))


def _diagnosis(person: Person) -> dict[str, Any]:
    return bundle("transaction", patient_entry(person), clinic_bundle(person)["entry"][2])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("make", "look_up", "model"), [
    (_visit, "_same_source", Encounter), (_reading, "_same_source", DiaryEntry),
    (_diagnosis, "_managed_condition", ChronicCondition),
])
def test_a_resource_both_senders_insert_is_written_once_and_both_get_its_location(
        postgres_only: None, centre: User, resident_person: Person, monkeypatch: pytest.MonkeyPatch,
        make: Any, look_up: str, model: Any) -> None:
    _gate(monkeypatch, look_up)
    replies = [valid(response, kind="Bundle") for response in _send_at_once(centre, make(resident_person))]
    assert len(replies) == SENDERS
    written = [entry.response for reply in replies for entry in reply.entry
               if not entry.response.location.startswith("Patient/")]
    assert sorted(response.status for response in written) == ["200 OK", "201 Created"]
    assert len({response.location for response in written}) == 1
    assert model.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_bundle_sent_twice_at_once_is_written_once(
        postgres_only: None, centre: User, contract: Any, resident_person: Person) -> None:
    body = clinic_bundle(resident_person)
    body["entry"].append(post(blood_pressure(quantity(150, "mm[Hg]"), quantity(95, "mm[Hg]"))))
    answers = _send_at_once(centre, body)
    replies = [valid(response, kind="Bundle") for response in answers]
    assert len(replies) == SENDERS, "each sender got an answer (no 500, no deadlock)"
    locations = [[entry.response.location for entry in reply.entry] for reply in replies]
    assert locations[0] == locations[1], "both senders are told the same resources"
    statuses = sorted(entry.response.status for reply in replies for entry in reply.entry
                      if not entry.response.location.startswith("Patient/"))
    assert statuses == ["200 OK"] * 4 + ["201 Created"] * 4, "one sender created each resource, the other found it"
    assert (Encounter.objects.count(), ChronicCondition.objects.count(), DiaryEntry.objects.count()) == (1, 1, 2)
    assert Alert.objects.count() == 1 and FollowUp.objects.count() == 1, "one alert, one follow-up scheduled"
