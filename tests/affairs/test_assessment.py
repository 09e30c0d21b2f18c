"""Performance assessment (信息化考核) against figures worked out by hand from a small fixture.

November 2026, looked at on 5 December (so "overdue" is judged at the end of the period, 1 December 00:00):

| req | department / assignee | accepted    | due         | resolved    | hours | rating | reopened | notes         |
|-----|-----------------------|-------------|-------------|-------------|-------|--------|----------|---------------|
| R1  | 华山物业 / fixer       | 11-02 09:00 | 11-05 09:00 | 11-03 09:00 | 24    | 5      |          | on time       |
| R2  | 华山物业 / fixer       | 11-10 10:00 | 11-13 10:00 | 11-14 10:00 | 96    | 2      | once     | late: overdue |
| R3  | 华山物业 / boss        | 11-20 08:00 | 11-23 08:00 | —           |       |        |          | overdue       |
| R4  | 华山物业 / —           | 11-28 08:00 | 12-03 08:00 | —           |       |        |          | not yet due   |
| R5  | 派出所 / officer       | 11-15 12:00 | 11-16 12:00 | 11-15 18:00 | 6     | 4      |          | on time       |
| R8  | — / —                 | 11-25 09:00 | 11-30 09:00 | —           |       |        |          | overdue       |
| R6  | merged into R1        | 11-03       |             |             |       |        |          | not counted   |
| R7  | 华山物业               | 10-31 23:00 |             |             |       |        |          | before period |
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from shequ.affairs import actions, assessment
from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest
from tests.conftest import login

TZ = ZoneInfo("Asia/Shanghai")
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 12, 1))
NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=TZ)


def at(month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def fixture(centre, org):
    def make(**fields):
        request = actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.repair,
                                         description="x", dwelling=org.huashan_dwellings[0])
        ServiceRequest.objects.filter(pk=request.pk).update(**fields)
        request.refresh_from_db()
        return request

    prop, police = centre.huashan_property, centre.police
    r1 = make(department=prop, assignee=centre.fixer, created_at=at(11, 2, 9), due_at=at(11, 5, 9),
              resolved_at=at(11, 3, 9), status=Status.CONFIRMED, satisfaction=5)
    make(department=prop, assignee=centre.fixer, created_at=at(11, 10, 10), due_at=at(11, 13, 10),
         resolved_at=at(11, 14, 10), status=Status.CLOSED, satisfaction=2, reopen_count=1)
    make(department=prop, assignee=centre.boss, created_at=at(11, 20, 8), due_at=at(11, 23, 8),
         status=Status.IN_PROGRESS)
    make(department=prop, created_at=at(11, 28, 8), due_at=at(12, 3, 8), status=Status.DISPATCHED)
    make(department=police, assignee=centre.officer, created_at=at(11, 15, 12), due_at=at(11, 16, 12),
         resolved_at=at(11, 15, 18), status=Status.RESOLVED, satisfaction=4)
    make(created_at=at(11, 25, 9), due_at=at(11, 30, 9), status=Status.ACCEPTED)
    make(department=prop, created_at=at(11, 3, 9), due_at=at(11, 6, 9), status=Status.MERGED, merged_into=r1)
    make(department=prop, created_at=at(10, 31, 23), due_at=at(11, 3, 23), status=Status.ACCEPTED)
    return centre


def by_label(rows):
    return {row.label: row for row in rows}


def test_department_figures_match_the_hand_computed_ones(fixture, admin):
    result = assessment.assess(admin, *NOVEMBER, now=NOW)
    departments = by_label(result.departments)
    assert set(departments) == {"华山物业", "江苏路派出所", ""}
    prop = departments["华山物业"]
    assert (prop.received, prop.resolved, prop.on_time, prop.overdue, prop.reopened) == (4, 2, 1, 2, 1)
    assert prop.on_time_percent == 25.0 and prop.median_hours == 60.0
    assert prop.satisfaction == 3.5 and prop.rated == 2 and prop.reopen_percent == 25.0
    police = departments["江苏路派出所"]
    assert (police.received, police.resolved, police.on_time_percent, police.median_hours, police.overdue,
            police.satisfaction, police.reopen_percent) == (1, 1, 100.0, 6.0, 0, 4.0, 0.0)
    undispatched = departments[""]
    assert (undispatched.received, undispatched.overdue, undispatched.on_time_percent) == (1, 1, 0.0)
    assert undispatched.median_hours is None and undispatched.satisfaction is None


def test_staff_figures_match_the_hand_computed_ones(fixture, admin):
    staff = by_label(assessment.assess(admin, *NOVEMBER, now=NOW).staff)
    assert set(staff) == {"Fixer", "Boss", "Officer"}
    fixer = staff["Fixer"]
    assert (fixer.received, fixer.resolved, fixer.on_time_percent, fixer.median_hours, fixer.overdue,
            fixer.satisfaction, fixer.reopen_percent) == (2, 2, 50.0, 60.0, 1, 3.5, 50.0)
    boss = staff["Boss"]
    assert (boss.received, boss.resolved, boss.overdue, boss.median_hours) == (1, 0, 1, None)


def test_the_total_counts_each_request_once(fixture, admin):
    total = assessment.assess(admin, *NOVEMBER, now=NOW).total
    assert (total.received, total.resolved, total.on_time, total.overdue, total.reopened) == (6, 3, 2, 3, 1)
    assert total.median_hours == 24.0 and round(total.satisfaction, 3) == 3.667
    assert total.on_time_percent == 33.3 and total.reopen_percent == 16.7


def test_overdue_during_a_running_period_is_judged_now(fixture, admin):
    # On 24 November, R3 (due the 23rd) is overdue but R8 (due the 30th) is not yet.
    total = assessment.assess(admin, *NOVEMBER, now=at(11, 24, 12)).total
    assert total.overdue == 2  # R2 resolved late, R3


def test_a_property_company_is_assessed_on_its_own_requests_only(fixture):
    result = assessment.assess(fixture.fixer, *NOVEMBER, now=NOW)
    assert [row.label for row in result.departments] == ["华山物业"] and result.total.received == 4


def test_the_page_shows_the_tables_and_exports_the_same_figures(client, fixture, admin):
    login(client, admin)
    page = client.get("/affairs/assessment/", {"start": "2026-11-01", "end": "2026-12-01"})
    text = page.content.decode()
    assert page.status_code == 200 and "华山物业" in text and "25.0%" in text and "chart.umd.min.js" in text
    response = client.get("/affairs/assessment/", {"start": "2026-11-01", "end": "2026-12-01", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    prop = next(row for row in rows if row[1] == "华山物业")
    assert prop[2:] == (4, 2, 25.0, 60.0, 2, 3.5, 2, 25.0)


def test_a_bad_period_is_refused_with_a_message(client, fixture, admin):
    login(client, admin)
    page = client.get("/affairs/assessment/", {"start": "2026-12-01", "end": "2026-11-01"})
    assert page.status_code == 200 and "截止日期须晚于起始日期" in page.content.decode()


def test_only_roles_that_may_export_requests_see_the_assessment(client, fixture, alice, resident):
    assert login(client, alice).get("/affairs/assessment/").status_code == 404
    assert login(client, resident).get("/affairs/assessment/").status_code == 404
    client.logout()
    assert client.get("/affairs/assessment/").status_code == 302
