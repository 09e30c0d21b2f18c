"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, both, may, nav, staff

# Menu

nav(NavLink("dining.canteens", _("Canteens"), "dining:canteen_list", Group.COMMUNITY,
            both(staff, may("dining.canteen")), order=10, matches=("dining:",)))

# Resident portal tiles

# Workbench counts

# Dashboard figures

from django.urls import reverse  # noqa: E402  (imports of this section kept here: parallel sections merge cleanly)

from shequ.core.models import User  # noqa: E402
from shequ.core.registry import Figure, Period, Unit, figure, from_series  # noqa: E402
from shequ.dining import queries as dining_queries  # noqa: E402


def _canteens(user: User, period: Period) -> str:
    return reverse("dining:canteen_list")


figure(Figure("dining.meals", _("Meals served"), Group.COMMUNITY.label, Unit.COUNT, both(staff, may("dining.meal")),
              value=from_series(dining_queries.meals_by_period), series=dining_queries.meals_by_period,
              drill=_canteens, order=40))
figure(Figure("dining.subsidy", _("Meal subsidy spent"), Group.COMMUNITY.label, Unit.FEN,
              both(staff, may("dining.meal")), value=from_series(dining_queries.meal_subsidy_by_period),
              series=dining_queries.meal_subsidy_by_period, drill=_canteens, order=41))
