"""Writes of the portal: an administrator publishes and withdraws the sub-district's public notices."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import User
from shequ.core.scopes import can, get_visible
from shequ.portal.models import Notice

NOTICE_PUBLISHED = "portal.notice_published"
NOTICE_WITHDRAWN = "portal.notice_withdrawn"


def _snapshot(notice: Notice) -> dict[str, object]:
    return {"title": notice.title, "publish_at": notice.publish_at, "expires_at": notice.expires_at,
            "pinned": notice.pinned}


@transaction.atomic(durable=True)
def publish_notice(*, actor: User, title: str, body: str = "", publish_at: dt.datetime | None = None,
                   expires_at: dt.datetime | None = None, pinned: bool = False) -> Notice:
    """A notice on the public home of the actor's sub-district, from ``publish_at`` (now) until ``expires_at``."""
    if not can(actor, Notice, "add") or actor.subdistrict_id is None:
        raise NotFound()
    title = title.strip()
    if not title:
        raise Invalid(_("Give the notice a title."), field="title")
    publish_at = publish_at or timezone.now()
    if expires_at is not None and expires_at <= publish_at:
        raise Invalid(_("A notice must end after it starts."), field="expires_at")
    notice = Notice.objects.create(subdistrict_id=actor.subdistrict_id, title=title, body=body.strip(),
                                   publish_at=publish_at, expires_at=expires_at, pinned=pinned, created_by=actor)
    audit.record(actor=actor, event=NOTICE_PUBLISHED, obj=notice, after=_snapshot(notice))
    return notice


@transaction.atomic(durable=True)
def withdraw_notice(*, actor: User, notice: Notice) -> Notice:
    """Take a notice off the public home at once; it stays in the list of notices, marked withdrawn."""
    notice = get_visible(Notice.objects.select_for_update(), actor, "change", pk=notice.pk)
    if notice.withdrawn_at is not None:
        raise Conflict(_("This notice has already been withdrawn."))
    notice.withdrawn_at, notice.withdrawn_by = timezone.now(), actor
    notice.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(actor=actor, event=NOTICE_WITHDRAWN, obj=notice, before={"withdrawn_at": None},
                 after={"withdrawn_at": notice.withdrawn_at})
    return notice
