"""Background work of the linkage app, run by ``shequ worker`` (see shequ.core.tasks)."""

from __future__ import annotations

from typing import Any

from shequ.core.actions import TaskProgress
from shequ.core.models import Task
from shequ.linkage import actions


def run_linkage(task: Task, progress: TaskProgress) -> dict[str, Any]:
    """The task behind the "run linkage" button: a run as the health worker who started it."""
    run = actions.run_linkage(actor=task.created_by, progress=progress)
    return {"run": run.pk, "records": run.records, "linked": run.linked, "review": run.review,
            "unmatched": run.unmatched}
