"""Background work of the service centre: periodic jobs (shequ.core.tasks.PERIODIC_JOBS) and the catalogue import."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext as _

from shequ.affairs import actions, importing
from shequ.core.actions import TaskProgress, task_payload
from shequ.core.models import Task


def escalate_overdue() -> int:
    return actions.escalate_overdue()


def escalate_unacknowledged() -> int:
    return actions.escalate_unacknowledged()


def run_import(task: Task, progress: TaskProgress) -> dict[str, Any]:
    """The task behind the catalogue import page: the uploaded workbook, checked (and imported) as its sender."""
    dry_run = bool(task.params.get("dry_run"))
    progress("reading", 0, 0)
    result = importing.import_services(actor=task.created_by, data=task_payload(task), dry_run=dry_run)
    return {"ok": result.ok, "dry_run": dry_run, "rows": result.rows, "created": result.created,
            "updated": result.updated, "errors": [asdict(error) for error in result.errors],
            "summary": _("%(created)d services created, %(updated)d updated.")
            % {"created": result.created, "updated": result.updated}}
