"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, Urgency, WorkCount, both, may, nav, staff, work_count
from shequ.population import queries

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
