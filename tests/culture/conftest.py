"""Culture-centre personas: the multimedia room open 9:00–17:00 every day, a meeting room that needs approval, two
residents of 华山 with portal accounts (王秀英 with a resident card) and a fixed clock: Monday 4 March 2030, 8:00."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.cards.models import Card
from shequ.core.models import User
from shequ.culture.choices import RoomKind
from shequ.culture.models import OpeningHours, Room
from shequ.population import actions as population_actions
from shequ.population.models import Person
from tests.conftest import Org

MONDAY = dt.date(2030, 3, 4)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def now() -> dt.datetime:
    return at(MONDAY, 8)


def _room(org: Org, name: str, kind: str, **rules: object) -> Room:
    room = Room.objects.create(subdistrict=org.subdistrict, name=name, kind=kind, capacity=30, **rules)
    for weekday in range(7):
        OpeningHours.objects.create(room=room, weekday=weekday, opens=dt.time(9), closes=dt.time(17))
    return room


@pytest.fixture
def room(org: Org) -> Room:
    """多媒体视听室: 2 hours a booking at most, 6 hours held in the 14-day window."""
    return _room(org, "多媒体视听室", RoomKind.MULTIMEDIA, max_booking_minutes=120, max_window_minutes=360)


@pytest.fixture
def approval_room(org: Org) -> Room:
    return _room(org, "一号会议室", RoomKind.MEETING, needs_approval=True)


@pytest.fixture
def neighbour(make_person: Callable[..., Person], admin: User, org: Org) -> User:
    """李阿姨, another resident of 华山 with an account."""
    person = make_person("李阿姨", birth=dt.date(1960, 5, 1), phone="13911112222", dwelling=org.huashan_dwellings[3])
    return population_actions.create_resident_account(actor=admin, person=person)


@pytest.fixture
def card(resident: User, resident_person: Person, admin: User) -> Card:
    return card_actions.issue_card(actor=admin, person=resident_person)


@pytest.fixture
def neighbour_card(neighbour: User, admin: User) -> Card:
    return card_actions.issue_card(actor=admin, person=Person.objects.get(user=neighbour))
