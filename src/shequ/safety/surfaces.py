"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`. Each part of the safety app adds its entries in its own section below.
"""

from __future__ import annotations

from urllib.parse import urlencode

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
from shequ.safety.choices import DeadLetterStatus, Severity
from shequ.safety.queries import credentials as credential_queries
from shequ.safety.queries import devices as device_queries
from shequ.safety.queries import incidents as incident_queries
from shequ.safety.queries import ingest as ingest_queries

# Devices --------------------------------------------------------------------------------------------------

_device_watchers = both(staff, may("safety.device"))

nav(NavLink("safety.devices", _("Devices"), "safety:device_list", Group.SAFETY, _device_watchers, order=30,
            matches=("safety:device_",)))

work_count(WorkCount("safety.devices_offline", _("Devices offline"), Urgency.ALERT, _device_watchers,
                     count=device_queries.offline_count,
                     url=lambda user: reverse("safety:device_list") + "?"
                     + urlencode(device_queries.offline_list_query()), order=30))


def _online_now(user: User, period: Period) -> int | None:
    """Availability has no history: the devices online now, for a period that has not ended; nothing for a
    past one (a past day's figure must not show today's state)."""
    return device_queries.online_count(user) if period.end > timezone.localdate() else None


def _online_list(user: User, period: Period) -> str:
    return reverse("safety:device_list") + "?availability=online"


figure(Figure("safety.devices_online", _("Devices online"), Group.SAFETY.label, Unit.COUNT, _device_watchers,
              value=_online_now, drill=_online_list, order=60, trend=False, higher_is_better=True))


# Ingest and dead letters ---------------------------------------------------------------------------------


def _waiting_dead_letters(user: User) -> int:
    return ingest_queries.dead_letters(user, status=DeadLetterStatus.NEW).count()


_decides_dead_letters = both(staff, may("safety.deadletter", "change"))
nav(NavLink("safety.dead_letters", _("Dead letters"), "safety:dead_letter_list", Group.SAFETY,
            _decides_dead_letters, order=90, matches=("safety:dead_letter_",)))
work_count(WorkCount("safety.dead_letters", _("Device messages refused"), Urgency.ALERT, _decides_dead_letters,
                     count=_waiting_dead_letters,
                     url=lambda user: reverse("safety:dead_letter_list") + "?status=new", order=90))


# Police office, patrols and door credentials ------------------------------------------------------------------

_board = both(staff, may("safety.patrollog"), may("safety.incident"))
nav(NavLink("safety.police_board", _("Community police office"), "safety:police_board", Group.SAFETY, _board,
            order=10, matches=("safety:police_board",)))
nav(NavLink("safety.patrols", _("Patrols"), "safety:patrol_list", Group.SAFETY, _board, order=11,
            matches=("safety:patrol_",)))
nav(NavLink("safety.police_lookup", _("Registry look-up"), "safety:police_lookup", Group.SAFETY,
            both(staff, may("population.person", "lookup")), order=12,
            matches=("safety:police_lookup", "safety:police_person")))
nav(NavLink("safety.credentials", _("Door credentials"), "safety:credential_list", Group.SAFETY,
            both(staff, may("safety.doorcredential")), order=35, matches=("safety:credential_",)))
nav(NavLink("safety.my_doors", _("My door access"), "safety:my_doors", Group.SAFETY, residents, order=40,
            elder=True))
tile(Tile("safety.my_doors", _("My door access"), "safety:my_doors",
          both(residents, may("safety.doorcredential")), lines=credential_queries.my_doors_tile, order=40))


# Incidents, plans and drills ----------------------------------------------------------------------------------

_incident_viewer = both(staff, may("safety.incident"))

nav(NavLink("safety.incidents", _("Incidents"), "safety:incident_list", Group.SAFETY, _incident_viewer, order=13,
            matches=("safety:incident_", "safety:task_")))
nav(NavLink("safety.plans", _("Emergency plans"), "safety:plan_list", Group.SAFETY,
            both(staff, may("safety.emergencyplan")), order=45, matches=("safety:plan_", "safety:drill_")))

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
              series=incident_queries.opened_by_period, drill=_opened, order=61, higher_is_better=False))
figure(Figure("safety.incidents_closed", _("Safety incidents closed"), Group.SAFETY.label, Unit.COUNT,
              _incident_viewer, value=from_series(incident_queries.closed_by_period),
              series=incident_queries.closed_by_period, drill=_closed, order=62))
