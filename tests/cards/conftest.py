from __future__ import annotations

from typing import Any

import pytest

from shequ.cards import actions
from shequ.cards.models import Account, Card
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.population.models import Person


@pytest.fixture
def clerk(make_staff: Any) -> User:
    """A service-centre clerk of the whole sub-district: the card desk."""
    user: User = make_staff(Role.CLERK, "clerk")
    return user


@pytest.fixture
def yuyuan_clerk(make_staff: Any, org: Any) -> User:
    """A clerk who works for 愚园 only: out of scope for 华山's residents."""
    user: User = make_staff(Role.CLERK, "yuyuan-clerk", neighborhood=org.yuyuan)
    return user


@pytest.fixture
def card(clerk: User, resident_person: Person) -> Card:
    return actions.issue_card(actor=clerk, person=resident_person)


@pytest.fixture
def canteen_account(org: Any) -> Account:
    return actions.system_account(org.subdistrict.pk, "canteen", "canteen-test")


@pytest.fixture
def till(admin: User, canteen_account: Account) -> tuple[Any, str]:
    """A canteen till registered on the canteen's account, and its token."""
    return actions.register_terminal(actor=admin, name="华山食堂 1号机", kind="canteen_till", account=canteen_account)


@pytest.fixture
def till_client(till: tuple[Any, str]) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Terminal {till[1]}")
    return client


@pytest.fixture
def register(admin: User) -> Any:
    """Register a terminal of a kind on an account of the kind it settles into; returns it and its API client."""
    from rest_framework.test import APIClient

    from shequ.cards.rules import TERMINALS

    def make(kind: str, account: Account | None = None, actor: User | None = None) -> tuple[Any, Any]:
        by = actor or admin
        account = account or actions.system_account(by.subdistrict_id, TERMINALS[kind].account, f"{kind}-place")
        terminal, token = actions.register_terminal(actor=by, name=kind, kind=kind, account=account)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
        return terminal, client

    return make


@pytest.fixture
def desk(register: Any, clerk: User) -> tuple[Any, Any]:
    """A top-up desk whose cash box holds ¥100 counted in by the card-desk clerk; and its API client."""
    terminal, client = register("top_up_desk")
    actions.record_cash(actor=clerk, amount_fen=10_000, cash_box=terminal.account)
    return terminal, client
