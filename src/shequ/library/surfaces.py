"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, Tile, both, may, nav, residents, staff, tile
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

# Dashboard figures
