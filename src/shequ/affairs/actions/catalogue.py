"""The catalogue: departments and their members, the services residents may ask for, and the holidays and
make-up working days that deadlines count with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.affairs.actions._common import (
    DEPARTMENT_SAVED,
    HOLIDAY_REMOVED,
    HOLIDAY_SET,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    SERVICE_SAVED,
    _department,
    _require,
)
from shequ.affairs.choices import DepartmentKind, HolidayKind, SlaUnit
from shequ.affairs.models import Department, DepartmentMember, Holiday, Service
from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import Compound, User
from shequ.core.roles import Role
from shequ.core.scopes import get_visible

# Catalogue --------------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def save_department(*, actor: User, code: str, name: str, kind: str, department: Department | None = None,
                    neighborhood: Any = None, compounds: Iterable[Compound] = (), duty_phone: str = "",
                    active: bool = True) -> Department:
    """Create a department, or change ``department``."""
    _require(actor, Department, "change" if department else "add")
    if kind not in DepartmentKind.values:
        raise Invalid(_("Unknown kind."), field="kind")
    if not code.strip() or not name.strip():
        raise Invalid(_("Code and name are required."), field="code")
    clash = Department.objects.filter(code=code.strip())
    if department is not None:
        department = get_visible(Department.objects.select_for_update(), actor, "change", pk=department.pk)
        clash = clash.exclude(pk=department.pk)
    if clash.exists():
        raise Conflict(_("Another department has this code."), field="code")
    if actor.subdistrict_id is None:
        raise NotFound()
    target = department or Department(subdistrict_id=actor.subdistrict_id)
    target.code, target.name, target.kind = code.strip(), name.strip(), kind
    target.neighborhood, target.duty_phone, target.active = neighborhood, duty_phone.strip(), active
    target.save()
    target.compounds.set(list(compounds))
    audit.record(actor=actor, event=DEPARTMENT_SAVED, obj=target, after={
        "code": target.code, "name": target.name, "kind": kind, "compounds": [c.pk for c in compounds]})
    return target


@transaction.atomic(durable=True)
def add_member(*, actor: User, department: Department, user: User, is_supervisor: bool = False) -> DepartmentMember:
    department = get_visible(Department.objects.all(), actor, "change", pk=department.pk)
    if user.role == Role.RESIDENT or user.subdistrict_id != department.subdistrict_id:
        raise Invalid(_("Only staff of this sub-district can join a department."), field="user")
    member, _created = DepartmentMember.objects.update_or_create(
        department=department, user=user, defaults={"is_supervisor": is_supervisor})
    audit.record(actor=actor, event=MEMBER_ADDED, obj=member, after={"user": user.pk, "supervisor": is_supervisor})
    return member


@transaction.atomic(durable=True)
def remove_member(*, actor: User, member: DepartmentMember) -> None:
    member = get_visible(DepartmentMember.objects.all(), actor, "change", pk=member.pk)
    audit.record(actor=actor, event=MEMBER_REMOVED, obj=member, before={"user": member.user_id})
    member.delete()


SERVICE_FIELDS = ("code", "name", "category", "description", "department", "materials", "sla_amount", "sla_unit",
                  "is_emergency", "ack_minutes", "keywords", "active")


def _clean_service(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    for field in ("code", "name", "category"):
        clean[field] = str(clean.get(field) or "").strip()
        if not clean[field]:
            raise Invalid(_("%(field)s is required.") % {"field": field}, field=field)
    department = clean.get("department")
    if department is None:
        raise Invalid(_("The responsible department is required."), field="department")
    clean["department"] = _department(department, actor.subdistrict_id or 0)
    amount = clean.get("sla_amount")
    if not isinstance(amount, int) or amount <= 0:
        raise Invalid(_("The time limit must be a whole number above zero."), field="sla_amount")
    if clean.get("sla_unit", SlaUnit.WORKING_DAYS) not in SlaUnit.values:
        raise Invalid(_("Unknown time limit unit."), field="sla_unit")
    return clean


@transaction.atomic(durable=True)
def save_service(*, actor: User, service: Service | None = None,
                 linked_departments: Iterable[Department] | None = None, **data: Any) -> Service:
    """Create a catalogue entry, or change ``service``."""
    unknown = set(data) - set(SERVICE_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    linked = None if linked_departments is None else list(linked_departments)
    return _save_service(actor, service, linked, data)


def _save_service(actor: User, service: Service | None, linked: list[Department] | None,
                  data: dict[str, Any]) -> Service:
    """Shared by :func:`save_service` and the catalogue import (which runs it inside its own transaction)."""
    _require(actor, Service, "change" if service else "add")
    before: dict[str, Any] = {}
    if service is not None:
        service = get_visible(Service.objects.select_for_update(), actor, "change", pk=service.pk)
        before = {field: getattr(service, field) for field in SERVICE_FIELDS}
        data = {**before, **data}
    clean = _clean_service(actor, data)
    clash = Service.objects.filter(code=clean["code"])
    if service is not None:
        clash = clash.exclude(pk=service.pk)
    if clash.exists():
        raise Conflict(_("Another service has the code %(code)s.") % {"code": clean["code"]}, field="code")
    if actor.subdistrict_id is None:
        raise NotFound()
    target = service or Service(subdistrict_id=actor.subdistrict_id)
    for field in SERVICE_FIELDS:
        if field in clean:
            setattr(target, field, clean[field])
    target.save()
    if linked is not None:
        target.linked_departments.set([_department(d, target.subdistrict_id) for d in linked])
    after = {field: getattr(target, field) for field in SERVICE_FIELDS}
    old, new = audit.changes(before, after) if before else ({}, after)
    audit.record(actor=actor, event=SERVICE_SAVED, obj=target, before=old, after=new)
    return target


@transaction.atomic(durable=True)
def set_holiday(*, actor: User, date: dt.date, kind: str, name: str = "") -> Holiday:
    """Mark a day as a public holiday or a make-up working day (overwrites what was there)."""
    _require(actor, Holiday, "change")
    if kind not in HolidayKind.values:
        raise Invalid(_("Unknown kind."), field="kind")
    holiday, _created = Holiday.objects.update_or_create(date=date, defaults={"kind": kind, "name": name.strip()})
    audit.record(actor=actor, event=HOLIDAY_SET, obj=holiday, after={"date": date, "kind": kind, "name": name})
    return holiday


@transaction.atomic(durable=True)
def remove_holiday(*, actor: User, date: dt.date) -> None:
    _require(actor, Holiday, "change")
    holiday = Holiday.objects.filter(date=date).first()
    if holiday is None:
        raise NotFound()
    audit.record(actor=actor, event=HOLIDAY_REMOVED, obj=holiday, before={"date": date, "kind": holiday.kind})
    holiday.delete()
