"""The coordinator's count of today's shifts with free places equals the rows of the filtered shift list."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.core.registry import registry
from shequ.volunteers import actions
from tests.conftest import login


def test_todays_unfilled_shifts_are_counted_and_listed_and_not_another_sub_districts(
        client, coordinator, outside_coordinator):
    count = registry.counts["volunteers.shifts_today"]
    activity = actions.create_activity(actor=coordinator, title="助老送餐", place="活动室")
    later = timezone.localtime() + dt.timedelta(minutes=30)
    if later.date() != timezone.localdate():  # just before midnight: the shift would be tomorrow's
        later = timezone.localtime()
    actions.add_shift(actor=coordinator, activity=activity, starts_at=later, ends_at=later + dt.timedelta(hours=2),
                      capacity=2)
    tomorrow = later + dt.timedelta(days=1)
    actions.add_shift(actor=coordinator, activity=activity, starts_at=tomorrow,
                      ends_at=tomorrow + dt.timedelta(hours=2), capacity=2)
    response = login(client, coordinator).get(count.url(coordinator))
    assert count.count(coordinator) == len(response.context["shifts"]) == 1
    assert response.content.decode().count('data-testid="shift-row"') == 1
    assert count.count(outside_coordinator) == 0
