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
    from_series,
    may,
    nav,
    residents,
    staff,
    work_count,
)
from shequ.eldercare.queries import roll as roll_queries
from shequ.eldercare.queries import visits as visit_queries

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


# Visits ---------------------------------------------------------------------------------------------------------

_visit_keepers = both(staff, may("eldercare.visit"))

nav(NavLink("eldercare.overdue_visits", _("Overdue visits"), "eldercare:overdue_visits", Group.ELDERCARE,
            _visit_keepers, order=20, matches=("eldercare:overdue_visits", "eldercare:visit", "eldercare:door")))

work_count(WorkCount("eldercare.overdue_visits", _("Overdue visits"), Urgency.OVERDUE, _visit_keepers,
                     count=visit_queries.overdue_count, url=lambda user: reverse("eldercare:overdue_visits"),
                     order=30))
work_count(WorkCount("eldercare.visits_to_bank", _("Volunteers' visit minutes to bank"), Urgency.TODO,
                     both(_visit_keepers, may("cards.transaction", "add")),
                     count=lambda user: visit_queries.to_bank(user).count(),
                     url=lambda user: reverse("eldercare:overdue_visits") + "#to-bank", order=40))
work_count(WorkCount("eldercare.my_overdue_visits", _("Visits overdue to the elders I visit"), Urgency.OVERDUE,
                     both(residents, may("eldercare.visit")), count=visit_queries.overdue_count,
                     url=lambda user: reverse("eldercare:my_pairs"), order=30))


figure(Figure("eldercare.visits", _("Visits to elders"), Group.ELDERCARE.label, Unit.COUNT, _visit_keepers,
              value=from_series(visit_queries.visits_by_period), series=visit_queries.visits_by_period, order=71,
              higher_is_better=True))
