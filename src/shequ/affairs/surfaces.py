"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.affairs import queries
from shequ.core.registry import Group, NavLink, Tile, both, may, nav, residents, staff, tile

# Menu

nav(NavLink("affairs.take", _("Take a request"), "affairs:request_create", Group.SERVICES,
            both(staff, may("affairs.servicerequest", "add")), order=10))
nav(NavLink("affairs.queue", _("Open requests"), "affairs:queue", Group.SERVICES,
            both(staff, may("affairs.servicerequest")), order=20, matches=("affairs:request_d", "affairs:request_a")))
nav(NavLink("affairs.watch", _("Overdue"), "affairs:watch_list", Group.SERVICES,
            both(staff, may("affairs.servicerequest")), order=30))
nav(NavLink("affairs.emergencies", _("Emergencies"), "affairs:emergency_board", Group.SERVICES,
            both(staff, may("affairs.servicerequest")), order=40))
nav(NavLink("affairs.assessment", _("Assessment"), "affairs:assessment", Group.OVERSIGHT,
            both(staff, may("affairs.servicerequest", "export")), order=20))
nav(NavLink("affairs.catalogue", _("Service catalogue"), "affairs:service_list", Group.SERVICES,
            both(staff, may("affairs.service")), order=50,
            matches=("affairs:service_", "affairs:department_", "affairs:holiday_")))
nav(NavLink("affairs.mine", _("My requests"), "affairs:my_requests", Group.SERVICES,
            both(residents, may("affairs.servicerequest")), order=10, elder=True, tab=True,
            matches=("affairs:my_request",)))

# Resident portal tiles

tile(Tile("affairs.mine", _("My requests"), "affairs:my_requests", both(residents, may("affairs.servicerequest")),
          lines=queries.my_requests_tile, order=10))

# Workbench counts

# Dashboard figures
