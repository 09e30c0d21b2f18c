"""Health personas on top of the shared ones:

- ``doctor``: 张医生, a family doctor of the sub-district's health centre, contracted with ``resident_person``
- ``other_doctor``: 李医生, a family doctor with no contract with her
- ``centre``: health-centre staff (records office), sees every health record of the sub-district
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.core.models import User
from shequ.core.roles import Role
from shequ.health import actions
from shequ.health.choices import WorkerKind
from shequ.health.models import FamilyDoctorContract
from shequ.population.models import Person


def _worker(make_staff: Any, admin: User, username: str, kind: str, **unit: Any) -> User:
    user: User = make_staff(Role.HEALTH, username, **unit)
    actions.assign_health_worker(actor=admin, user=user, kind=kind, team="华山团队")
    return user


@pytest.fixture
def doctor(make_staff: Any, admin: User) -> User:
    return _worker(make_staff, admin, "doctor", WorkerKind.FAMILY_DOCTOR)


@pytest.fixture
def other_doctor(make_staff: Any, admin: User) -> User:
    return _worker(make_staff, admin, "other-doctor", WorkerKind.FAMILY_DOCTOR)


@pytest.fixture
def centre(make_staff: Any, admin: User) -> User:
    return _worker(make_staff, admin, "centre", WorkerKind.CENTRE_STAFF)


@pytest.fixture
def contract(centre: User, doctor: User, resident_person: Person) -> FamilyDoctorContract:
    return actions.sign_contract(actor=centre, person=resident_person, doctor=doctor,
                                 started_on=dt.date.today() - dt.timedelta(days=30))
