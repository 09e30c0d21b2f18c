from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.cards.models import Card
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.dining import actions
from shequ.dining.models import Canteen, MenuItem
from shequ.population.models import Person


@pytest.fixture
def clerk(make_staff: Any) -> User:
    user: User = make_staff(Role.CLERK, "clerk")
    return user


@pytest.fixture
def canteen(admin: User, org: Any) -> Canteen:
    return actions.create_canteen(actor=admin, name="华山长者食堂", neighborhood=org.huashan, address="华山路1088弄")


@pytest.fixture
def operator(make_staff: Any, admin: User, canteen: Canteen) -> User:
    """老周, who runs 华山长者食堂."""
    user: User = make_staff(Role.CANTEEN, "zhou")
    actions.add_operator(actor=admin, canteen=canteen, user=user)
    return user


@pytest.fixture
def other_operator(make_staff: Any, admin: User, org: Any) -> User:
    """The operator of another canteen: out of scope for 华山长者食堂."""
    user: User = make_staff(Role.CANTEEN, "qian")
    other = actions.create_canteen(actor=admin, name="愚园助餐点", neighborhood=org.yuyuan)
    actions.add_operator(actor=admin, canteen=other, user=user)
    return user


@pytest.fixture
def lunch(operator: User, canteen: Canteen) -> MenuItem:
    menu = actions.set_menu(actor=operator, canteen=canteen, day=timezone.localdate(),
                            items=[("一荤两素套餐", 1500, "lunch"), ("面条", 800, "lunch")])
    return menu.items.get(name="一荤两素套餐")


def age_years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=10)


@pytest.fixture
def diner_card(make_person: Any, clerk: User, org: Any) -> Any:
    """A card for a new person of the given age (and tags), with cash on it."""
    counter = iter(range(1, 50))

    def make(age: int, tags: tuple[str, ...] = (), cash: int = 5000, name: str = "") -> Card:
        from shequ.population import actions as population_actions
        from shequ.population.models import Tag

        person: Person = make_person(name or f"老人{next(counter)}", birth=age_years_ago(age),
                                     dwelling=org.huashan_dwellings[1])
        if tags:
            population_actions.set_tags(actor=clerk, person=person, tags=Tag.objects.filter(code__in=tags))
        card = card_actions.issue_card(actor=clerk, person=person)
        if cash:
            card_actions.top_up(actor=clerk, card=card, amount_fen=cash)
        return card

    return make
