"""This app's entries on the shared surfaces: the leadership dashboard in the oversight menu.

See :mod:`shequ.core.registry`. The figures on the page are declared by the apps that own them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, both, nav, staff
from shequ.dashboard.queries import may_make_reports, may_see_dashboard

# Menu

nav(NavLink("dashboard.board", _("Leadership dashboard"), "dashboard:board", Group.OVERSIGHT,
            both(staff, may_see_dashboard), order=10))
nav(NavLink("dashboard.reports", _("Monthly reports"), "dashboard:reports", Group.OVERSIGHT,
            both(staff, may_make_reports), order=11, matches=("dashboard:report",)))

# Resident portal tiles

# Workbench counts

# Dashboard figures
