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
