"""The service catalogue, the holiday calendar and deadlines in working days."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from openpyxl import Workbook

from shequ.affairs import actions, importing, workdays
from shequ.affairs.choices import HolidayKind, SlaUnit
from shequ.affairs.models import Holiday, Service
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry
from tests.core import hostile_files

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_three_working_days_from_a_wednesday_skip_the_weekend(db):
    assert workdays.add_working_days(at(2026, 3, 11, 10, 30), 3) == at(2026, 3, 16, 10, 30)


def test_a_request_on_a_sunday_counts_from_monday_morning(db):
    assert workdays.add_working_days(at(2026, 3, 15, 22, 0), 1) == at(2026, 3, 17, 9, 0)


def test_public_holidays_are_skipped_and_make_up_days_are_worked(admin):
    # 2026 National Day: 1–7 October off; Saturday 10 October is a make-up working day.
    for day in range(1, 8):
        actions.set_holiday(actor=admin, date=dt.date(2026, 10, day), kind=HolidayKind.HOLIDAY, name="国庆节")
    actions.set_holiday(actor=admin, date=dt.date(2026, 10, 10), kind=HolidayKind.WORKDAY, name="国庆调休")
    assert workdays.add_working_days(at(2026, 9, 30, 15, 0), 1) == at(2026, 10, 8, 15, 0)
    assert workdays.add_working_days(at(2026, 9, 30, 15, 0), 3) == at(2026, 10, 10, 15, 0)
    assert not workdays.is_working_day(dt.date(2026, 10, 5))
    assert workdays.is_working_day(dt.date(2026, 10, 10))
    assert AuditEntry.objects.filter(event=actions.HOLIDAY_SET).count() == 8


def test_a_holiday_can_be_corrected_and_removed(admin, alice):
    actions.set_holiday(actor=admin, date=dt.date(2026, 5, 1), kind=HolidayKind.HOLIDAY, name="劳动节")
    actions.set_holiday(actor=admin, date=dt.date(2026, 5, 1), kind=HolidayKind.WORKDAY)
    assert Holiday.objects.get().kind == HolidayKind.WORKDAY
    with pytest.raises(NotFound):
        actions.set_holiday(actor=alice, date=dt.date(2026, 5, 2), kind=HolidayKind.HOLIDAY)
    actions.remove_holiday(actor=admin, date=dt.date(2026, 5, 1))
    assert not Holiday.objects.exists()
    assert AuditEntry.objects.filter(event=actions.HOLIDAY_REMOVED).count() == 1


def test_an_hours_deadline_is_in_clock_hours(centre):
    assert workdays.due_at(centre.gas, at(2026, 3, 14, 23, 0)) == at(2026, 3, 15, 1, 0)


def test_an_administrator_edits_a_service_and_the_change_is_audited(centre, admin):
    actions.save_service(actor=admin, service=centre.repair, sla_amount=2, materials="身份证")
    centre.repair.refresh_from_db()
    assert centre.repair.sla_amount == 2 and centre.repair.materials_list == ["身份证"]
    entry = AuditEntry.objects.filter(event=actions.SERVICE_SAVED, object_id=str(centre.repair.pk)).first()
    assert entry is not None and entry.before == {"sla_amount": 3, "materials": ""}


def test_a_committee_worker_cannot_edit_the_catalogue(centre, alice):
    with pytest.raises(NotFound):
        actions.save_service(actor=alice, service=centre.repair, sla_amount=9)


def test_service_codes_are_unique_and_time_limits_positive(centre, admin):
    with pytest.raises(Conflict):
        actions.save_service(actor=admin, code="repair", name="x", category="x", department=centre.office,
                             sla_amount=1)
    with pytest.raises(Invalid):
        actions.save_service(actor=admin, code="new", name="x", category="x", department=centre.office,
                             sla_amount=0)


def workbook(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["编码", "名称", "类别", "责任部门", "时限", "时限单位", "所需材料", "应急"]


def test_the_catalogue_imports_from_excel_creating_and_updating(centre, admin):
    data = workbook(HEADER, ["elder-meal", "老人助餐申请", "养老", "街道办事处", 5, "工作日", "身份证、户口簿", "否"],
                    ["repair", "房屋报修", "物业", "huashan-property", 2, "工作日", "", "否"],
                    ["fire", "火情", "应急", "police", 1, "小时", "", "是"])
    result = importing.import_services(actor=admin, data=data)
    assert result.ok and (result.created, result.updated) == (2, 1)
    meal = Service.objects.get(code="elder-meal")
    assert meal.department == centre.office and meal.materials_list == ["身份证", "户口簿"]
    assert Service.objects.get(code="fire").sla_unit == SlaUnit.HOURS and Service.objects.get(code="fire").is_emergency
    assert AuditEntry.objects.filter(event=actions.SERVICES_IMPORTED).count() == 1


def test_an_import_with_any_bad_row_writes_nothing_and_names_each_error(centre, admin):
    before = Service.objects.count()
    data = workbook(HEADER, ["ok-one", "好的", "类", "office", 1, "工作日", "", "否"],
                    ["bad one", "坏的", "类", "nowhere", "three", "月", "", "也许"],
                    ["ok-one", "重复", "类", "office", 1, "", "", ""])
    result = importing.import_services(actor=admin, data=data)
    assert not result.ok
    assert {(e.row, e.column) for e in result.errors} == {
        (3, "编码"), (3, "责任部门"), (3, "时限"), (3, "时限单位"), (3, "应急"), (4, "编码")}
    assert Service.objects.count() == before


def test_an_import_without_required_columns_or_not_a_workbook_is_refused(centre, admin, alice):
    assert not importing.import_services(actor=admin, data=workbook(["编码", "名称"], ["a", "b"])).ok
    assert not importing.import_services(actor=admin, data=b"not excel").ok
    with pytest.raises(NotFound):
        importing.import_services(actor=alice, data=workbook(HEADER))


@pytest.mark.parametrize("hostile", [hostile_files.huge_dimension, hostile_files.far_corner, hostile_files.zip_bomb,
                                     hostile_files.corrupt])
def test_a_hostile_workbook_is_one_clear_error_and_writes_nothing(centre, admin, hostile):
    before = Service.objects.count()
    rows = [HEADER, ["ok-one", "好的", "类", "office", 1, "工作日", "", "否"]]

    with translation.override("en"):
        result = importing.import_services(actor=admin, data=hostile(rows))

    [error] = result.errors
    assert error.row is None and ("rows ×" in error.message or "packed suspiciously" in error.message
                                  or "not an Excel workbook" in error.message)
    assert Service.objects.count() == before
