"""This app's entries on the shared surfaces: menu, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`. Each part of the app declares its own entries in its own block below.
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
    from_series,
    may,
    nav,
    staff,
    work_count,
)
from shequ.safety.choices import Severity
from shequ.safety.queries import incidents as incident_queries

# Incidents, plans and drills ----------------------------------------------------------------------------------

_incident_viewer = both(staff, may("safety.incident"))

nav(NavLink("safety.incidents", _("Incidents"), "safety:incident_list", Group.SAFETY, _incident_viewer, order=10,
            matches=("safety:incident_", "safety:task_")))
nav(NavLink("safety.plans", _("Emergency plans"), "safety:plan_list", Group.SAFETY,
            both(staff, may("safety.emergencyplan")), order=40, matches=("safety:plan_", "safety:drill_")))

work_count(WorkCount("safety.incidents_waiting", _("Incidents not acknowledged"), Urgency.ALERT, _incident_viewer,
                     count=incident_queries.waiting_count,
                     url=lambda user: reverse("safety:incident_list") + "?status=waiting", order=10))
work_count(WorkCount("safety.emergencies_open", _("Emergencies open"), Urgency.ALERT, _incident_viewer,
                     count=incident_queries.open_emergencies_count,
                     url=lambda user: reverse("safety:incident_list") + f"?status=open&severity={Severity.EMERGENCY}",
                     order=11))


def _opened(user: User, period: Period) -> str:
    return reverse("safety:incident_list") + "?status=all&" + period.query()


def _closed(user: User, period: Period) -> str:
    return (reverse("safety:incident_list") + f"?status=all&closed_start={period.start:%Y-%m-%d}"
            f"&closed_end={period.end:%Y-%m-%d}")


figure(Figure("safety.incidents_opened", _("Safety incidents opened"), Group.SAFETY.label, Unit.COUNT,
              _incident_viewer, value=from_series(incident_queries.opened_by_period),
              series=incident_queries.opened_by_period, drill=_opened, order=60, higher_is_better=False))
figure(Figure("safety.incidents_closed", _("Safety incidents closed"), Group.SAFETY.label, Unit.COUNT,
              _incident_viewer, value=from_series(incident_queries.closed_by_period),
              series=incident_queries.closed_by_period, drill=_closed, order=61))
