"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`. Each part of the eldercare app adds its entries in its own section below.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
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
    residents,
    staff,
    work_count,
)
from shequ.eldercare.queries import roll as roll_queries

# Care roll -----------------------------------------------------------------------------------------------------

_roll_viewers = both(staff, may("eldercare.carerecipient"))

nav(NavLink("eldercare.roll", _("Care roll"), "eldercare:roll", Group.ELDERCARE, _roll_viewers, order=10,
            matches=("eldercare:roll", "eldercare:elder_", "eldercare:consent_", "eldercare:contact_",
                     "eldercare:assessment_", "eldercare:away_", "eldercare:pairing")))
nav(NavLink("eldercare.my_pairs", _("Elders I visit"), "eldercare:my_pairs", Group.ELDERCARE,
            both(residents, may("eldercare.carerecipient"), lambda user: bool(roll_queries.my_pairs(user))),
            order=10))

work_count(WorkCount("eldercare.reassessments_due", _("Care re-assessments due"), Urgency.DUE_SOON, _roll_viewers,
                     count=roll_queries.reassessments_due_count,
                     url=lambda user: reverse("eldercare:roll") + "?reassessment_due=on", order=40))
work_count(WorkCount("eldercare.away_now", _("Elders away now"), Urgency.TODO, _roll_viewers,
                     count=roll_queries.away_now_count,
                     url=lambda user: reverse("eldercare:roll") + "?away_now=on", order=40))


def _on_roll_now(user: User, period: Period) -> int | None:
    """The roll has no history kept as counts: the elders on it now, for a period that has not ended."""
    return roll_queries.on_roll_count(user) if period.end > timezone.localdate() else None


figure(Figure("eldercare.on_roll", _("Elders on the care roll"), Group.ELDERCARE.label, Unit.COUNT, _roll_viewers,
              value=_on_roll_now, drill=lambda user, period: reverse("eldercare:roll"), order=70, trend=False))
