"""Eldercare personas: elders of 华山 and 愚园 on the roll, and a volunteer (a resident with an account)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from shequ.core.dates import add_years
from shequ.core.models import User
from shequ.eldercare.actions import roll as actions
from shequ.eldercare.models import CareRecipient
from shequ.population import actions as population_actions
from shequ.population.models import Person, Tag
from shequ.volunteers.models import Volunteer
from tests.conftest import Org


def tag(admin: User, person: Person, code: str) -> None:
    population_actions.set_tags(actor=admin, person=person, tags=[*person.tags.all(), Tag.objects.get(code=code)])


@pytest.fixture
def elder(make_person: Callable[..., Person], admin: User) -> Person:
    """王秀英, 76, living alone in 华山小区."""
    person = make_person("王秀英", birth=add_years(timezone.localdate(), -76))
    tag(admin, person, "elder_alone")
    return person


@pytest.fixture
def yuyuan_elder(make_person: Callable[..., Person], org: Org) -> Person:
    """陈阿婆, 85, in 愚园新村."""
    return make_person("陈阿婆", birth=add_years(timezone.localdate(), -85), dwelling=org.yuyuan_dwellings[0])


@pytest.fixture
def on_roll(elder: Person, yuyuan_elder: Person) -> dict[str, CareRecipient]:
    actions.refresh_roll()
    return {"huashan": CareRecipient.objects.get(person=elder),
            "yuyuan": CareRecipient.objects.get(person=yuyuan_elder)}


@pytest.fixture
def volunteer_user(make_person: Callable[..., Person], admin: User, org: Org) -> User:
    """李阿姨, a younger-old volunteer of 华山 with a portal account."""
    person = make_person("李阿姨", birth=dt.date(1960, 5, 1), phone="13911112222", dwelling=org.huashan_dwellings[3])
    user = population_actions.create_resident_account(actor=admin, person=person)
    Volunteer.objects.create(person=person, subdistrict=org.subdistrict, registered_on=dt.date(2024, 1, 1))
    return user


@pytest.fixture
def volunteer(volunteer_user: User) -> Volunteer:
    return Volunteer.objects.get(person__user=volunteer_user)


