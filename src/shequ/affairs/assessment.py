"""Performance assessment (信息化考核) of departments and staff, computed from the requests themselves.

For a period [start, end) of local dates, counting the requests **accepted** in the period (duplicates merged
into another request are not counted: the one they were merged into is), grouped by the department a request
is with now and by its assignee:

- received: how many;
- resolved on time %: resolved (resolved, confirmed or closed) no later than the deadline, as a share of
  received;
- median handling time: median hours from acceptance to resolution, over the resolved ones;
- overdue: resolved after the deadline, or not resolved and past the deadline at the end of the period
  (or now, if the period has not ended);
- satisfaction: the average rating (1–5) over the rated ones, and how many were rated;
- reopen rate: the share of received requests reopened at least once.

A reopened request's resolution time counts from its first acceptance to its last resolution.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from shequ.affairs import queries
from shequ.affairs.choices import DONE_STATUSES, Status


@dataclass
class Figures:
    key: Any
    label: str
    received: int = 0
    resolved: int = 0
    on_time: int = 0
    overdue: int = 0
    reopened: int = 0
    ratings: list[int] = field(default_factory=list)
    hours: list[float] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.received if self.received else None

    @property
    def on_time_percent(self) -> float | None:
        return None if self.on_time_rate is None else round(self.on_time_rate * 100, 1)

    @property
    def reopen_percent(self) -> float | None:
        return None if self.reopen_rate is None else round(self.reopen_rate * 100, 1)

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.hours) if self.hours else None

    @property
    def satisfaction(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None

    @property
    def rated(self) -> int:
        return len(self.ratings)

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.received if self.received else None


@dataclass
class Assessment:
    start: dt.date
    end: dt.date
    total: Figures
    departments: list[Figures]
    staff: list[Figures]


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz), dt.datetime.combine(end, dt.time.min, tzinfo=tz))


def _add(figures: Figures, row: dict[str, Any], as_of: dt.datetime) -> None:
    figures.received += 1
    resolved_at = row["resolved_at"] if row["status"] in DONE_STATUSES else None
    if resolved_at is not None:
        figures.resolved += 1
        figures.hours.append((resolved_at - row["created_at"]).total_seconds() / 3600)
        if resolved_at <= row["due_at"]:
            figures.on_time += 1
        else:
            figures.overdue += 1
    elif row["due_at"] < as_of:
        figures.overdue += 1
    if row["reopen_count"]:
        figures.reopened += 1
    if row["satisfaction"] is not None:
        figures.ratings.append(row["satisfaction"])


def assess(user: Any, start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> Assessment:
    """The figures for requests the user may see, accepted from ``start`` up to (not including) ``end``."""
    begin, finish = _bounds(start, end)
    as_of = min(now or timezone.now(), finish)
    rows: Iterable[Any] = (
        queries.requests(user).filter(created_at__gte=begin, created_at__lt=finish).exclude(status=Status.MERGED)
        .values("created_at", "resolved_at", "due_at", "status", "reopen_count", "satisfaction", "department_id",
                "department__name", "assignee_id", "assignee__full_name", "assignee__username")
        .iterator(chunk_size=5000)
    )
    total = Figures(None, "")
    departments: dict[Any, Figures] = {}
    staff: dict[Any, Figures] = defaultdict(lambda: Figures(None, ""))
    for row in rows:
        _add(total, row, as_of)
        key = row["department_id"]
        if key not in departments:
            departments[key] = Figures(key, row["department__name"] or "")
        _add(departments[key], row, as_of)
        if row["assignee_id"] is not None:
            person = staff[row["assignee_id"]]
            person.key = row["assignee_id"]
            person.label = row["assignee__full_name"] or row["assignee__username"]
            _add(person, row, as_of)
    return Assessment(
        start=start, end=end, total=total,
        departments=sorted(departments.values(), key=lambda f: (f.key is None, f.label)),
        staff=sorted(staff.values(), key=lambda f: f.label),
    )


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following


def export_rows(result: Assessment, *, labels: dict[str, str]) -> list[list[Any]]:
    """Rows for the Excel export: departments, then staff, then the total (``labels`` names the kinds, and
    ``unassigned`` the requests with no department yet)."""

    def row(kind: str, figures: Figures) -> list[Any]:
        return [labels[kind], figures.label or labels["unassigned"], figures.received, figures.resolved,
                figures.on_time_percent,
                None if figures.median_hours is None else round(figures.median_hours, 1), figures.overdue,
                None if figures.satisfaction is None else round(figures.satisfaction, 2), figures.rated,
                figures.reopen_percent]

    return ([row("department", f) for f in result.departments] + [row("staff", f) for f in result.staff]
            + [row("total", result.total)])
