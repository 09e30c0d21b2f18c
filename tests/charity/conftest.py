"""Charity-shop personas: a clerk of 江苏路街道, one of another sub-district, goods, an eligible household."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.cards import actions as card_actions
from shequ.charity import actions
from shequ.charity.models import StockItem
from shequ.core import actions as core_actions
from shequ.core.models import Subdistrict, User
from shequ.core.roles import Role
from shequ.population.models import Person, Tag


@pytest.fixture
def clerk(make_staff: Any) -> User:
    user: User = make_staff(Role.CHARITY_CLERK, "clerk-charity")
    return user


@pytest.fixture
def outside_clerk(db: Any) -> User:
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    return core_actions.create_user(actor=None, username="other-clerk", role=Role.CHARITY_CLERK, full_name="Other",
                                    subdistrict=other)


@pytest.fixture
def rice(clerk: User) -> StockItem:
    item = actions.add_item(actor=clerk, name="大米5公斤", unit="袋", price_fen=3000)
    actions.receive_donation(actor=clerk, donor_name="爱心企业", lines=[(item, 10)])
    item.refresh_from_db()
    return item


@pytest.fixture
def card_desk(make_staff: Any) -> User:
    user: User = make_staff(Role.CLERK, "card-desk")
    return user


@pytest.fixture
def eligible(make_person: Any, card_desk: User) -> Person:
    """张阿姨, head of a household on 低保, with her resident card (points are held on it)."""
    # get_or_create: a transactional test that ran before may have flushed the standard tags.
    tag, _created = Tag.objects.get_or_create(code="subsistence", defaults={"name": "低保"})
    person: Person = make_person("张桂英", birth=dt.date(1948, 4, 4), relationship="head", phone="13900001111",
                                 tags=[tag])
    card_actions.issue_card(actor=card_desk, person=person)
    return person
