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


from shequ.core.models import User  # noqa: E402
from shequ.core.registry import Figure, Period, Unit, figure  # noqa: E402
from shequ.linkage import queries as linkage_queries  # noqa: E402


def _backlog(user: User, period: Period) -> int | None:
    """The queue has no history: its length now, for a period that has not ended; nothing for a past one."""
    from django.utils import timezone

    return linkage_queries.review_backlog(user) if period.end > timezone.localdate() else None


figure(Figure("linkage.backlog", _("Linkage pairs to review"), Group.HEALTH.label, Unit.COUNT,
              linkage_queries.may_count_backlog, value=_backlog, order=35, trend=False, higher_is_better=False))
