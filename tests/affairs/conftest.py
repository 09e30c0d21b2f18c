"""The service centre every affairs test starts from, on top of the shared personas.

- ``clerk``: hotline operator of the sub-district's service centre (sees the whole sub-district)
- ``fixer``: staff of 华山物业, the property company of 华山小区 (sees only what is dispatched to it)
- ``other_fixer``: staff of 愚园物业, the property company of 愚园新村 (out of scope for 华山物业's work)
- ``boss``: supervisor of 华山物业, who receives its escalations
- ``alice``/``bob``: committee workers of 华山 and 愚园 (from the shared conftest)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shequ.affairs import actions
from shequ.affairs.choices import DepartmentKind, SlaUnit
from shequ.affairs.models import Department, Service
from shequ.core import actions as core_actions
from shequ.core.models import User
from shequ.core.roles import Role
from tests.conftest import SentTexts


@dataclass
class Centre:
    office: Department
    huashan_committee: Department
    huashan_property: Department
    yuyuan_property: Department
    police: Department
    health: Department
    repair: Service
    permit: Service
    gas: Service
    clerk: User
    fixer: User
    other_fixer: User
    boss: User
    officer: User


@pytest.fixture
def outbox(texts: SentTexts) -> SentTexts:
    return texts


@pytest.fixture
def staff(org: Any) -> Any:
    """Staff accounts without passwords: Argon2 is slow on purpose and these tests log in by force."""
    def make(role: str, username: str, **unit: Any) -> User:
        return core_actions.create_user(actor=None, username=username, role=role, full_name=username.title(),
                                        subdistrict=org.subdistrict, **unit)

    return make


@pytest.fixture
def centre(org: Any, admin: User, staff: Any) -> Centre:
    def department(code: str, name: str, kind: str, **extra: Any) -> Department:
        return actions.save_department(actor=admin, code=code, name=name, kind=kind, **extra)

    office = department("office", "街道办事处", DepartmentKind.SUBDISTRICT_OFFICE)
    committee = department("huashan-committee", "华山居委会", DepartmentKind.COMMITTEE, neighborhood=org.huashan)
    huashan_property = department("huashan-property", "华山物业", DepartmentKind.PROPERTY,
                                  compounds=[org.huashan_compound])
    yuyuan_property = department("yuyuan-property", "愚园物业", DepartmentKind.PROPERTY,
                                 compounds=[org.yuyuan_compound])
    police = department("police", "江苏路派出所", DepartmentKind.POLICE)
    health = department("health", "社区卫生服务中心", DepartmentKind.HEALTH)
    repair = actions.save_service(
        actor=admin, code="repair", name="房屋报修", category="物业", department=huashan_property,
        materials="", sla_amount=3, sla_unit=SlaUnit.WORKING_DAYS, keywords="漏水 维修",
    )
    permit = actions.save_service(
        actor=admin, code="permit", name="居住证办理", category="人口", department=office,
        materials="身份证\n租房合同", sla_amount=5, sla_unit=SlaUnit.WORKING_DAYS,
    )
    gas = actions.save_service(
        actor=admin, code="gas-leak", name="燃气泄漏", category="应急", department=huashan_property,
        sla_amount=2, sla_unit=SlaUnit.HOURS, is_emergency=True, ack_minutes=10,
        linked_departments=[police, health],
    )
    clerk = staff(Role.CLERK, "clerk")
    fixer = staff(Role.PROPERTY, "fixer", compound=org.huashan_compound)
    other_fixer = staff(Role.PROPERTY, "other-fixer", compound=org.yuyuan_compound)
    boss = staff(Role.PROPERTY, "boss", compound=org.huashan_compound)
    officer = staff(Role.POLICE, "officer")
    for user, phone in ((fixer, "13900000001"), (boss, "13900000002"), (officer, "13900000003")):
        user.phone = phone
        user.save()
    actions.add_member(actor=admin, department=huashan_property, user=fixer)
    actions.add_member(actor=admin, department=huashan_property, user=boss, is_supervisor=True)
    actions.add_member(actor=admin, department=yuyuan_property, user=other_fixer)
    actions.add_member(actor=admin, department=police, user=officer)
    return Centre(office, committee, huashan_property, yuyuan_property, police, health, repair, permit, gas,
                  clerk, fixer, other_fixer, boss, officer)
