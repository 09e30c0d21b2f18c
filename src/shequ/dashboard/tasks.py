"""The monthly report as a background task (registered in :data:`shequ.core.tasks.TASK_KINDS` at start-up)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.actions import TaskProgress
from shequ.core.errors import Invalid
from shequ.core.models import Task
from shequ.core.tasks import TaskKind
from shequ.dashboard import actions, queries, report

logger = logging.getLogger(__name__)

REPORT_KIND = TaskKind(
    name=actions.REPORT_TASK,
    function="shequ.dashboard.tasks.make_monthly_report",
    title=gettext_lazy("Monthly report"),
    result_template="dashboard/_report_result.html",
    stages={"figures": gettext_lazy("Counting the figures"), "excel": gettext_lazy("Writing the Excel file"),
            "pdf": gettext_lazy("Writing the PDF")},
)


def make_monthly_report(task: Task, progress: TaskProgress) -> dict[str, Any]:
    """The month's board, as the administrator who asked for it sees it, written to Excel and PDF."""
    actor = task.created_by
    found = queries.reports(actor).filter(pk=task.params.get("report")).first()
    if found is None:
        raise Invalid(_("The report asked for is no longer there."))
    progress("figures", 0, 3)
    month_end = (found.month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    board = queries.board(actor, month_end)
    progress("excel", 1, 3)
    xlsx = report.xlsx_bytes(board)
    progress("pdf", 2, 3)
    pdf, problem = None, ""
    try:
        pdf = report.pdf_bytes(report.report_html(board, subdistrict=found.subdistrict.name))
    except report.PdfUnavailable:
        logger.warning("monthly report %s made without its PDF", found.pk, exc_info=True)
        problem = _("The PDF could not be made: WeasyPrint or the Pango library it needs is not installed on "
                    "the server. The Excel file has every figure.")
    actions.store_monthly_report(actor=actor, report=found, xlsx=xlsx, pdf=pdf, pdf_problem=problem)
    return {"report": found.pk, "month": f"{found.month:%Y-%m}", "pdf": pdf is not None, "pdf_problem": problem}
