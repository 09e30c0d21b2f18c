"""The monthly report: made in the background as Excel and PDF (Chinese font embedded), stored, downloads audited."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zlib
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from shequ.core.actions import run_next_task
from shequ.core.choices import TaskStatus
from shequ.core.models import AuditEntry
from shequ.core.registry import Group, registry
from shequ.dashboard import actions
from shequ.dashboard.models import MonthlyReport
from tests.conftest import login

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)


def made(admin: Any) -> MonthlyReport:
    report = actions.request_monthly_report(actor=admin, month=dt.date(2026, 10, 17))
    task = run_next_task()
    assert task is not None and task.status == TaskStatus.SUCCEEDED, task and task.error
    report.refresh_from_db()
    return report


def pdf_text_parts(pdf: bytes) -> bytes:
    """The PDF with its compressed streams opened (WeasyPrint compresses objects and fonts)."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def unicode_mapped(opened: bytes, text: str) -> bool:
    """Every character of ``text`` is in a font's ToUnicode map: the text was set in an embedded font."""
    return all(f"<{ord(ch):04X}>".encode() in opened or f"<{ord(ch):04x}>".encode() in opened for ch in text)


def test_the_report_is_made_in_the_background_with_the_hand_computed_figures(world, admin):
    report = made(admin)
    sheet = load_workbook(io.BytesIO(bytes(report.xlsx))).active
    rows: dict[str, tuple[Any, ...]] = {}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if not row or row[1] is None:
            break  # the month's figures end where the 12-month trends begin
        rows[row[1]] = row
    assert sheet.cell(row=1, column=4).value == "2026-10" and sheet.cell(row=1, column=5).value == "2026-09"

    def month(key: str) -> tuple[Any, Any]:
        row = rows[str(registry.figures[key].label)]
        return row[3], row[4]

    assert month("population.living") == (4, 4)
    assert month("population.move_in") == (1, 1)
    assert month("affairs.received") == (4, 1)
    assert month("affairs.on_time") == (2, 1)
    assert month("affairs.overdue") == (2, 0)
    assert month("affairs.satisfaction") == (3.0, 4.0)
    assert month("dining.meals") == (3, 1)
    assert [Decimal(str(value)) for value in month("dining.subsidy")] == [Decimal("10"), Decimal("4")]
    assert month("library.loans") == (3, 1)
    assert month("volunteers.hours") == (4.5, 0.5)
    assert month("health.follow_ups_due") == (3, 1)
    assert month("health.follow_ups_done") == (2, 1)


def test_the_pdf_is_a_pdf_with_the_chinese_font_embedded(world, admin):
    pytest.importorskip("weasyprint")
    report = made(admin)
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000 and not report.pdf_problem
    opened = pdf_text_parts(pdf)
    assert b"/FontFile2" in opened  # a TrueType subset is embedded, not merely named
    assert unicode_mapped(opened, "江苏路街道")
    assert unicode_mapped(opened, str(Group.REGISTRY.label))


def test_without_weasyprint_the_report_still_has_its_excel_and_says_why_there_is_no_pdf(
        client, world, admin, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # ``import weasyprint`` now raises ImportError
    report = made(admin)
    assert report.pdf is None and report.xlsx and "WeasyPrint" in report.pdf_problem
    login(client, admin)
    assert report.task_id is not None
    task_page = client.get(f"/tasks/{report.task_id}/").content.decode()
    assert "WeasyPrint" in task_page and f"/dashboard/reports/{report.pk}.xlsx" in task_page
    assert client.get(f"/dashboard/reports/{report.pk}.pdf").status_code == 404
    assert "WeasyPrint" in client.get("/dashboard/reports/").content.decode()


def test_a_download_is_audited_and_reports_are_the_administrators_only(client, world, admin, alice_committee):
    report = made(admin)
    login(client, admin)
    response = client.get(f"/dashboard/reports/{report.pk}.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    entry = AuditEntry.objects.filter(event=actions.REPORT_DOWNLOADED).get()
    assert entry.actor_id == admin.pk
    login(client, alice_committee)
    assert client.get(f"/dashboard/reports/{report.pk}.xlsx").status_code == 404
    assert client.post("/dashboard/reports/new/", {"month": "2026-10"}).status_code == 404


def test_the_report_page_starts_the_task_and_sends_her_to_its_progress(client, world, admin):
    login(client, admin)
    response = client.post("/dashboard/reports/new/", {"month": "2026-10"})
    report = MonthlyReport.objects.get()
    assert report.month == OCTOBER and response["Location"] == f"/tasks/{report.task_id}/"
    assert client.get(response["Location"]).status_code == 200
