"""Reads of the portal: the public notices anyone may read, and the administrator's list of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shequ.core.scopes import restrict
from shequ.portal.models import Notice

PUBLIC_NOTICES = 10


def public_notices(*, subdistrict_id: int | None = None, now: dt.datetime | None = None) -> QuerySet[Notice]:
    """Notices shown now, to anyone, without login: published, not yet expired, not withdrawn; pinned first.

    Public by nature, so not scoped to a user; a deployment serves one sub-district, and a caller that knows
    which (a signed-in resident's) may narrow to it."""
    now = now or timezone.now()
    found = Notice.objects.filter(publish_at__lte=now, withdrawn_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if subdistrict_id is not None:
        found = found.filter(subdistrict_id=subdistrict_id)
    return found.order_by("-pinned", "-publish_at", "-id")


def notices(user: Any, action: str = "view") -> QuerySet[Notice]:
    """Every notice of the user's sub-district, shown or not, newest first (the administrator's list)."""
    return restrict(Notice.objects.select_related("created_by", "withdrawn_by"), user, action).order_by(
        "-publish_at", "-id")
