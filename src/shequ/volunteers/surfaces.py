"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, both, may, nav, residents, staff

# Menu

nav(NavLink("volunteers.home", _("Volunteers"), "volunteers:home", Group.COMMUNITY,
            both(staff, may("volunteers.activity")), order=40, matches=("volunteers:",)))
nav(NavLink("volunteers.mine", _("My volunteering"), "volunteers:mine", Group.COMMUNITY,
            residents, order=40, elder=True))

# Resident portal tiles

# Workbench counts

# Dashboard figures
