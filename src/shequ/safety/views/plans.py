"""Pages of emergency plans (应急预案) and drills: the plans, one plan with its drills, writing a plan, the drills,
and recording one. Thin views over :mod:`shequ.safety.actions.plans`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.affairs.models import Department, Service
from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.models import Compound
from shequ.core.scopes import can
from shequ.safety.actions import plans as actions
from shequ.safety.choices import PlanType
from shequ.safety.models import Drill, EmergencyPlan
from shequ.safety.queries import plans as queries

_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PlanForm(forms.Form):
    plan_type = forms.ChoiceField(label=gettext_lazy("Incident type"), choices=PlanType.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    service = forms.ModelChoiceField(label=gettext_lazy("Emergency service"), required=False,
                                     queryset=Service.objects.none(),
                                     help_text=gettext_lazy("The service-centre request the plan opens; its "
                                                            "linked departments are alerted at once."))
    departments = forms.ModelMultipleChoiceField(label=gettext_lazy("Parties to alert"), required=False,
                                                 queryset=Department.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)
    steps = forms.CharField(label=gettext_lazy("Steps"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
                            help_text=gettext_lazy("The steps in order, one per line."))
    contacts = forms.CharField(label=gettext_lazy("Contacts"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    materials = forms.CharField(label=gettext_lazy("Materials and where they are"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=gettext_lazy("In force"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = queries.emergency_services(user)  # type: ignore[attr-defined]
        self.fields["departments"].queryset = queries.departments(user)  # type: ignore[attr-defined]


class DrillForm(forms.Form):
    plan = forms.ModelChoiceField(label=gettext_lazy("Emergency plan"), queryset=EmergencyPlan.objects.none())
    compound = forms.ModelChoiceField(label=gettext_lazy("Compound"), required=False,
                                      queryset=Compound.objects.none())
    started_at = forms.DateTimeField(label=gettext_lazy("Started at"), widget=_LOCAL)
    ended_at = forms.DateTimeField(label=gettext_lazy("Ended at"), widget=_LOCAL)
    participants = forms.CharField(label=gettext_lazy("Who took part"), widget=forms.Textarea(attrs={"rows": 3}))
    departments = forms.ModelMultipleChoiceField(label=gettext_lazy("Parties that took part"), required=False,
                                                 queryset=Department.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)
    findings = forms.CharField(label=gettext_lazy("Findings and improvements"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from shequ.core.queries import compounds

        self.fields["plan"].queryset = queries.plans(user)  # type: ignore[attr-defined]
        self.fields["compound"].queryset = compounds(user)  # type: ignore[attr-defined]
        self.fields["departments"].queryset = queries.departments(user)  # type: ignore[attr-defined]


def _viewer(request: AuthedRequest, model: type, action: str = "view") -> None:
    if request.user.is_resident or not can(request.user, model, action):
        raise NotFound()


@login_required
def plan_list(request: AuthedRequest) -> HttpResponse:
    _viewer(request, EmergencyPlan)
    active_only = request.GET.get("active") == "1"
    return render(request, "safety/plan_list.html", {
        "plans": queries.plans(request.user, active_only=active_only), "active_only": active_only,
        "may_add": can(request.user, EmergencyPlan, "add")})


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _viewer(request, EmergencyPlan)
    plan = queries.plan(request.user, pk)
    return render(request, "safety/plan_detail.html", {
        "plan": plan, "drills": queries.drills(request.user, plan_id=plan.pk)[:20],
        "may_change": can(request.user, EmergencyPlan, "change"), "may_drill": can(request.user, Drill, "add")})


def _plan_form(request: AuthedRequest, plan: EmergencyPlan | None) -> HttpResponse:
    initial = {}
    if plan is not None:
        initial = {"plan_type": plan.plan_type, "title": plan.title, "service": plan.service_id,
                   "departments": list(plan.departments.all()), "steps": "\n".join(plan.steps),
                   "contacts": plan.contacts, "materials": plan.materials, "active": plan.active}
    form = PlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = actions.save_plan(actor=request.user, plan=plan, plan_type=data["plan_type"], title=data["title"],
                                     service=data["service"], departments=data["departments"], steps=data["steps"],
                                     contacts=data["contacts"], materials=data["materials"], active=data["active"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Plan saved."))
            return redirect("safety:plan_detail", pk=plan.pk)
    return render(request, "safety/plan_form.html", {"form": form, "plan": plan})


@login_required
def plan_create(request: AuthedRequest) -> HttpResponse:
    _viewer(request, EmergencyPlan, "add")
    return _plan_form(request, None)


@login_required
def plan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _viewer(request, EmergencyPlan, "change")
    return _plan_form(request, queries.plan(request.user, pk, "change"))


@login_required
@require_POST
def plan_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = queries.plan(request.user, pk, "change")
    try:
        actions.delete_plan(actor=request.user, plan=plan)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("safety:plan_detail", pk=pk)
    messages.success(request, _("Plan deleted."))
    return redirect("safety:plan_list")


@login_required
def drill_list(request: AuthedRequest) -> HttpResponse:
    _viewer(request, Drill)
    page = Paginator(queries.drills(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "safety/drill_list.html", {"page": page, "may_add": can(request.user, Drill, "add")})


@login_required
def drill_create(request: AuthedRequest) -> HttpResponse:
    _viewer(request, Drill, "add")
    initial: dict[str, Any] = {"plan": request.GET.get("plan")}
    form = DrillForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        compound: Compound | None = data["compound"]
        try:
            actions.save_drill(actor=request.user, plan=data["plan"], started_at=data["started_at"],
                               ended_at=data["ended_at"], participants=data["participants"],
                               departments=data["departments"], findings=data["findings"], compound=compound)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Drill recorded."))
            return redirect("safety:drill_list")
    return render(request, "safety/drill_form.html", {"form": form, "now": timezone.now()})
