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
from shequ.library import queries

# Menu

nav(NavLink("library.desk", _("Library desk"), "library:desk", Group.COMMUNITY,
            both(staff, may("library.loan", "add")), order=20, matches=("library:desk",)))
nav(NavLink("library.loans", _("Loans"), "library:loan_list", Group.COMMUNITY,
            both(staff, may("library.loan")), order=21, matches=("library:loan_", "library:hold_")))
nav(NavLink("library.add_title", _("Add a title"), "library:title_create", Group.COMMUNITY,
            both(staff, may("library.title", "add")), order=22, matches=("library:title_edit", "library:copy_")))
nav(NavLink("library.import", _("Import the catalogue"), "library:import", Group.COMMUNITY,
            both(staff, may("library.title", "import")), order=23, matches=("library:import",)))
nav(NavLink("library.catalogue", _("Online library catalogue"), "library:catalogue", Group.COMMUNITY,
            staff, order=24, matches=("library:title_detail",)))
nav(NavLink("library.mine", _("My library"), "library:my_loans", Group.COMMUNITY,
            residents, order=20, elder=True))

# Resident portal tiles

tile(Tile("library.mine", _("My library"), "library:my_loans", both(residents, may("library.loan")),
          lines=queries.my_loans_tile, order=30))

# Workbench counts

_librarian = both(staff, may("library.loan", "add"))
work_count(WorkCount("library.holds_ready", _("Holds ready for pickup"), Urgency.TODO, _librarian,
                     count=queries.holds_ready_count,
                     url=lambda user: reverse("library:hold_list") + "?status=ready", order=20))
work_count(WorkCount("library.due_soon", _("Loans due within 3 days"), Urgency.DUE_SOON, _librarian,
                     count=queries.due_soon_loans_count,
                     url=lambda user: reverse("library:loan_list") + "?status=due_soon", order=20))
work_count(WorkCount("library.overdue", _("Overdue loans"), Urgency.OVERDUE, _librarian,
                     count=queries.overdue_loans_count,
                     url=lambda user: reverse("library:loan_list") + "?status=overdue", order=20))

# Dashboard figures


def _loans(user: User, period: Period) -> str:
    return reverse("library:loan_list") + "?" + period.query()


figure(Figure("library.loans", _("Library loans"), Group.COMMUNITY.label, Unit.COUNT,
              both(staff, may("library.loan")), value=from_series(queries.loans_by_period),
              series=queries.loans_by_period, drill=_loans, order=50))
