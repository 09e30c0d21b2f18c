from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.core.models import User
from shequ.core.roles import Role
from shequ.population.models import Person


@pytest.fixture
def doctor(make_staff: Any) -> User:
    """A health worker of 江苏路街道's community health centre."""
    return make_staff(Role.HEALTH, "doctor")


@pytest.fixture
def wang(make_person: Any, org: Any) -> Person:
    return make_person("王秀英", birth=dt.date(1950, 3, 8), phone="13812345678", dwelling=org.huashan_dwellings[2])


@pytest.fixture
def li(make_person: Any, org: Any) -> Person:
    return make_person("李建国", birth=dt.date(1948, 11, 2), sex="M", phone="13900002222",
                       dwelling=org.yuyuan_dwellings[1])


def csv_of(rows: list[dict[str, str]]) -> bytes:
    header = ["编号", "姓名", "性别", "出生日期", "身份证号", "手机", "地址"]
    keys = ["external_id", "name", "sex", "birth_date", "id_number", "phone", "address"]
    lines = [",".join(header)] + [",".join(row.get(k, "") for k in keys) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")
