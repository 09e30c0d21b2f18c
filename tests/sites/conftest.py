"""Owners' votes personas: 华山小区's owners' roll, its owners' committee and property company, and owners.

The roll of 华山小区 (8 dwellings, see tests.conftest.Org): 王秀英 (the ``resident``) owns 1号101 (80 m²); 张建国,
who lives elsewhere, owns 1号102, 1号201 and 1号202 (90 + 90 + 100.50 m²); the developer still holds 2号101-2号202
(4 × 70 m²). By head: 3 owners; by area: 640.50 m².
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook

from shequ.core.models import User
from shequ.core.roles import Role
from shequ.population.models import Person
from shequ.sites.actions import roll as roll_actions
from shequ.sites.actions import votes as actions
from shequ.sites.choices import MatterCategory
from shequ.sites.models import Vote
from tests.conftest import Org, id_number

HEADERS = ["楼号", "室号", "业主", "证件号码", "建筑面积", "开发商"]
ZHANG_ID = id_number(dt.date(1962, 4, 2), "M", 31)
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def roll_rows(resident_id: str) -> list[list[Any]]:
    return [
        ["1号", "101", "王秀英", resident_id, 80, ""],
        ["1号", "102", "张建国", ZHANG_ID, 90, ""],
        ["1号", "201", "张建国", ZHANG_ID, "90.00", ""],
        ["1号", "202", "张建国", ZHANG_ID, 100.5, ""],
        *[["2号", room, "某某置业有限公司", "", 70, "开发商"] for room in ("101", "102", "201", "202")],
    ]


@pytest.fixture
def owners_committee(make_staff: Callable[..., User], org: Org) -> User:
    return make_staff(Role.OWNERS_COMMITTEE, "huashan-owners", compound=org.huashan_compound)


@pytest.fixture
def yuyuan_owners_committee(make_staff: Callable[..., User], org: Org) -> User:
    return make_staff(Role.OWNERS_COMMITTEE, "yuyuan-owners", compound=org.yuyuan_compound)


@pytest.fixture
def property_company(make_staff: Callable[..., User], org: Org) -> User:
    return make_staff(Role.PROPERTY, "huashan-property", compound=org.huashan_compound)


@pytest.fixture
def roll(property_company: User, resident: User, org: Org) -> dict[str, int]:
    person = Person.objects.get(user=resident)
    return roll_actions.import_roll(actor=property_company, compound=org.huashan_compound,
                                    data=xlsx(roll_rows(person.id_number)), filename="roll.xlsx",
                                    as_of=dt.date(2026, 1, 1))


@pytest.fixture
def make_vote(owners_committee: User, org: Org, roll: dict[str, int]) -> Callable[..., Vote]:
    def make(*, category: str = MatterCategory.PROPERTY_MANAGER, secret: bool = False, opened: bool = True,
             actor: User | None = None) -> Vote:
        actor = actor or owners_committee
        vote = actions.create_vote(actor=actor, compound=org.huashan_compound, title="续聘物业公司",
                                   category=category, secret=secret, opens_at=NOW,
                                   closes_at=NOW + dt.timedelta(days=14))
        if opened:
            vote = actions.open_vote(actor=actor, vote=vote, now=NOW)
        return vote

    return make


@pytest.fixture
def during() -> dt.datetime:
    return NOW + dt.timedelta(hours=1)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate(NOW)
