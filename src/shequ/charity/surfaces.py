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

from django.urls import reverse  # noqa: E402  (imports of this section kept here: parallel sections merge cleanly)

from shequ.charity import queries as charity_queries  # noqa: E402
from shequ.core.models import User  # noqa: E402
from shequ.core.registry import Figure, Period, Unit, figure, from_series  # noqa: E402


def _sales(user: User, period: Period) -> str:
    return reverse("charity:sale_list")


figure(Figure("charity.sales", _("Charity-shop sales"), Group.COMMUNITY.label, Unit.COUNT,
              both(staff, may("charity.sale")), value=from_series(charity_queries.sales_by_period),
              series=charity_queries.sales_by_period, drill=_sales, order=70))
