"""Volunteering personas: a coordinator, a registered volunteer (the resident 王秀英), an activity with a shift."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.core import actions as core_actions
from shequ.core.models import Subdistrict, User
from shequ.core.roles import Role
from shequ.population.models import Person
from shequ.volunteers import actions
from shequ.volunteers.models import Shift, Volunteer


@pytest.fixture
def coordinator(make_staff: Any) -> User:
    user: User = make_staff(Role.VOLUNTEER_COORDINATOR, "coordinator")
    return user


@pytest.fixture
def outside_coordinator(db: Any) -> User:
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    return core_actions.create_user(actor=None, username="other-coordinator", role=Role.VOLUNTEER_COORDINATOR,
                                    full_name="Other", subdistrict=other)


@pytest.fixture
def card_desk(make_staff: Any) -> User:
    user: User = make_staff(Role.CLERK, "card-desk")
    return user


@pytest.fixture
def volunteer(coordinator: User, resident: User, resident_person: Person, card_desk: User) -> Volunteer:
    """王秀英 with her resident card: the time bank is a wallet of the card."""
    card_actions.issue_card(actor=card_desk, person=resident_person)
    return actions.register_volunteer(actor=coordinator, person=resident_person, skills="陪聊")


@pytest.fixture
def shift(coordinator: User) -> Shift:
    activity = actions.create_activity(actor=coordinator, title="助老送餐", place="华山路1088弄活动室")
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return actions.add_shift(actor=coordinator, activity=activity, starts_at=start,
                             ends_at=start + dt.timedelta(hours=2), capacity=2)


@pytest.fixture
def holder_card(card_desk: User, resident_person: Person) -> Any:
    """王秀英's resident card: a coordinator finds and registers card holders only."""
    return card_actions.issue_card(actor=card_desk, person=resident_person)
