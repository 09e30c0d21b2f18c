"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, may, nav

# Menu

nav(NavLink("linkage.overview", _("Record linkage"), "linkage:overview", Group.HEALTH,
            may("linkage.linkagerun"), order=50, matches=("linkage:",)))

# Resident portal tiles

# Workbench counts

# Dashboard figures
