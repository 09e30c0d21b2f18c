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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, Avg, Case, Count, DurationField, ExpressionWrapper, F, Q, When
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
    rated: int = 0
    satisfaction: float | None = None
    median_hours: float | None = None

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
    def reopen_rate(self) -> float | None:
        return self.reopened / self.received if self.received else None


@dataclass
class Assessment:
    start: dt.date
    end: dt.date
    total: Figures
    departments: list[Figures]
    staff: list[Figures]


class Median(Aggregate):
    """The median, computed by the database: PostgreSQL's ``percentile_cont``; on SQLite an aggregate this
    module registers on each connection (SQLite has none)."""

    function = "SHEQU_MEDIAN"
    name = "Median"

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra)


class _SqliteMedian:
    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def _register_sqlite_median(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("SHEQU_MEDIAN", 1, _SqliteMedian)


connection_created.connect(_register_sqlite_median, dispatch_uid="shequ.affairs.assessment.median")


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz), dt.datetime.combine(end, dt.time.min, tzinfo=tz))


def _figures(as_of: dt.datetime, within: Q | None = None) -> dict[str, Any]:
    """The aggregates of one group of requests; see the module docstring for what each means. ``within``
    narrows every aggregate to the requests of one period (then without the median, which cannot be filtered)."""
    done = Q(status__in=DONE_STATUSES, resolved_at__isnull=False)
    handling = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    only = within if within is not None else Q()
    figures: dict[str, Any] = {
        "received": Count("*") if within is None else Count("created_at", filter=within),
        "resolved": Count("created_at", filter=only & done),
        "on_time": Count("created_at", filter=only & done & Q(resolved_at__lte=F("due_at"))),
        "overdue": Count("created_at", filter=only & ((done & Q(resolved_at__gt=F("due_at")))
                                                      | (~done & Q(due_at__lt=as_of)))),
        "reopened": Count("created_at", filter=only & Q(reopen_count__gt=0)),
        "rated": Count("satisfaction", filter=within),
        "satisfaction": Avg("satisfaction", filter=within),
    }
    if within is None:
        # No FILTER clause: Django cannot combine it with a custom template; the median skips the NULLs.
        figures["median_handling"] = Median(Case(When(done, then=handling), output_field=DurationField()),
                                            output_field=DurationField())
    return figures


def _make(key: Any, label: str, row: Mapping[str, Any]) -> Figures:
    handling = row["median_handling"]
    return Figures(
        key=key, label=label, received=row["received"], resolved=row["resolved"], on_time=row["on_time"],
        overdue=row["overdue"], reopened=row["reopened"], rated=row["rated"],
        satisfaction=None if row["satisfaction"] is None else float(row["satisfaction"]),
        median_hours=None if handling is None else handling.total_seconds() / 3600,
    )


def assess(user: Any, start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> Assessment:
    """The figures for requests the user may see, accepted from ``start`` up to (not including) ``end``.

    Three grouped queries (all, per department, per assignee) on the database: a month at a busy service
    centre is tens of thousands of rows, which Python need not see."""
    begin, finish = _bounds(start, end)
    as_of = min(now or timezone.now(), finish)
    found = (queries.requests(user).filter(created_at__gte=begin, created_at__lt=finish)
             .exclude(status=Status.MERGED))
    totals = found.order_by().aggregate(**_figures(as_of))
    departments = [
        _make(row["department_id"], row["department__name"] or "", row)
        for row in found.order_by().values("department_id", "department__name").annotate(**_figures(as_of))
    ]
    staff = [
        _make(row["assignee_id"], row["assignee__full_name"] or row["assignee__username"], row)
        for row in found.filter(assignee__isnull=False).order_by()
        .values("assignee_id", "assignee__full_name", "assignee__username").annotate(**_figures(as_of))
    ]
    return Assessment(
        start=start, end=end, total=_make(None, "", totals),
        departments=sorted(departments, key=lambda f: (f.key is None, f.label)),
        staff=sorted(staff, key=lambda f: f.label),
    )


def totals_by_period(user: Any, periods: Sequence[Any], *, now: dt.datetime | None = None) -> list[Figures]:
    """The total figures of :func:`assess` (without the median) for each of many periods (anything with
    ``start`` and ``end`` dates, end not included), in one query: the leadership dashboard's request figures
    and their 12-month trends."""
    if not periods:
        return []
    now = now or timezone.now()
    begin, finish = _bounds(min(p.start for p in periods), max(p.end for p in periods))
    found = (queries.requests(user).filter(created_at__gte=begin, created_at__lt=finish)
             .exclude(status=Status.MERGED))
    aggregates: dict[str, Any] = {}
    for position, period in enumerate(periods):
        start, end = _bounds(period.start, period.end)
        for name, aggregate in _figures(min(now, end), Q(created_at__gte=start, created_at__lt=end)).items():
            aggregates[f"{name}_{position}"] = aggregate
    row = found.order_by().aggregate(**aggregates)
    names = [name.rsplit("_", 1)[0] for name in aggregates if name.endswith("_0")]
    return [_make(None, "", {"median_handling": None, **{name: row[f"{name}_{position}"] for name in names}})
            for position in range(len(periods))]


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
