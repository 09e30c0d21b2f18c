"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, Urgency, WorkCount, both, may, nav, residents, staff, work_count
from shequ.volunteers import queries

# Menu

nav(NavLink("volunteers.home", _("Volunteers"), "volunteers:home", Group.COMMUNITY,
            both(staff, may("volunteers.activity")), order=40, matches=("volunteers:",)))
nav(NavLink("volunteers.mine", _("My volunteering"), "volunteers:mine", Group.COMMUNITY,
            residents, order=40, elder=True))

# Resident portal tiles

# Workbench counts

work_count(WorkCount("volunteers.shifts_today", _("Today's shifts with free places"), Urgency.TODO,
                     both(staff, may("volunteers.shift", "change")), queries.count_shifts_today_unfilled,
                     lambda user: f"{reverse('volunteers:home')}?shifts=today_unfilled", order=40))

# Dashboard figures
