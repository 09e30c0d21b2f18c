"""Pages of incidents: the list (open, waiting, being handled, closed; by severity) and one incident with its
alarms, timeline and plan tasks, and the buttons to acknowledge, note, close, reopen and run a plan. Thin views:
the writes are in :mod:`shequ.safety.actions.incidents` and :mod:`shequ.safety.actions.plans`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.registry import Period
from shequ.core.scopes import can, get_visible
from shequ.safety.actions import incidents as actions
from shequ.safety.actions import plans as plan_actions
from shequ.safety.choices import IncidentStatus, Severity
from shequ.safety.models import EmergencyPlan, Incident, PlanTask
from shequ.safety.queries import incidents as queries
from shequ.safety.queries import plans as plan_queries

STATUS_LABELS = (
    ("open", pgettext_lazy("incident filter", "Open")),
    ("waiting", pgettext_lazy("incident filter", "Not acknowledged")),
    ("acknowledged", pgettext_lazy("incident filter", "Being handled")),
    ("closed", pgettext_lazy("incident filter", "Closed")),
    ("all", pgettext_lazy("incident filter", "All")),
)


class IncidentFilterForm(forms.Form):
    severity = forms.TypedChoiceField(label=gettext_lazy("Severity"), required=False, coerce=int, empty_value=None,
                                      choices=[("", pgettext_lazy("severity filter", "Any")), *Severity.choices])


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=actions.MAX_NOTE, widget=forms.Textarea(
        attrs={"rows": 2}))


class CloseForm(forms.Form):
    outcome = forms.CharField(label=gettext_lazy("Outcome"), max_length=actions.MAX_NOTE,
                              help_text=gettext_lazy("What it was and what was done (a false alarm too)."),
                              widget=forms.Textarea(attrs={"rows": 3}))


class RunPlanForm(forms.Form):
    plan = forms.ModelChoiceField(label=gettext_lazy("Emergency plan"), queryset=EmergencyPlan.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plan_queries.plans(user, active_only=True)  # type: ignore[attr-defined]


def _staff_viewer(request: AuthedRequest) -> None:
    if request.user.is_resident or not can(request.user, Incident, "view"):
        raise NotFound()


@login_required
def incident_list(request: AuthedRequest) -> HttpResponse:
    """Incidents of the user's area, the ones still open first by default; ``?start=&end=`` keeps those opened
    in a period (the dashboard's drill-down), ``?closed_start=&closed_end=`` those closed in one."""
    _staff_viewer(request)
    status = request.GET.get("status") or "open"
    if status not in queries.STATUS_FILTERS:
        status = "open"
    form = IncidentFilterForm(request.GET or None)
    severity = form.cleaned_data["severity"] if form.is_valid() else None
    period = Period.from_query(request.GET)
    closed = Period.from_query({"start": request.GET.get("closed_start"), "end": request.GET.get("closed_end")})
    if period is not None or closed is not None:
        status = request.GET.get("status") or "all"
    found = queries.incidents(request.user, status=status, severity=severity, period=period, closed_in=closed)
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    return render(request, "safety/incident_list.html", {
        "page": page, "form": form, "status": status, "statuses": STATUS_LABELS, "period": period,
        "closed_period": closed})


@login_required
def incident_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff_viewer(request)
    incident = queries.incident(request.user, pk)
    may_handle = queries.may_handle(request.user, incident)
    tasks = list(incident.tasks.all())
    return render(request, "safety/incident_detail.html", {
        "incident": incident, "alarms": incident.alarms.all(), "steps": incident.steps.all(), "tasks": tasks,
        "may_handle": may_handle, "may_tick": can(request.user, PlanTask, "change"),
        "note_form": NoteForm(), "close_form": CloseForm(), "reopen_form": NoteForm(prefix="reopen"),
        "plan_form": RunPlanForm(user=request.user) if may_handle and not tasks and incident.is_open else None,
        "open_statuses": (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED)})


def _act(request: AuthedRequest, pk: int, done: str, call: Callable[[], Any]) -> HttpResponse:
    try:
        call()
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)
    return redirect("safety:incident_detail", pk=pk)


@login_required
@require_POST
def incident_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    note = request.POST.get("note", "")
    return _act(request, pk, _("Acknowledged: you are handling this incident."),
                lambda: actions.acknowledge_incident(actor=request.user, incident=pk, note=note))


@login_required
@require_POST
def incident_note(request: AuthedRequest, pk: int) -> HttpResponse:
    note = request.POST.get("note", "")
    return _act(request, pk, _("Note added."), lambda: actions.add_note(actor=request.user, incident=pk, note=note))


@login_required
@require_POST
def incident_close(request: AuthedRequest, pk: int) -> HttpResponse:
    outcome = request.POST.get("outcome", "")
    return _act(request, pk, _("Incident closed."),
                lambda: actions.close_incident(actor=request.user, incident=pk, outcome=outcome))


@login_required
@require_POST
def incident_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    note = request.POST.get("reopen-note", "") or request.POST.get("note", "")
    return _act(request, pk, _("Incident reopened."),
                lambda: actions.reopen_incident(actor=request.user, incident=pk, note=note))


@login_required
@require_POST
def incident_run_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    form = RunPlanForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a plan in force."))
        return redirect("safety:incident_detail", pk=pk)
    return _act(request, pk, _("The plan is running: its steps are listed below."),
                lambda: plan_actions.run_plan(actor=request.user, incident=pk, plan=form.cleaned_data["plan"]))


@login_required
@require_POST
def task_done(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_visible(PlanTask.objects.all(), request.user, "change", pk=pk)
    note = request.POST.get("note", "")
    return _act(request, task.incident_id, _("Step done."),
                lambda: plan_actions.complete_task(actor=request.user, task=task, note=note))
