"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`. Each part of the eldercare app adds its entries in its own section below.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.models import User
from shequ.core.registry import (
    Figure,
    Group,
    NavLink,
    Period,
    Tile,
    TileLine,
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
from shequ.core.scopes import countable
from shequ.eldercare.models import Alert
from shequ.eldercare.queries import alerts as alert_queries
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


# Alerts: the care desk, the elder's own tile ---------------------------------------------------------------------

_alert_workers = both(staff, may("eldercare.alert", "change"))

nav(NavLink("eldercare.desk", _("Care desk"), "eldercare:desk", Group.ELDERCARE, _alert_workers, order=5,
            matches=("eldercare:desk", "eldercare:alert_")))

work_count(WorkCount("eldercare.open_alerts", _("Open care alerts"), Urgency.ALERT, _alert_workers,
                     count=alert_queries.open_alerts_count,
                     url=lambda user: reverse("eldercare:desk") + "#alerts", order=10))
work_count(WorkCount("eldercare.sensors_offline", _("Home sensors offline"), Urgency.TODO, _alert_workers,
                     count=alert_queries.sensors_offline_count,
                     url=lambda user: reverse("eldercare:desk") + "#offline", order=45))


def _open_at_end(user: User, period: Period) -> int:
    """Alerts open at the end of the period (or now, for a period not yet ended)."""
    end = min(timezone.make_aware(dt.datetime.combine(period.end, dt.time.min)), timezone.now())
    return (countable(Alert.objects.all(), user).filter(opened_at__lt=end)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end)).count())


figure(Figure("eldercare.open_alerts", _("Open care alerts"), Group.ELDERCARE.label, Unit.COUNT,
              both(staff, may("eldercare.alert")), value=_open_at_end,
              drill=lambda user, period: reverse("eldercare:desk") + "#alerts", order=71, trend=False,
              higher_is_better=False))


def _elder_on_roll(user: User) -> bool:
    return alert_queries.my_recipient(user) is not None


def _my_care_lines(user: User) -> list[TileLine]:
    lines = []
    if alert_queries.my_open_alert(user) is not None:
        lines.append(TileLine(_("The community is looking for you"), str(_("Press “I'm fine”")), warn=True))
    recipient = alert_queries.my_recipient(user)
    if recipient is not None:
        when = alert_queries.next_visit(recipient, timezone.now())
        if when is not None:
            lines.append(TileLine(_("Next visit"), f"{when:%m-%d}"))
    return lines


tile(Tile("eldercare.my_care", _("My care"), "eldercare:my_care", both(residents, _elder_on_roll),
          lines=_my_care_lines, order=5))


# Visits ---------------------------------------------------------------------------------------------------------

_visit_keepers = both(staff, may("eldercare.visit"))

nav(NavLink("eldercare.overdue_visits", _("Overdue visits"), "eldercare:overdue_visits", Group.ELDERCARE,
            _visit_keepers, order=20, matches=("eldercare:overdue_visits", "eldercare:visit", "eldercare:door")))

work_count(WorkCount("eldercare.overdue_visits", _("Overdue visits"), Urgency.OVERDUE, _visit_keepers,
                     count=visit_queries.overdue_count, url=lambda user: reverse("eldercare:overdue_visits"),
                     order=30))
work_count(WorkCount("eldercare.visits_to_bank", _("Volunteers' visit minutes to bank"), Urgency.TODO,
                     both(_visit_keepers, may("eldercare.visit", "change")),
                     count=lambda user: visit_queries.to_bank(user).count(),
                     url=lambda user: reverse("eldercare:overdue_visits") + "#to-bank", order=40))
work_count(WorkCount("eldercare.my_overdue_visits", _("Visits overdue to the elders I visit"), Urgency.OVERDUE,
                     both(residents, may("eldercare.visit")), count=visit_queries.overdue_count,
                     url=lambda user: reverse("eldercare:my_pairs"), order=30))


figure(Figure("eldercare.visits", _("Visits to elders"), Group.ELDERCARE.label, Unit.COUNT, _visit_keepers,
              value=from_series(visit_queries.visits_by_period), series=visit_queries.visits_by_period, order=71,
              higher_is_better=True))
