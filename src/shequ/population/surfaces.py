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
    from_series,
    may,
    nav,
    staff,
    work_count,
)
from shequ.population import queries
from shequ.population.choices import LifeEventKind

# Menu

nav(NavLink("population.people", _("Residents"), "population:person_list", Group.REGISTRY,
            both(staff, may("population.person")), order=10,
            matches=("population:person_",)))
nav(NavLink("population.register", _("Register a resident"), "population:person_create", Group.REGISTRY,
            may("population.person", "add"), order=20))
nav(NavLink("population.import", _("Import"), "population:import", Group.REGISTRY,
            may("population.person", "import"), order=30, matches=("population:import",)))
nav(NavLink("population.dynamics", _("Population dynamics"), "population:dynamics", Group.REGISTRY,
            may("population.person", "export"), order=40))
nav(NavLink("population.permits", _("Residence permits"), "population:permit_list", Group.REGISTRY,
            may("population.person", "export"), order=50, matches=("population:permit_",)))

# Resident portal tiles

# Workbench counts

_PERMITS = "population:permit_list"
work_count(WorkCount("population.permits_expiring", _("Residence permits expiring within 30 days"), Urgency.DUE_SOON,
                     both(staff, may("population.residencepermit", "change")), queries.count_permits_expiring,
                     lambda user: f"{reverse(_PERMITS)}?expiring={queries.PERMIT_EXPIRING_DAYS}", order=30))
work_count(WorkCount("population.permits_expired", _("Residence permits expired"), Urgency.OVERDUE,
                     both(staff, may("population.residencepermit", "change")), queries.count_permits_expired,
                     lambda user: f"{reverse(_PERMITS)}?expired=1", order=30))

# Dashboard figures


_REGISTRY_SECTION = Group.REGISTRY.label
_sees_people = both(staff, may("population.person"))


def _people_list(user: User, period: Period) -> str:
    return reverse("population:person_list") + "?status=active"


def _dynamics(user: User, period: Period) -> str:
    return reverse("population:dynamics")


figure(Figure("population.living", _("People living here"), _REGISTRY_SECTION, Unit.COUNT, _sees_people,
              value=from_series(queries.living_by_period), series=queries.living_by_period,
              drill=_people_list, order=10))
for _order, (_kind, _label) in enumerate([
    (LifeEventKind.MOVE_IN, _("Moved in")), (LifeEventKind.MOVE_OUT, _("Moved out")),
    (LifeEventKind.BIRTH, _("Births")), (LifeEventKind.DEATH, _("Deaths")),
]):
    def _events(user: User, periods: list[Period], kind: str = _kind) -> list[int]:
        return queries.life_events_by_period(user, periods, kind)

    figure(Figure(f"population.{_kind}", _label, _REGISTRY_SECTION, Unit.COUNT, _sees_people,
                  value=from_series(_events), series=_events, drill=_dynamics, order=11 + _order))
