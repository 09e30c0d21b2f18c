"""Background jobs of the library, run by ``shequ worker`` (see shequ.core.tasks)."""

from __future__ import annotations

from typing import Any

from shequ.core.actions import TaskProgress, task_payload
from shequ.core.models import Task
from shequ.library import actions, importing


def remind_overdue() -> int:
    return actions.remind_overdue()


def expire_uncollected_holds() -> int:
    return actions.expire_uncollected_holds()


def run_import(task: Task, progress: TaskProgress) -> dict[str, Any]:
    """The task behind the catalogue import page: the uploaded workbook, imported as the librarian who sent it."""
    return importing.import_report(actor=task.created_by, data=task_payload(task),
                                   filename=task.params.get("filename", ""), progress=progress)
