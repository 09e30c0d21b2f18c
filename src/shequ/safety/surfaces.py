"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`. Each part of the app adds its block below.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, Tile, both, may, nav, residents, staff, tile
from shequ.safety.queries import credentials as credential_queries

# Police office, patrols and door credentials ------------------------------------------------------------------

_board = both(staff, may("safety.patrollog"), may("safety.incident"))
nav(NavLink("safety.police_board", _("Community police office"), "safety:police_board", Group.SAFETY, _board,
            order=10, matches=("safety:police_board",)))
nav(NavLink("safety.patrols", _("Patrols"), "safety:patrol_list", Group.SAFETY, _board, order=11,
            matches=("safety:patrol_",)))
nav(NavLink("safety.police_lookup", _("Registry look-up"), "safety:police_lookup", Group.SAFETY,
            both(staff, may("population.person", "lookup")), order=12,
            matches=("safety:police_lookup", "safety:police_person")))
nav(NavLink("safety.credentials", _("Door credentials"), "safety:credential_list", Group.SAFETY,
            both(staff, may("safety.doorcredential")), order=30, matches=("safety:credential_",)))
nav(NavLink("safety.my_doors", _("My door access"), "safety:my_doors", Group.SAFETY, residents, order=40,
            elder=True))
tile(Tile("safety.my_doors", _("My door access"), "safety:my_doors",
          both(residents, may("safety.doorcredential")), lines=credential_queries.my_doors_tile, order=40))
