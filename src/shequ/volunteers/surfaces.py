"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

import datetime as _dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.models import User
from shequ.core.registry import (
    Figure,
    Group,
    NavLink,
    Period,
    Tile,
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
    tile,
    work_count,
)
from shequ.volunteers import queries

# Menu

nav(NavLink("volunteers.home", _("Volunteers"), "volunteers:home", Group.COMMUNITY,
            both(staff, may("volunteers.activity")), order=40, matches=("volunteers:",)))
nav(NavLink("volunteers.mine", _("My volunteering"), "volunteers:mine", Group.COMMUNITY,
            residents, order=40, elder=True))

# Resident portal tiles

tile(Tile("volunteers.mine", _("My volunteering"), "volunteers:mine",
          both(residents, may("volunteers.volunteer")), lines=queries.my_volunteering_tile,
          order=50))

# Workbench counts

work_count(WorkCount("volunteers.shifts_today", _("Today's shifts with free places"), Urgency.TODO,
                     both(staff, may("volunteers.shift", "change")), queries.count_shifts_today_unfilled,
                     lambda user: f"{reverse('volunteers:home')}?shifts=today_unfilled", order=40))

# Dashboard figures


def _hours_report(user: User, period: Period) -> str:
    last_day = period.end - _dt.timedelta(days=1)  # the report's "until" includes its day
    return reverse("volunteers:report") + f"?since={period.start:%Y-%m-%d}&until={last_day:%Y-%m-%d}"


figure(Figure("volunteers.hours", _("Volunteer hours"), Group.COMMUNITY.label, Unit.HOURS,
              both(staff, may("volunteers.signup")), value=from_series(queries.hours_by_period),
              series=queries.hours_by_period, drill=_hours_report, order=60))
