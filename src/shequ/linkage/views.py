"""Staff pages of 三库合一: import a batch, start a run, the run report, the clerical review queue."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core import actions as core_actions
from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can
from shequ.linkage import actions, queries
from shequ.linkage.forms import BatchForm, DecisionForm, UnmergeForm
from shequ.linkage.models import LinkageRun, SourceRecord

RUN_TASK = "linkage.run"
IMPORT_TASK = "linkage.import_batch"


def _require(request: AuthedRequest, model: type, action: str) -> None:
    if not can(request.user, model, action):
        raise NotFound()


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    _require(request, LinkageRun, "view")
    form = BatchForm()
    if request.method == "POST":
        _require(request, SourceRecord, "import")
        form = BatchForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > actions.READ_LIMITS.max_bytes:
                form.add_error("file", _("The file is larger than %(mb)d MB; split it into smaller files.")
                               % {"mb": actions.READ_LIMITS.max_bytes // (1024 * 1024)})
            else:
                # Read and imported by the task worker: an upload is never parsed inside a web request.
                task = core_actions.start_task(actor=request.user, kind=IMPORT_TASK, payload=upload.read(),
                                               params={"kind": form.cleaned_data["kind"],
                                                       "filename": Path(upload.name).name})
                return redirect("core:task", pk=task.pk)
    return render(request, "linkage/overview.html", {
        "form": form, "batches": queries.batches(request.user)[:10], "runs": queries.runs(request.user)[:10],
        "backlog": queries.review_queue(request.user).count(),
    })


@login_required
@require_POST
def start_run(request: AuthedRequest) -> HttpResponse:
    _require(request, LinkageRun, "add")
    task = core_actions.start_task(actor=request.user, kind=RUN_TASK)
    return redirect("core:task", pk=task.pk)


@login_required
def run_report(request: AuthedRequest, pk: int) -> HttpResponse:
    run = queries.run(request.user, pk)
    peak = max([bar["count"] for bar in run.histogram] or [0]) or 1
    bars = [{**bar, "percent": round(100 * bar["count"] / peak)} for bar in run.histogram]
    return render(request, "linkage/run_report.html", {"run": run, "bars": bars,
                                                        "backlog": queries.review_queue(request.user).count()})


@login_required
def review_queue(request: AuthedRequest) -> HttpResponse:
    _require(request, LinkageRun, "view")
    page = Paginator(queries.review_queue(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "linkage/review_queue.html", {"page": page})


@login_required
def review_pair(request: AuthedRequest, pk: int) -> HttpResponse:
    candidate = queries.candidate(request.user, pk)
    form = DecisionForm()
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                actions.decide(actor=request.user, candidate=candidate, is_match=form.cleaned_data["is_match"],
                               note=form.cleaned_data["note"])
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Decision saved."))
                return redirect("linkage:review_queue")
    return render(request, "linkage/review_pair.html", {"candidate": candidate, "record": candidate.record,
                                                         "person": candidate.person, "form": form})


@login_required
def link_list(request: AuthedRequest) -> HttpResponse:
    _require(request, LinkageRun, "view")
    page = Paginator(queries.links(request.user).order_by("-created_at", "-pk"), 30).get_page(request.GET.get("page"))
    return render(request, "linkage/link_list.html", {"page": page, "form": UnmergeForm()})


@login_required
@require_POST
def unmerge(request: AuthedRequest, pk: int) -> HttpResponse:
    link = queries.link(request.user, pk)
    form = UnmergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the record is not this person."))
        return redirect("linkage:link_list")
    try:
        actions.unmerge(actor=request.user, link=link, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The record is no longer merged into this person."))
    return redirect("linkage:link_list")
