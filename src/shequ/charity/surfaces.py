"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, both, may, nav, residents, staff

# Menu

nav(NavLink("charity.till", _("Till"), "charity:sale_create", Group.COMMUNITY,
            both(staff, may("charity.sale", "add")), order=30))
nav(NavLink("charity.shop", _("Charity shop"), "charity:stock", Group.COMMUNITY,
            both(staff, may("charity.stockitem")), order=31,
            matches=("charity:item_", "charity:donation", "charity:sale_list", "charity:allowance")))
nav(NavLink("charity.mine", _("My charity points"), "charity:mine", Group.COMMUNITY,
            residents, order=30))

# Resident portal tiles

# Workbench counts

# Dashboard figures
