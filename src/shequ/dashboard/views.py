"""The leadership dashboard page, its monthly reports and their downloads. Thin: parse, call, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shequ.core.errors import NotFound
from shequ.core.http import AuthedRequest
from shequ.core.registry import Unit
from shequ.dashboard import actions, queries

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def _day(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return timezone.localdate()


def _month(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f"{raw}-01") if raw else None
    except ValueError:
        return None


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    if not queries.may_see_dashboard(request.user):
        raise NotFound()
    day = _day(request.GET.get("day"))
    found = queries.board(request.user, day)
    charts: dict[str, Any] = {
        row.figure.key: {"labels": [month for month, _value in row.trend], "values": row.chart_values,
                         "whole": row.figure.unit == Unit.COUNT}
        for row in found.rows if row.trend}
    return render(request, "dashboard/board.html", {
        "board": found, "charts": charts, "day": day, "today": timezone.localdate(),
        "may_make_reports": queries.may_make_reports(request.user),
    })


@login_required
def report_list(request: AuthedRequest) -> HttpResponse:
    if not queries.may_make_reports(request.user):
        raise NotFound()
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return render(request, "dashboard/reports.html", {
        "reports": queries.reports(request.user).defer("xlsx", "pdf")[:36],
        "default_month": f"{last_month:%Y-%m}",
    })


@login_required
@require_POST
def report_create(request: AuthedRequest) -> HttpResponse:
    month = _month(request.POST.get("month"))
    if month is None:
        return redirect("dashboard:reports")
    report = actions.request_monthly_report(actor=request.user, month=month)
    assert report.task_id is not None
    return redirect("core:task", pk=report.task_id)


@login_required
def report_download(request: AuthedRequest, pk: int, file_format: str) -> HttpResponse:
    if file_format not in FORMATS or not 0 < pk < 2**63:
        raise NotFound()
    report = queries.reports(request.user).filter(pk=pk).first()
    content = getattr(report, file_format, None) if report is not None else None
    if report is None or not content:
        raise NotFound()
    actions.record_report_download(actor=request.user, report=report, file_format=file_format)
    response = HttpResponse(bytes(content), content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="monthly-report-{report.month:%Y-%m}.{file_format}"'
    return response
