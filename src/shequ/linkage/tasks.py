"""Background work of the linkage app, run by ``shequ worker`` (see shequ.core.tasks)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shequ.core.actions import TaskProgress, task_payload
from shequ.core.errors import Invalid
from shequ.core.models import Task
from shequ.linkage import actions


def run_linkage(task: Task, progress: TaskProgress) -> dict[str, Any]:
    """The task behind the "run linkage" button: a run as the health worker who started it."""
    run = actions.run_linkage(actor=task.created_by, progress=progress)
    return {"run": run.pk, "records": run.records, "linked": run.linked, "review": run.review,
            "unmatched": run.unmatched}


def run_import(task: Task, progress: TaskProgress) -> dict[str, Any]:
    """The task behind the import form: the uploaded batch, imported as the health worker who sent it."""
    filename = task.params.get("filename", "")
    progress("reading", 0, 0)
    try:
        batch = actions.import_batch(actor=task.created_by, kind=task.params.get("kind", ""),
                                     data=task_payload(task), filename=filename)
    except Invalid as error:
        return {"ok": False, "filename": filename, "message": str(error.message),
                "errors": [str(detail) for detail in error.details or []]}
    return {"ok": True, "filename": filename, "rows": batch.rows,
            "summary": _("%(n)d records imported.") % {"n": batch.rows}}
