"""This app's entries on the shared surfaces: menu, portal tiles, workbench counts, dashboard figures.

See :mod:`shequ.core.registry`. Each part of the app declares its entries in its own section below.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.models import User
from shequ.core.registry import Group, NavLink, Urgency, WorkCount, both, may, nav, staff, work_count

# --- ingest and dead letters ---------------------------------------------------------------------------------


def _waiting_dead_letters(user: User) -> int:
    from shequ.safety.choices import DeadLetterStatus
    from shequ.safety.queries.ingest import dead_letters

    return dead_letters(user, status=DeadLetterStatus.NEW).count()


_decides_dead_letters = both(staff, may("safety.deadletter", "change"))
nav(NavLink("safety.dead_letters", _("Dead letters"), "safety:dead_letter_list", Group.SAFETY,
            _decides_dead_letters, order=90, matches=("safety:dead_letter_",)))
work_count(WorkCount("safety.dead_letters", _("Device messages refused"), Urgency.ALERT, _decides_dead_letters,
                     count=_waiting_dead_letters,
                     url=lambda user: reverse("safety:dead_letter_list") + "?status=new", order=90))
