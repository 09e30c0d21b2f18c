"""Public notices of the sub-district (通知公告), shown on the public home until they expire or are withdrawn."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.models import Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.portal.choices import NoticeState


class Notice(models.Model):
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), blank=True)
    publish_at = models.DateTimeField(_("shown from"), db_index=True)
    expires_at = models.DateTimeField(_("shown until"), null=True, blank=True,
                                      help_text=_("Leave empty to show it until it is withdrawn."))
    pinned = models.BooleanField(_("pinned to the top"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-pinned", "-publish_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("publish_at")),
                                   name="notice_expires_after_publish"),
            models.CheckConstraint(condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_by__isnull=False),
                                   name="notice_withdrawn_by_someone"),
        ]

    def __str__(self) -> str:
        return self.title

    def state(self, now: dt.datetime | None = None) -> NoticeState:
        now = now or timezone.now()
        if self.withdrawn_at is not None:
            return NoticeState.WITHDRAWN
        if self.publish_at > now:
            return NoticeState.SCHEDULED
        if self.expires_at is not None and self.expires_at <= now:
            return NoticeState.EXPIRED
        return NoticeState.SHOWN
