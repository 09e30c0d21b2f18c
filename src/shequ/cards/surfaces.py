"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.cards import queries
from shequ.core.registry import (
    Group,
    NavLink,
    Tile,
    Urgency,
    WorkCount,
    both,
    may,
    nav,
    residents,
    staff,
    tile,
    work_count,
)

# Menu

nav(NavLink("cards.desk", _("Card desk"), "cards:desk", Group.CARD,
            both(staff, may("cards.card", "add")), order=10,
            matches=("cards:issue", "cards:detail", "cards:top_up", "cards:change")))
nav(NavLink("cards.mine", _("My resident card"), "cards:mine", Group.CARD,
            both(residents, may("cards.card")), order=20, elder=True, tab=True,
            tab_label=pgettext_lazy("resident tab", "Cards")))

# Resident portal tiles

tile(Tile("cards.mine", _("My resident card"), "cards:mine", both(residents, may("cards.card")),
          lines=queries.my_card_tile, order=20))

# Workbench counts

work_count(WorkCount("cards.lost", _("Lost cards to replace"), Urgency.TODO, both(staff, may("cards.card", "change")),
                     count=queries.lost_cards_count, url=lambda user: reverse("cards:desk") + "?status=lost",
                     order=40))

# Dashboard figures
