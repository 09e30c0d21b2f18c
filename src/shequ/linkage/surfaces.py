"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, Urgency, WorkCount, both, may, nav, staff, work_count
from shequ.linkage import queries

# Menu

nav(NavLink("linkage.overview", _("Record linkage"), "linkage:overview", Group.HEALTH,
            may("linkage.linkagerun"), order=50, matches=("linkage:",)))

# Resident portal tiles

# Workbench counts

work_count(WorkCount("linkage.review", _("Record pairs to review"), Urgency.TODO,
                     both(staff, may("linkage.linkcandidate", "change")), queries.count_review_backlog,
                     lambda user: reverse("linkage:review_queue"), order=50))

# Dashboard figures
