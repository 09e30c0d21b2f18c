"""Every dashboard figure against the numbers worked out by hand in ``conftest.world``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.core.registry import Period
from shequ.dashboard import queries
from tests.conftest import login
from tests.dashboard.conftest import DAY

pytestmark = pytest.mark.django_db


def figures(user: Any, day: dt.date = DAY) -> dict[str, tuple[Any, Any, Any, Any]]:
    """key -> (the day, the day before, the month, the month before)."""
    board = queries.board(user, day)
    return {row.figure.key: (row.day.value, row.day.previous, row.month.value, row.month.previous)
            for row in board.rows}


def test_every_figure_of_the_administrator_matches_the_hand_computed_one(world, admin):
    found = figures(admin)
    assert found["population.living"] == (5, 3, 4, 4)
    assert found["population.move_in"] == (1, 0, 1, 1)
    assert found["population.move_out"] == (0, 1, 1, 0)
    assert found["population.birth"] == (1, 0, 1, 0)
    assert found["population.death"] == (0, 0, 1, 0)
    assert found["affairs.received"] == (3, 1, 4, 1)
    assert found["affairs.on_time"] == (2, 0, 2, 1)
    assert found["affairs.overdue"] == (1, 0, 2, 0)
    assert found["affairs.satisfaction"] == (3.0, None, 3.0, 4.0)
    assert found["affairs.emergencies"] == (1, 0, 1, 0)
    assert found["dining.meals"] == (2, 0, 3, 1)
    assert found["dining.subsidy"] == (800, 0, 1000, 400)
    assert found["library.loans"] == (2, 0, 3, 1)
    assert found["volunteers.hours"] == (2.5, 0, 4.5, 0.5)
    assert found["health.follow_ups_due"] == (1, 1, 3, 1)
    assert found["health.follow_ups_done"] == (1, 1, 2, 1)
    # The review queue has no history: a past period shows no value rather than today's.
    assert found["linkage.backlog"] == (None, None, None, None)
    assert found["charity.sales"] == (0, 0, 0, 0)
    # Availability has no history either: a past day shows no value rather than today's devices online.
    assert found["safety.devices_online"] == (None, None, None, None)
    assert found["safety.incidents_opened"] == (1, 1, 2, 1)
    assert found["safety.incidents_closed"] == (1, 0, 2, 0)
    # Nor does the care roll: a past day shows no value rather than today's roll.
    assert found["eldercare.on_roll"] == (None, None, None, None)
    # Open care alerts are counted as they stood at each period's end: none in this world.
    assert found["eldercare.open_alerts"] == (0, 0, 0, 0)
    assert found["eldercare.visits"] == (0, 0, 0, 0)
    assert found["culture.bookings_used"] == (0, 0, 0, 0)


def test_a_committee_worker_sees_only_her_neighborhood_and_only_what_her_role_counts(world, alice_committee):
    found = figures(alice_committee)
    assert set(found) == {"population.living", "population.move_in", "population.move_out", "population.birth",
                          "population.death", "affairs.received", "affairs.on_time", "affairs.overdue",
                          "affairs.satisfaction", "affairs.emergencies", "safety.devices_online",
                          "safety.incidents_opened", "safety.incidents_closed", "eldercare.on_roll",
                          "eldercare.open_alerts", "eldercare.visits", "culture.bookings_used"}
    assert found["population.living"] == (3, 1, 3, 2)
    assert found["population.death"] == (0, 0, 0, 0)  # 赵五 lived in 愚园
    assert found["affairs.received"] == (2, 1, 3, 1)
    assert found["affairs.satisfaction"] == (4.0, None, 4.0, 4.0)
    assert found["affairs.emergencies"] == (0, 0, 0, 0)
    assert found["safety.incidents_opened"] == (1, 0, 1, 1)  # I2 lies in 愚园
    assert found["safety.incidents_closed"] == (1, 0, 2, 0)


def test_the_twelve_month_trend_of_loans_counts_each_month(world, admin):
    row = next(row for row in queries.board(admin, DAY).rows if row.figure.key == "library.loans")
    assert [month for month, _value in row.trend] == [f"{year}-{month:02d}" for year, month in
                                                      [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]]
    assert [value for _month, value in row.trend] == [0] * 10 + [1, 3]


def test_the_trend_of_people_living_here_follows_the_registry(world, admin):
    row = next(row for row in queries.board(admin, DAY).rows if row.figure.key == "population.living")
    assert [value for _month, value in row.trend][-3:] == [3, 4, 4]  # August: P1 P4 P5; then P3 moved in


def test_changes_are_said_in_words_and_judged_by_the_figure(world, admin):
    rows = {row.figure.key: row for row in queries.board(admin, DAY).rows}
    overdue = rows["affairs.overdue"].month.change  # 2 in October after 0 in September: worse
    assert overdue.tone == "danger" and "2" in overdue.words
    on_time = rows["affairs.on_time"].month.change  # 2 after 1: better
    assert on_time.tone == "ok"
    assert rows["population.living"].month.change.tone == "muted"  # 4 and 4: no change
    assert rows["dining.subsidy"].month.shown == "¥10.00"


def test_the_loans_figure_drills_down_to_a_list_of_as_many_loans(client, world, admin):
    row = next(row for row in queries.board(admin, DAY).rows if row.figure.key == "library.loans")
    login(client, admin)
    for cell in (row.day, row.month):
        page = client.get(cell.drill)
        assert page.status_code == 200 and page.context["page"].paginator.count == cell.value


def test_the_incident_figures_drill_down_to_lists_of_as_many_incidents(client, world, admin):
    rows = {row.figure.key: row for row in queries.board(admin, DAY).rows}
    login(client, admin)
    for key in ("safety.incidents_opened", "safety.incidents_closed"):
        for cell in (rows[key].day, rows[key].month):
            page = client.get(cell.drill)
            assert page.status_code == 200 and page.context["page"].paginator.count == cell.value, key


def test_the_request_figures_drill_down_to_the_assessment_of_the_same_period(client, world, admin):
    row = next(row for row in queries.board(admin, DAY).rows if row.figure.key == "affairs.received")
    assert row.month.drill.endswith("?" + Period(dt.date(2026, 10, 1), dt.date(2026, 11, 1)).query())
    login(client, admin)
    page = client.get(row.month.drill)
    assert page.status_code == 200 and page.context["result"].total.received == row.month.value


def test_the_page_shows_every_figure_with_a_bounded_number_of_queries(client, world, admin,
                                                                      django_assert_max_num_queries):
    login(client, admin)
    with django_assert_max_num_queries(25):
        page = client.get("/dashboard/", {"day": DAY.isoformat()})
    text = page.content.decode()
    assert page.status_code == 200 and "¥10.00" in text and 'id="dashboard-data"' in text
    assert text.count('data-chart="') == sum(1 for row in page.context["board"].rows if row.trend)
    assert 'details class="fallback"' in text  # each chart has its table


def test_health_figures_are_counts_without_a_list_for_the_administrator(client, world, admin):
    rows = {row.figure.key: row for row in queries.board(admin, DAY).rows}
    assert rows["health.follow_ups_due"].month.drill == ""
    login(client, admin)
    text = client.get("/dashboard/", {"day": DAY.isoformat()}).content.decode()
    assert "张一" not in text and "李三" not in text


def test_the_dashboard_is_for_administrators_and_committee_workers_only(client, world, make_staff, alice_committee):
    from shequ.core.roles import Role

    login(client, alice_committee)
    assert client.get("/dashboard/").status_code == 200
    for role in (Role.AUDITOR, Role.CANTEEN, Role.CLERK):
        login(client, make_staff(role, f"{role}-dash"))
        assert client.get("/dashboard/").status_code == 404
    assert client.get("/dashboard/reports/").status_code == 404


def test_devices_online_counts_the_devices_in_service_online_now_in_the_users_area(org, admin, alice_committee):
    """Today (and this month): 华山 has two doors online, one offline, one online but out of service; 愚园 one
    online. The administrator sees 3, alice (华山) 2; yesterday and last month have no value (no history)."""
    from django.utils import timezone

    from shequ.safety.choices import Availability, DeviceKind
    from tests.safety.conftest import place

    for code, availability, active, yuyuan in [("d1", "online", True, False), ("d2", "online", True, False),
                                               ("d3", "offline", True, False), ("d4", "online", False, False),
                                               ("d5", "online", True, True)]:
        place(org, DeviceKind.DOOR, code, yuyuan=yuyuan, availability=Availability(availability), active=active)
    today = timezone.localdate()
    assert figures(admin, today)["safety.devices_online"] == (3, None, 3, None)
    assert figures(alice_committee, today)["safety.devices_online"] == (2, None, 2, None)
