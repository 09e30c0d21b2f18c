"""Monthly reports of the leadership dashboard, kept with their files so a report reads the same years later."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.models import Subdistrict, Task
from shequ.core.scopes import ScopePaths


class MonthlyReport(models.Model):
    """One month's figures of a sub-district as Excel and (where WeasyPrint can run) PDF, made in the background
    with the figures the requesting administrator may see."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # its first day
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    xlsx = models.BinaryField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    # Why there is no PDF (WeasyPrint or its system libraries missing), said to the reader of the report list.
    pdf_problem = models.TextField(blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict")

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__day=1), name="monthly_report_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
