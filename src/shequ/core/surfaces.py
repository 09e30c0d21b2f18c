"""What core shows on the shared surfaces: the home page, the audit log, the outbox and the API pages.

See :mod:`shequ.core.registry`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core import queries
from shequ.core.choices import MessageStatus
from shequ.core.models import User
from shequ.core.registry import Group, NavLink, Urgency, WorkCount, may, nav, staff, work_count


def _uses_the_api(user: User) -> bool:
    """Administrators, and staff who hold a token of their own; a till or a desk never needs the API pages."""
    return staff(user) and (may("core.apitoken")(user) or user.api_tokens.exists())


# Menu

nav(NavLink("core.home", pgettext_lazy("navigation", "Home"), "core:home", Group.WORK, staff, order=0))
nav(NavLink("core.audit", _("Audit log"), "core:audit_log", Group.OVERSIGHT, may("core.auditentry"), order=50))
nav(NavLink("core.outbox", _("Outbox"), "core:outbox", Group.SYSTEM, may("core.outboxmessage"), order=10))
nav(NavLink("core.api_docs", _("API"), "api-docs", Group.SYSTEM, _uses_the_api, order=20))
nav(NavLink("core.api_tokens", _("API tokens"), "core:api_tokens", Group.SYSTEM, _uses_the_api, order=30))

# Workbench counts

# A text or device command that failed every retry has not reached its person: someone must look.
work_count(WorkCount(
    "core.outbox_failed", _("Messages that could not be sent"), Urgency.ALERT, may("core.outboxmessage"),
    count=lambda user: queries.outbox_messages(user, status=MessageStatus.FAILED).count(),
    url=lambda user: reverse("core:outbox") + f"?status={MessageStatus.FAILED}", order=90))

# Dashboard figures
