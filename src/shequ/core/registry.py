"""The shared surfaces every app contributes to, declared in one registry.

Four surfaces are shared between apps: the staff navigation, the resident portal's tiles, each role's
workbench counts and the leadership dashboard's figures. An app declares its own in ``<app>/surfaces.py``
(discovered at start-up, as Django's admin discovers ``admin.py``); the pages that show a surface ask this
registry what to show a user and never name another app. Whether a user sees an entry is decided by the
entry's ``allowed`` test, which is built from the role table (:func:`may`), so a role sees only its desks.

Every callable receives the signed-in user and reads through the app's scoped ``queries``: a count, a tile
figure or a dashboard figure shows only rows the user could open in the list it links to.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Aggregate, Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.scopes import can

if TYPE_CHECKING:
    from shequ.core.models import User

logger = logging.getLogger(__name__)

Label = str | Promise
Test = Callable[["User"], bool]


def may(model_label: str, action: str = "view") -> Test:
    """A test that passes for users whose role may do ``action`` on ``model_label`` (the role table)."""

    def allowed(user: User) -> bool:
        return can(user, apps.get_model(model_label), action)

    allowed.__qualname__ = f"may({model_label!r}, {action!r})"
    return allowed


def residents(user: User) -> bool:
    return bool(getattr(user, "is_resident", False))


def staff(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and not getattr(user, "is_resident", False)


def both(*tests: Test) -> Test:
    return lambda user: all(test(user) for test in tests)


class Group(models.TextChoices):
    """The domains the staff navigation is grouped by, in the order they are shown."""

    WORK = "work", pgettext_lazy("navigation group", "My work")
    REGISTRY = "registry", pgettext_lazy("navigation group", "Population")
    SERVICES = "services", pgettext_lazy("navigation group", "Service centre")
    HEALTH = "health", pgettext_lazy("navigation group", "Health")
    CARD = "card", pgettext_lazy("navigation group", "Resident card")
    SAFETY = "safety", pgettext_lazy("navigation group", "Safety")
    ELDERCARE = "eldercare", pgettext_lazy("navigation group", "Eldercare")
    COMMUNITY = "community", pgettext_lazy("navigation group", "Community services")
    OVERSIGHT = "oversight", pgettext_lazy("navigation group", "Oversight")
    SYSTEM = "system", pgettext_lazy("navigation group", "System")


GROUP_ORDER = list(Group)


class Urgency(models.TextChoices):
    """The four kinds of workbench count, in the order a role's home shows them."""

    TODO = "todo", _("To do")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ALERT = "alert", _("Alerts")


@dataclass(frozen=True)
class NavLink:
    """One entry of the staff menu, or of a resident's menu when ``audience`` is residents.

    ``matches`` are URL-name prefixes ("library:desk", "library:loan") that mark the entry current on pages
    below it; the entry's own URL name always does. ``elder`` entries stay in 长辈版's simplified menu.
    """

    key: str
    label: Label
    url_name: str
    group: Group
    allowed: Test
    order: int = 100
    matches: tuple[str, ...] = ()
    elder: bool = False
    # Resident menus show a few entries as bottom tabs (首页, 办事, 卡包, 我的), like the city's apps; a tab is
    # labelled with ``tab_label``, a word or two that fits under a thumb.
    tab: bool = False
    tab_label: Label = ""
    icon: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def is_current(self, url_name: str) -> bool:
        return url_name == self.url_name or any(url_name.startswith(prefix) for prefix in self.matches)


@dataclass(frozen=True)
class TileLine:
    """One live figure on a tile: "现金 ¥12.00", "2 items due 12 Dec"; ``warn`` draws it as needing action."""

    label: Label
    value: str
    warn: bool = False


@dataclass(frozen=True)
class Tile:
    """A large tile on the resident portal (or on the public home when ``public``), with live figures."""

    key: str
    label: Label
    url_name: str
    allowed: Test
    lines: Callable[[User], Iterable[TileLine]] = lambda user: ()
    order: int = 100
    icon: str = ""
    elder: bool = True

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class WorkCount:
    """A count on a role's home that links to the filtered list behind it.

    ``count`` reads through the app's scoped queries; ``url`` gives the list the count was taken from, with
    the same filter, so the number a user clicks is the number of rows she sees.
    """

    key: str
    label: Label
    urgency: Urgency
    allowed: Test
    count: Callable[[User], int]
    url: Callable[[User], str]
    order: int = 100


@dataclass(frozen=True)
class Period:
    """A half-open range of days, [start, end), in Asia/Shanghai."""

    start: date
    end: date

    # The GET parameters a list behind a figure reads to show the same period (``?start=…&end=…``, end not
    # included), as the assessment page does.
    START_PARAM = "start"
    END_PARAM = "end"

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day + dt.timedelta(days=1))

    @classmethod
    def month(cls, day: date) -> Period:
        first = day.replace(day=1)
        return cls(first, (first + dt.timedelta(days=32)).replace(day=1))

    def previous(self) -> Period:
        """The period of the same kind just before: the day before a day, the month before a month."""
        if self.start.day == 1 and self.end == Period.month(self.start).end:
            return Period.month(self.start - dt.timedelta(days=1))
        return Period(self.start - (self.end - self.start), self.start)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes, from local midnight to local midnight."""
        tz = timezone.get_current_timezone()
        return (dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
                dt.datetime.combine(self.end, dt.time.min, tzinfo=tz))

    def within(self, field_name: str, *, moment: bool = False) -> Q:
        """Rows whose date (or, with ``moment``, datetime) field lies in the period."""
        start, end = self.moments() if moment else (self.start, self.end)
        return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})

    def query(self) -> str:
        return f"{self.START_PARAM}={self.start:%Y-%m-%d}&{self.END_PARAM}={self.end:%Y-%m-%d}"

    @classmethod
    def from_query(cls, params: Any) -> Period | None:
        """The period a list's GET parameters name, or None when they name none (or nonsense)."""
        try:
            start = date.fromisoformat(params.get(cls.START_PARAM) or "")
            end = date.fromisoformat(params.get(cls.END_PARAM) or "")
        except (TypeError, ValueError):
            return None
        return cls(start, end) if start < end else None


def per_period(queryset: QuerySet[Any], periods: list[Period], field_name: str, *, moment: bool = False,
               measure: Callable[[Q], Aggregate] = lambda within: Count("pk", filter=within)) -> list[Any]:
    """One figure over many periods in one query: a filtered aggregate per period (``measure`` receives the
    period's condition), so a dashboard's 12-month trend costs one query rather than twelve."""
    if not periods:
        return []
    found = queryset.order_by().aggregate(**{
        f"p{position}": measure(period.within(field_name, moment=moment))
        for position, period in enumerate(periods)})
    return [found[f"p{position}"] for position in range(len(periods))]


class Unit(models.TextChoices):
    COUNT = "count", _("count")
    FEN = "fen", _("yuan")
    HOURS = "hours", _("hours")
    PERCENT = "percent", _("per cent")
    SCORE = "score", _("score")


@dataclass(frozen=True)
class Figure:
    """One figure of the leadership dashboard: its value for a user over a period, and the list behind it.

    ``value`` returns ``None`` where the figure has no meaning for the period (a satisfaction rate with no
    rating). ``drill`` is the URL of the list that the figure counts, filtered to the same period.
    ``trend`` figures are also drawn month by month over the last 12 months. ``series``, where given, returns
    the values of many periods at once (in their order) in one query; without it the page calls ``value`` for
    each period.
    """

    key: str
    label: Label
    section: Label
    unit: Unit
    allowed: Test
    value: Callable[[User, Period], int | float | None]
    drill: Callable[[User, Period], str] | None = None
    order: int = 100
    trend: bool = True
    # Higher is better (requests closed on time) or worse (overdue requests): the page colours changes by it
    # and says it in words, since colour is never the only cue.
    higher_is_better: bool | None = None
    series: Callable[[User, list[Period]], Sequence[int | float | None]] | None = None

    def values(self, user: User, periods: list[Period]) -> list[int | float | None]:
        if self.series is not None:
            return list(self.series(user, periods))
        return [self.value(user, period) for period in periods]


def from_series(series: Callable[[User, list[Period]], Sequence[Any]]) -> Callable[[User, Period], Any]:
    """A figure's ``value`` taken from its ``series``, so that the two cannot disagree."""

    def value(user: User, period: Period) -> Any:
        return series(user, [period])[0]

    return value


@dataclass
class Registry:
    nav: dict[str, NavLink] = field(default_factory=dict)
    tiles: dict[str, Tile] = field(default_factory=dict)
    counts: dict[str, WorkCount] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)

    def _add(self, table: dict[str, Any], entry: Any) -> Any:
        if entry.key in table and table[entry.key] != entry:
            raise ValueError(f"Two surface entries share the key {entry.key!r}")
        table[entry.key] = entry
        return entry


registry = Registry()


def nav(entry: NavLink) -> NavLink:
    return registry._add(registry.nav, entry)


def tile(entry: Tile) -> Tile:
    return registry._add(registry.tiles, entry)


def work_count(entry: WorkCount) -> WorkCount:
    return registry._add(registry.counts, entry)


def figure(entry: Figure) -> Figure:
    return registry._add(registry.figures, entry)


def discover() -> None:
    """Import every installed app's ``surfaces`` module (called once from CoreConfig.ready)."""
    autodiscover_modules("surfaces")


def _allowed(entry: Any, user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and entry.allowed(user)


def nav_for(user: User) -> list[NavLink]:
    return sorted((entry for entry in registry.nav.values() if _allowed(entry, user)),
                  key=lambda entry: (GROUP_ORDER.index(entry.group), entry.order, entry.key))


@dataclass(frozen=True)
class MenuItem:
    link: NavLink
    current: bool

    @property
    def label(self) -> Label:
        return self.link.label

    @property
    def tab_label(self) -> Label:
        return self.link.tab_label or self.link.label

    @property
    def url(self) -> str:
        return self.link.url


@dataclass(frozen=True)
class NavGroup:
    group: Group
    items: list[MenuItem]

    @property
    def current(self) -> bool:
        return any(item.current for item in self.items)


def nav_groups(user: User, current_url_name: str = "") -> list[NavGroup]:
    """The user's menu, grouped by domain, with the current page (and so its group) marked."""
    groups: dict[Group, list[MenuItem]] = {}
    for link in nav_for(user):
        groups.setdefault(link.group, []).append(MenuItem(link, link.is_current(current_url_name)))
    return [NavGroup(group, items) for group, items in groups.items()]


def tiles_for(user: User) -> list[Tile]:
    return sorted((entry for entry in registry.tiles.values() if _allowed(entry, user)),
                  key=lambda entry: (entry.order, entry.key))


def counts_for(user: User) -> list[WorkCount]:
    return sorted((entry for entry in registry.counts.values() if _allowed(entry, user)),
                  key=lambda entry: (list(Urgency).index(entry.urgency), entry.order, entry.key))


def figures_for(user: User) -> list[Figure]:
    return sorted((entry for entry in registry.figures.values() if _allowed(entry, user)),
                  key=lambda entry: (entry.order, entry.key))
