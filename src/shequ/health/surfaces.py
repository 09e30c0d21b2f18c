"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, Tile, both, may, nav, residents, staff, tile
from shequ.health import queries

# Menu

nav(NavLink("health.worklist", _("Health worklist"), "health:worklist", Group.HEALTH,
            both(staff, may("health.followup")), order=10, matches=("health:follow_up", "health:alert_")))
nav(NavLink("health.people", _("Health records"), "health:people", Group.HEALTH,
            both(staff, may("health.healthrecord")), order=20,
            matches=("health:person", "health:record_", "health:condition_", "health:encounter_")))
nav(NavLink("health.contracts", _("Family doctor contracts"), "health:contract_list", Group.HEALTH,
            both(staff, may("health.familydoctorcontract")), order=30, matches=("health:contract_",)))
nav(NavLink("health.workers", _("Health workers"), "health:workers", Group.HEALTH,
            may("health.healthworker", "change"), order=40))
nav(NavLink("health.mine", _("My health diary"), "health:my_health", Group.HEALTH,
            residents, order=40, elder=True))

# Resident portal tiles

tile(Tile("health.mine", _("My health diary"), "health:my_health", both(residents, may("health.diaryentry")),
          lines=queries.my_health_tile, order=40))

# Workbench counts

# Dashboard figures
