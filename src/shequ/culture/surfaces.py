"""This app's entries on the shared surfaces (shequ.core.registry): the residents' room booking (menu and portal
tile), the centre's desk with the requests awaiting approval (menu and workbench count), the bookings used."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.registry import (
    Figure,
    Group,
    NavLink,
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
from shequ.culture import queries

_bookers = both(residents, may("culture.booking", "add"))
_desk_keepers = both(staff, may("culture.booking", "change"))

nav(NavLink("culture.rooms", _("Room booking"), "culture:rooms", Group.COMMUNITY, _bookers, order=60,
            matches=("culture:book", "culture:mine")))
tile(Tile("culture.rooms", _("Room booking"), "culture:rooms", _bookers, lines=queries.my_tile, order=60))

nav(NavLink("culture.desk", _("Room desk"), "culture:desk", Group.COMMUNITY, _desk_keepers, order=60))
work_count(WorkCount("culture.awaiting_approval", _("Room bookings awaiting approval"), Urgency.TODO, _desk_keepers,
                     count=queries.awaiting_approval_count,
                     url=lambda user: reverse("culture:desk") + "#requests", order=60))

figure(Figure("culture.bookings_used", _("Room bookings used"), Group.COMMUNITY.label, Unit.COUNT,
              both(staff, may("culture.booking")), value=from_series(queries.used_by_period),
              series=queries.used_by_period, order=80, higher_is_better=True))
