"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.affairs import queries
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

# Menu

nav(NavLink("affairs.take", _("Take a request"), "affairs:request_create", Group.SERVICES,
            both(staff, may("affairs.servicerequest", "add")), order=10))
nav(NavLink("affairs.queue", _("Open requests"), "affairs:queue", Group.SERVICES,
            both(staff, may("affairs.servicerequest")), order=20, matches=("affairs:request_d", "affairs:request_a")))
nav(NavLink("affairs.watch", _("Overdue"), "affairs:watch_list", Group.SERVICES,
            both(staff, may("affairs.servicerequest")), order=30))
nav(NavLink("affairs.emergencies", _("Emergencies"), "affairs:emergency_board", Group.SERVICES,
            both(staff, may("affairs.servicerequest")), order=40))
nav(NavLink("affairs.assessment", _("Assessment"), "affairs:assessment", Group.OVERSIGHT,
            both(staff, may("affairs.servicerequest", "export")), order=20))
nav(NavLink("affairs.catalogue", _("Service catalogue"), "affairs:service_list", Group.SERVICES,
            both(staff, may("affairs.service")), order=50,
            matches=("affairs:service_", "affairs:department_", "affairs:holiday_")))
nav(NavLink("affairs.mine", _("My requests"), "affairs:my_requests", Group.SERVICES,
            both(residents, may("affairs.servicerequest")), order=10, elder=True, tab=True,
            tab_label=pgettext_lazy("resident tab", "Services"),
            matches=("affairs:my_request",)))

# Resident portal tiles

tile(Tile("affairs.mine", _("My requests"), "affairs:my_requests", both(residents, may("affairs.servicerequest")),
          lines=queries.my_requests_tile, order=10))

# Workbench counts

_QUEUE = "affairs:queue"
work_count(WorkCount("affairs.to_dispatch", _("Requests to dispatch"), Urgency.TODO,
                     both(staff, may("affairs.servicerequest", "add")), queries.count_to_dispatch,
                     lambda user: f"{reverse(_QUEUE)}?state=to_dispatch", order=10))
work_count(WorkCount("affairs.to_handle", _("Requests to handle in my department"), Urgency.TODO,
                     both(staff, may("affairs.servicerequest", "change")), queries.count_to_handle,
                     lambda user: f"{reverse(_QUEUE)}?state=to_handle", order=11))
work_count(WorkCount("affairs.due_soon", _("Requests due within a working day"), Urgency.DUE_SOON,
                     both(staff, may("affairs.servicerequest")), queries.count_due_soon,
                     lambda user: f"{reverse(_QUEUE)}?due=soon", order=10))
work_count(WorkCount("affairs.overdue", _("Overdue requests"), Urgency.OVERDUE,
                     both(staff, may("affairs.servicerequest")), queries.count_overdue,
                     lambda user: reverse("affairs:watch_list"), order=10))
work_count(WorkCount("affairs.emergencies", _("Emergencies not acknowledged"), Urgency.ALERT,
                     both(staff, may("affairs.emergencydispatch")), queries.count_unacknowledged_emergencies,
                     lambda user: f"{reverse('affairs:emergency_board')}?waiting=1", order=10))

# Dashboard figures


_SERVICES_SECTION = Group.SERVICES.label
_sees_requests = both(staff, may("affairs.servicerequest"))


def _assessment(user: User, period: Period) -> str:
    return reverse("affairs:assessment") + "?" + period.query()


def _emergency_board(user: User, period: Period) -> str:
    return reverse("affairs:emergency_board")


for _order, (_key, _label, _unit, _better) in enumerate([
    ("received", pgettext_lazy("count of requests", "Requests received"), Unit.COUNT, None),
    ("on_time", _("Resolved on time"), Unit.COUNT, True),
    ("overdue", pgettext_lazy("count of requests", "Overdue"), Unit.COUNT, False),
    ("satisfaction", _("Satisfaction"), Unit.SCORE, True),
]):
    def _assessed(user: User, periods: list[Period], name: str = _key) -> list[int | float | None]:
        return queries.assessed_by_period(user, periods, name)

    figure(Figure(f"affairs.{_key}", _label, _SERVICES_SECTION, _unit, _sees_requests, value=from_series(_assessed),
                  series=_assessed, drill=_assessment, order=20 + _order, higher_is_better=_better))
figure(Figure("affairs.emergencies", _("Emergencies"), _SERVICES_SECTION, Unit.COUNT, _sees_requests,
              value=from_series(queries.emergencies_by_period),
              series=queries.emergencies_by_period, drill=_emergency_board, order=25))
