"""The portal's personas on top of the shared ones: the resident 王秀英 with a card, books, a request and a
follow-up, and the staff who served her."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from shequ.core.models import User
from shequ.core.roles import Role


@pytest.fixture
def english(client: Client) -> Client:
    """Pages in English, so that figures read as the tests spell them whatever the catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def clerk(make_staff: Any) -> User:
    user: User = make_staff(Role.CLERK, "clerk")
    return user


@pytest.fixture
def librarian(make_staff: Any) -> User:
    user: User = make_staff(Role.LIBRARIAN, "librarian")
    return user


@pytest.fixture
def card(clerk: User, resident_person: Any) -> Any:
    from shequ.cards import actions

    return actions.issue_card(actor=clerk, person=resident_person)


@pytest.fixture
def service(admin: User, org: Any) -> Any:
    from shequ.affairs import actions
    from shequ.affairs.choices import DepartmentKind, SlaUnit

    office = actions.save_department(actor=admin, code="office", name="街道办事处",
                                     kind=DepartmentKind.SUBDISTRICT_OFFICE)
    return actions.save_service(actor=admin, code="repair", name="房屋报修", category="物业", department=office,
                                materials="", sla_amount=3, sla_unit=SlaUnit.WORKING_DAYS, keywords="漏水 维修")


@pytest.fixture
def books(librarian: User) -> list[Any]:
    from shequ.library import actions

    made = []
    for number, (isbn, title) in enumerate((("9787020002207", "红楼梦"), ("9787020008735", "水浒传"),
                                            ("9787020008728", "三国演义")), start=1):
        made.append(actions.add_title(actor=librarian, isbn=isbn, title=title))
        actions.add_copy(actor=librarian, title=made[-1], barcode=f"L000{number}")
    return made


def days_ago(days: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=days)
