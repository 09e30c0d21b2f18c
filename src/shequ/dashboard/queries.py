"""Reads of the leadership dashboard: who sees it, its figures for a day and a month, and the stored reports.

The figures come from :func:`shequ.core.registry.figures_for`; this module never names another app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from shequ.core.models import User
from shequ.core.registry import Figure, Period, Unit, figures_for
from shequ.core.roles import Role
from shequ.core.scopes import can, level_of, restrict
from shequ.dashboard.models import MonthlyReport

TREND_MONTHS = 12

# The role table grants no model to the dashboard itself: it shows what each figure's app lets a user see.
# The page is for those who answer for an area: the sub-district administrators (the whole sub-district)
# and committee workers (their neighborhood, with the figures their role may count). Other roles have their
# own desks; the auditor reads the audit log and nothing else.
_LEVELS = {Role.ADMIN: "subdistrict", Role.COMMITTEE: "neighborhood"}


def may_see_dashboard(user: Any) -> bool:
    role = getattr(user, "role", None)
    return role in _LEVELS and level_of(user) == _LEVELS[role]


def may_make_reports(user: Any) -> bool:
    """Monthly reports are the sub-district's, made and read by its administrators (the role table)."""
    return can(user, MonthlyReport, "add") and level_of(user) == "subdistrict"


def reports(user: Any) -> QuerySet[MonthlyReport]:
    return restrict(MonthlyReport.objects.all(), user, "view").select_related("requested_by", "task")


def shown(value: int | float | None, unit: str) -> str:
    """A figure as a reader reads it: ¥ with two decimals for money, one decimal for hours."""
    if value is None:
        return "—"
    if unit == Unit.FEN:
        return "¥" + number_format(value / 100, 2, force_grouping=True)
    if unit == Unit.HOURS:
        return number_format(value, 1, force_grouping=True)
    if unit == Unit.PERCENT:
        return number_format(value, 1) + "%"
    if unit == Unit.SCORE:
        return number_format(value, 2)
    return number_format(value, 0, force_grouping=True)


@dataclass(frozen=True)
class Change:
    words: str
    tone: str  # a badge modifier: ok, danger, info, muted

    @property
    def badge(self) -> str:
        return f"badge--{self.tone}"


def change(current: int | float | None, previous: int | float | None, figure: Figure) -> Change:
    """The change from the previous period in words (colour only repeats what the words say)."""
    if current is None or previous is None:
        return Change(_("no comparison"), "muted")
    delta = current - previous
    if figure.unit in (Unit.HOURS, Unit.SCORE, Unit.PERCENT):
        delta = round(delta, 2)
    if delta == 0:
        return Change(_("no change"), "muted")
    amount = shown(abs(delta), figure.unit)
    words = (_("up %(amount)s") if delta > 0 else _("down %(amount)s")) % {"amount": amount}
    if figure.higher_is_better is None:
        return Change(words, "info")
    better = (delta > 0) == figure.higher_is_better
    if better:
        return Change(_("%(change)s, better") % {"change": words}, "ok")
    return Change(_("%(change)s, worse") % {"change": words}, "danger")


@dataclass
class Cell:
    period: Period
    value: int | float | None
    previous: int | float | None
    figure: Figure
    drill: str = ""

    @property
    def shown(self) -> str:
        return shown(self.value, self.figure.unit)

    @property
    def previous_shown(self) -> str:
        return shown(self.previous, self.figure.unit)

    @property
    def change(self) -> Change:
        return change(self.value, self.previous, self.figure)


@dataclass
class Row:
    figure: Figure
    day: Cell
    month: Cell
    trend: list[tuple[str, int | float | None]] = field(default_factory=list)

    @property
    def unit_label(self) -> str:
        return str(Unit(self.figure.unit).label)

    @property
    def trend_shown(self) -> list[tuple[str, str]]:
        return [(month, shown(value, self.figure.unit)) for month, value in self.trend]

    @property
    def chart_values(self) -> list[float | None]:
        # Money is drawn in yuan, as it is read.
        scale = 100 if self.figure.unit == Unit.FEN else 1
        return [None if value is None else round(value / scale, 2) for _month, value in self.trend]


@dataclass
class Section:
    label: str
    rows: list[Row]


@dataclass
class Board:
    day: Period
    previous_day: Period
    month: Period
    previous_month: Period
    months: list[Period]
    sections: list[Section]

    @property
    def rows(self) -> list[Row]:
        return [row for section in self.sections for row in section.rows]


def trend_months(month: Period, count: int = TREND_MONTHS) -> list[Period]:
    """The ``count`` months ending with ``month``, oldest first."""
    months = [month]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


def board(user: User, day: dt.date, *, trends: bool = True) -> Board:
    """Every figure the user may see, for ``day`` and its month, each beside the period before, with the
    12-month trend: one call of a figure's ``series`` (one query where it has one) for all the periods."""
    today, month = Period.day(day), Period.month(day)
    periods = [today, today.previous(), month, month.previous()]
    months = trend_months(month)
    sections: dict[str, Section] = {}
    for figure in figures_for(user):
        with_trend = trends and figure.trend
        values = figure.values(user, periods + (months if with_trend else []))
        drill = figure.drill

        def cell(position: int, figure: Figure = figure, values: list[Any] = values, drill: Any = drill) -> Cell:
            period = periods[position]
            return Cell(period, values[position], values[position + 1], figure,
                        drill(user, period) if drill else "")

        row = Row(figure, day=cell(0), month=cell(2),
                  trend=[(f"{p.start:%Y-%m}", v) for p, v in zip(months, values[4:], strict=False)]
                  if with_trend else [])
        label = str(figure.section)
        sections.setdefault(label, Section(label, [])).rows.append(row)
    return Board(day=today, previous_day=periods[1], month=month, previous_month=periods[3], months=months,
                 sections=list(sections.values()))
