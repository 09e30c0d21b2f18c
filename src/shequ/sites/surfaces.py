"""This app's entries on the shared surfaces (see :mod:`shequ.core.registry`): the owners' votes in the menu."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.registry import Group, NavLink, Urgency, WorkCount, both, may, nav, residents, staff, work_count
from shequ.sites import queries

nav(NavLink("sites.votes", _("Owners' votes"), "sites:votes", Group.COMMUNITY, both(staff, may("sites.vote")),
            order=60, matches=("sites:",)))
# A resident sees the entry once a vote of her compound (or of a compound where she owns) is open.
nav(NavLink("sites.my_votes", _("Owners' votes"), "sites:votes", Group.COMMUNITY,
            both(residents, may("sites.vote"), lambda user: queries.votes(user).exists()), order=60,
            matches=("sites:",)))

work_count(WorkCount("sites.votes_to_close", _("Owners' votes to close"), Urgency.OVERDUE,
                     both(staff, may("sites.vote", "change")),
                     count=lambda user: queries.votes_to_close(user).count(),
                     url=lambda user: reverse("sites:votes") + "?due=close"))
