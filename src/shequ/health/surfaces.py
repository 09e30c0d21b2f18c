"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.registry import (
    Figure,
    Group,
    NavLink,
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
from shequ.health import queries

# Menu

nav(NavLink("health.worklist", _("Health worklist"), "health:worklist", Group.HEALTH,
            both(staff, may("health.followup")), order=10, matches=("health:follow_up", "health:alert_")))
nav(NavLink("health.people", _("Health records"), "health:people", Group.HEALTH,
            both(staff, may("health.healthrecord")), order=20,
            matches=("health:person", "health:record_", "health:condition_", "health:encounter_")))
nav(NavLink("health.contracts", _("Family doctor contracts"), "health:contract_list", Group.HEALTH,
            both(staff, may("health.familydoctorcontract")), order=30, matches=("health:contract_",)))
nav(NavLink("health.workers", _("Health workers"), "health:workers", Group.HEALTH,
            may("health.healthworker", "change"), order=40))
nav(NavLink("health.mine", _("My health diary"), "health:my_health", Group.HEALTH,
            residents, order=40, elder=True))

# Resident portal tiles

tile(Tile("health.mine", _("My health diary"), "health:my_health", both(residents, may("health.diaryentry")),
          lines=queries.my_health_tile, order=40))

# Workbench counts

_WORKLIST = "health:worklist"
work_count(WorkCount("health.follow_ups_due", _("Follow-ups due in the next 7 days"), Urgency.DUE_SOON,
                     both(staff, may("health.followup")), queries.count_follow_ups_due,
                     lambda user: f"{reverse(_WORKLIST)}?show=due&days={queries.WORKBENCH_DUE_DAYS}", order=10))
work_count(WorkCount("health.follow_ups_overdue", _("Overdue follow-ups"), Urgency.OVERDUE,
                     both(staff, may("health.followup")), queries.count_follow_ups_overdue,
                     lambda user: f"{reverse(_WORKLIST)}?show=overdue", order=20))
work_count(WorkCount("health.alerts", _("Diary alerts not handled"), Urgency.ALERT,
                     both(staff, may("health.alert")), queries.count_open_alerts,
                     lambda user: f"{reverse(_WORKLIST)}?show=alerts", order=20))

# Dashboard figures


# Counts only, for health staff and for the sub-district administrator (who may open no health record): a
# count names nobody, so it is not a read of health data; the figures have no list to drill into for her.
figure(Figure("health.follow_ups_due", _("Follow-ups due"), Group.HEALTH.label, Unit.COUNT,
              both(staff, queries.may_count_follow_ups),
              value=from_series(queries.follow_ups_due_by_period),
              series=queries.follow_ups_due_by_period, order=30))
figure(Figure("health.follow_ups_done", _("Follow-ups done"), Group.HEALTH.label, Unit.COUNT,
              both(staff, queries.may_count_follow_ups),
              value=from_series(queries.follow_ups_done_by_period),
              series=queries.follow_ups_done_by_period, order=31, higher_is_better=True))
