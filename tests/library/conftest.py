"""Library personas: a librarian of 江苏路街道, one of another sub-district, a reader with a portal account."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.core import actions as core_actions
from shequ.core.models import Subdistrict, User
from shequ.core.roles import Role
from shequ.library import actions
from shequ.library.models import Title
from tests.conftest import SentTexts

HONGLOUMENG = "9787020002207"  # 红楼梦, 人民文学出版社


@pytest.fixture
def librarian(make_staff: Any) -> User:
    user: User = make_staff(Role.LIBRARIAN, "librarian")
    return user


@pytest.fixture
def outside_librarian(db: Any) -> User:
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    return core_actions.create_user(actor=None, username="other-librarian", role=Role.LIBRARIAN,
                                    full_name="Other", subdistrict=other)


@pytest.fixture
def book(librarian: User) -> Title:
    title = actions.add_title(actor=librarian, isbn="978-7-02-000220-7", title="红楼梦", authors="曹雪芹",
                              publisher="人民文学出版社", year=1996)
    actions.add_copy(actor=librarian, title=title, barcode="L0001")
    return title


@pytest.fixture
def sms(texts: SentTexts) -> SentTexts:
    return texts


@pytest.fixture
def reader_card(admin: User, resident_person: Any) -> Any:
    """王秀英's resident card, which is her library card: a desk serves card holders only."""
    from shequ.cards import actions as card_actions

    return card_actions.issue_card(actor=admin, person=resident_person)
