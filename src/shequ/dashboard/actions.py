"""Writes of the dashboard: asking for a monthly report, storing it once made, and auditing its downloads."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import actions as core_actions
from shequ.core import audit
from shequ.core.errors import Invalid, NotFound
from shequ.core.models import User
from shequ.dashboard import queries
from shequ.dashboard.models import MonthlyReport

REPORT_TASK = "dashboard.monthly_report"
REPORT_REQUESTED = "dashboard.report_requested"
REPORT_MADE = "dashboard.report_made"
REPORT_DOWNLOADED = "dashboard.report_downloaded"


@transaction.atomic(durable=True)
def request_monthly_report(*, actor: User, month: dt.date) -> MonthlyReport:
    """Queue the report of ``month`` (any day of it) for the worker; the page follows the task."""
    if not queries.may_make_reports(actor):
        raise NotFound()
    first = month.replace(day=1)
    if first > timezone.localdate():
        raise Invalid(_("A report cannot be made for a month that has not begun."), field="month")
    assert actor.subdistrict_id is not None  # may_make_reports: she works at sub-district level
    report = MonthlyReport.objects.create(subdistrict_id=actor.subdistrict_id, month=first, requested_by=actor)
    report.task = core_actions.start_task(actor=actor, kind=REPORT_TASK,
                                          params={"report": report.pk, "month": f"{first:%Y-%m}"})
    report.save(update_fields=["task"])
    audit.record(actor=actor, event=REPORT_REQUESTED, obj=report, after={"month": f"{first:%Y-%m}"})
    return report


@transaction.atomic(durable=True)
def store_monthly_report(*, actor: User, report: MonthlyReport, xlsx: bytes, pdf: bytes | None,
                         pdf_problem: str = "") -> MonthlyReport:
    report = queries.reports(actor).select_related(None).select_for_update().get(pk=report.pk)
    report.xlsx, report.pdf, report.pdf_problem = xlsx, pdf, pdf_problem
    report.finished_at = timezone.now()
    report.save(update_fields=["xlsx", "pdf", "pdf_problem", "finished_at"])
    audit.record(actor=actor, event=REPORT_MADE, obj=report,
                 after={"month": f"{report.month:%Y-%m}", "pdf": pdf is not None})
    return report


@transaction.atomic(durable=True)
def record_report_download(*, actor: User, report: MonthlyReport, file_format: str) -> None:
    """A report holds the sub-district's figures: who downloaded which, and when, is kept."""
    audit.record(actor=actor, event=REPORT_DOWNLOADED, obj=report,
                 after={"month": f"{report.month:%Y-%m}", "format": file_format})
