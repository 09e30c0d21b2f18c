"""A diary reading beyond the referral thresholds tells her, in plain words, that her doctor has been told;
the reading itself never travels in a message cookie."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.models import User
from shequ.core.roles import Role
from shequ.health import actions
from shequ.health.choices import WorkerKind
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(make_staff: Any, admin: User, resident_person: Any) -> User:
    doctor: User = make_staff(Role.HEALTH, "doctor")
    doctor.full_name = "张医生"
    doctor.save()
    actions.assign_health_worker(actor=admin, user=doctor, kind=WorkerKind.FAMILY_DOCTOR)
    centre = make_staff(Role.HEALTH, "centre")
    actions.assign_health_worker(actor=admin, user=centre, kind=WorkerKind.CENTRE_STAFF)
    actions.sign_contract(actor=centre, person=resident_person, doctor=doctor,
                          started_on=dt.date.today() - dt.timedelta(days=1))
    return doctor


def _write(client: Client, **reading: str) -> Any:
    return client.post(reverse("health:my_health"), {"note": "", **reading}, follow=True)


def test_a_very_high_blood_pressure_tells_her_that_her_doctor_knows(english: Client, resident: User,
                                                                    doctor: User) -> None:
    login(english, resident)
    page = _write(english, systolic="186", diastolic="112")
    said = " ".join(page.context["reading_alert"])
    assert "Your blood pressure, 186/112, is very high." in said
    assert "We have told your family doctor, 张医生." in said
    assert "call 120" in said
    assert 'data-testid="reading-alert"' in page.content.decode()
    assert "186" not in "".join(str(message) for message in page.context["messages"])


def test_without_a_family_doctor_she_is_told_the_health_centre_knows(english: Client, resident: User) -> None:
    login(english, resident)
    said = " ".join(_write(english, glucose="2.8").context["reading_alert"])
    assert "Your blood glucose, 2.8 mmol/L, is very low." in said
    assert "We have told the community health centre." in said


def test_a_reading_in_range_says_only_that_it_is_saved(english: Client, resident: User, doctor: User) -> None:
    login(english, resident)
    page = _write(english, systolic="128", diastolic="82")
    assert page.context["reading_alert"] == []
    assert 'data-testid="reading-alert"' not in page.content.decode()


def test_she_cannot_read_someone_elses_reading_through_the_link(english: Client, resident: User, doctor: User,
                                                                make_person: Any, admin: User) -> None:
    from shequ.health.models import DiaryEntry
    from shequ.population import actions as population_actions

    other = make_person("李阿姨", phone="13900002222")
    account = population_actions.create_resident_account(actor=admin, person=other)
    login(english, account)
    _write(english, systolic="190", diastolic="115")
    theirs = DiaryEntry.objects.get(person=other)
    login(english, resident)
    page = english.get(reverse("health:my_health") + f"?reading={theirs.pk}")
    assert page.status_code == 200 and page.context["reading_alert"] == []
    assert "190" not in page.content.decode()
