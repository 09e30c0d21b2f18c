"""Working-day arithmetic for deadlines: Monday to Friday, minus public holidays, plus make-up days (调休).

The Holiday table lists only the exceptions, as the State Council announces them each year; an
administrator enters them (page "Holidays") or imports them. A deadline of N working days falls at the same
clock time N working days later; a request accepted on a day off starts counting the next working day at
09:00. Deadlines in hours (emergencies, the 24-hour hotline) are clock hours.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.affairs.choices import HolidayKind, SlaUnit
from shequ.affairs.models import Holiday, Service
from shequ.core.memo import ProcessMemo

WORKDAY_START = dt.time(9, 0)
_CHUNK_DAYS = 120
# Every request's deadline needs the exceptions; they change a few times a year. Chunks are kept per process
# for a few minutes (another worker's edit shows within that time; this process's own edit at once).
_chunks: ProcessMemo[dict[dt.date, str]] = ProcessMemo("holidays", seconds=300, models=(Holiday,), limit=64)


def _chunk(first: dt.date) -> dict[dt.date, str]:
    last = first + dt.timedelta(days=_CHUNK_DAYS)
    return _chunks.get(first, lambda: dict(
        Holiday.objects.filter(date__gte=first, date__lte=last).values_list("date", "kind")))


class Calendar:
    """The exceptions from ``start`` on, fetched in chunks as far as the arithmetic walks."""

    def __init__(self, start: dt.date) -> None:
        self._overrides: dict[dt.date, str] = {}
        self._loaded_until = start - dt.timedelta(days=1)

    def _load_through(self, day: dt.date) -> None:
        while day > self._loaded_until:
            first = self._loaded_until + dt.timedelta(days=1)
            self._overrides.update(_chunk(first))
            self._loaded_until = first + dt.timedelta(days=_CHUNK_DAYS)

    def is_working_day(self, day: dt.date) -> bool:
        self._load_through(day)
        kind = self._overrides.get(day)
        if kind == HolidayKind.HOLIDAY:
            return False
        if kind == HolidayKind.WORKDAY:
            return True
        return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return Calendar(day).is_working_day(day)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The moment ``days`` working days after ``start`` (local time, same clock time)."""
    local = timezone.localtime(start)
    day, clock = local.date(), local.timetz().replace(tzinfo=None)
    calendar = Calendar(day)
    if not calendar.is_working_day(day):
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=1)
        clock = WORKDAY_START
    for _ in range(days):
        day += dt.timedelta(days=1)
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, clock))


def due_at(service: Service, accepted_at: dt.datetime) -> dt.datetime:
    if service.sla_unit == SlaUnit.HOURS:
        return accepted_at + dt.timedelta(hours=service.sla_amount)
    return add_working_days(accepted_at, service.sla_amount)
