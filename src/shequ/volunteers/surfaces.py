"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, both, may, nav, residents, staff

# Menu

nav(NavLink("volunteers.home", _("Volunteers"), "volunteers:home", Group.COMMUNITY,
            both(staff, may("volunteers.activity")), order=40, matches=("volunteers:",)))
nav(NavLink("volunteers.mine", _("My volunteering"), "volunteers:mine", Group.COMMUNITY,
            residents, order=40, elder=True))

# Resident portal tiles

# Workbench counts

# Dashboard figures

import datetime as _dt  # noqa: E402

from django.urls import reverse  # noqa: E402  (imports of this section kept here: parallel sections merge cleanly)

from shequ.core.models import User  # noqa: E402
from shequ.core.registry import Figure, Period, Unit, figure, from_series  # noqa: E402
from shequ.volunteers import queries as volunteer_queries  # noqa: E402


def _hours_report(user: User, period: Period) -> str:
    last_day = period.end - _dt.timedelta(days=1)  # the report's "until" includes its day
    return reverse("volunteers:report") + f"?since={period.start:%Y-%m-%d}&until={last_day:%Y-%m-%d}"


figure(Figure("volunteers.hours", _("Volunteer hours"), Group.COMMUNITY.label, Unit.HOURS,
              both(staff, may("volunteers.signup")), value=from_series(volunteer_queries.hours_by_period),
              series=volunteer_queries.hours_by_period, drill=_hours_report, order=60))
