"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.models import User
from shequ.core.registry import (
    Figure,
    Group,
    NavLink,
    Period,
    Unit,
    Urgency,
    WorkCount,
    both,
    figure,
    may,
    nav,
    staff,
    work_count,
)
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


def _backlog(user: User, period: Period) -> int | None:
    """The queue has no history: its length now, for a period that has not ended; nothing for a past one."""
    from django.utils import timezone

    return queries.review_backlog(user) if period.end > timezone.localdate() else None


figure(Figure("linkage.backlog", _("Linkage pairs to review"), Group.HEALTH.label, Unit.COUNT,
              queries.may_count_backlog, value=_backlog, order=35, trend=False, higher_is_better=False))
