"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.charity import queries
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
    residents,
    staff,
    work_count,
)

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

work_count(WorkCount(
    "charity.out_of_stock", _("Goods out of stock"), Urgency.TODO, both(staff, may("charity.stockitem")),
    count=queries.out_of_stock_count, url=lambda user: reverse("charity:stock") + "?stock=out", order=30))
work_count(WorkCount(
    "charity.unfinished_allowance", _("Allowance runs not finished"), Urgency.TODO,
    both(staff, may("charity.allowancerun", "add")),
    count=queries.unfinished_allowance_runs_count,
    url=lambda user: reverse("charity:allowance_list") + "?pending=1", order=31))

# Dashboard figures


def _sales(user: User, period: Period) -> str:
    return reverse("charity:sale_list")


figure(Figure("charity.sales", _("Charity-shop sales"), Group.COMMUNITY.label, Unit.COUNT,
              both(staff, may("charity.sale")), value=from_series(queries.sales_by_period),
              series=queries.sales_by_period, drill=_sales, order=70))
