"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, Tile, both, may, nav, residents, staff, tile
from shequ.volunteers import queries

# Menu

nav(NavLink("volunteers.home", _("Volunteers"), "volunteers:home", Group.COMMUNITY,
            both(staff, may("volunteers.activity")), order=40, matches=("volunteers:",)))
nav(NavLink("volunteers.mine", _("My volunteering"), "volunteers:mine", Group.COMMUNITY,
            residents, order=40, elder=True))

# Resident portal tiles

tile(Tile("volunteers.mine", _("My volunteering"), "volunteers:mine",
          both(residents, may("volunteers.volunteer")), lines=queries.my_volunteering_tile,
          order=50))

# Workbench counts

# Dashboard figures
