"""Background work of the registry, run by ``shequ worker`` (see shequ.core.tasks)."""

from __future__ import annotations

from typing import Any

from shequ.core.actions import TaskProgress, task_payload
from shequ.core.models import Task
from shequ.population import actions, importing


def expire_permits() -> int:
    return actions.expire_permits()


def remind_expiring_permits() -> int:
    return actions.remind_expiring_permits()


def recount_population() -> int:
    return actions.count_population_if_stale() or 0


def run_import(task: Task, progress: TaskProgress) -> dict[str, Any]:
    """The task behind the import page: the uploaded spreadsheet, imported as the clerk who uploaded it."""
    result = importing.import_people(
        actor=task.created_by, file=task_payload(task), filename=task.params.get("filename", ""),
        dry_run=bool(task.params.get("dry_run")), progress=progress,
    )
    return result.as_report()
