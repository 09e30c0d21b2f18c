"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.models import User
from shequ.core.registry import (
    Figure,
    Group,
    NavLink,
    Period,
    Unit,
    Urgency,
    WorkCount,
    both,
    figure,
    from_series,
    may,
    nav,
    staff,
    work_count,
)
from shequ.dining import queries

# Menu

nav(NavLink("dining.canteens", _("Canteens"), "dining:canteen_list", Group.COMMUNITY,
            both(staff, may("dining.canteen")), order=10, matches=("dining:",)))

# Resident portal tiles

# Workbench counts

work_count(WorkCount(
    "dining.no_menu_today", _("Canteens with no menu for today"), Urgency.TODO, both(staff, may("dining.menu", "add")),
    count=queries.canteens_without_menu_count,
    url=lambda user: reverse("dining:canteen_list") + "?menu=missing", order=10))

# Dashboard figures


def _canteens(user: User, period: Period) -> str:
    return reverse("dining:canteen_list")


figure(Figure("dining.meals", _("Meals served"), Group.COMMUNITY.label, Unit.COUNT, both(staff, may("dining.meal")),
              value=from_series(queries.meals_by_period), series=queries.meals_by_period,
              drill=_canteens, order=40))
figure(Figure("dining.subsidy", _("Meal subsidy spent"), Group.COMMUNITY.label, Unit.FEN,
              both(staff, may("dining.meal")), value=from_series(queries.meal_subsidy_by_period),
              series=queries.meal_subsidy_by_period, drill=_canteens, order=41))
