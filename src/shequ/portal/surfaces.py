"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.registry import Group, NavLink, both, may, nav, residents, staff

# Menu

nav(NavLink("portal.home", pgettext_lazy("navigation", "Home"), "portal:home", Group.WORK, residents, order=0,
            elder=True, tab=True))
# 我的 comes last among a resident's tabs, as in the city's apps.
nav(NavLink("portal.settings", pgettext_lazy("resident tab", "Me"), "portal:settings", Group.SYSTEM, residents,
            order=90, elder=True, tab=True))
nav(NavLink("portal.notices", _("Public notices"), "portal:notice_list", Group.SYSTEM,
            both(staff, may("portal.notice")), order=40, matches=("portal:notice_",)))

# Resident portal tiles

# Workbench counts

# Dashboard figures
