"""Staff pages (health record, worklist, follow-ups, contracts) and the resident's own health diary.

Thin: parse, call one action or query, render. Scope and the audit of reads live in ``queries``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible
from shequ.health import actions, queries
from shequ.health.choices import AlertKind, FollowUpStatus, out_of_range
from shequ.health.forms import (
    ConditionForm,
    ContractForm,
    DiaryForm,
    EncounterForm,
    FollowUpForm,
    HandleAlertForm,
    RecordForm,
    TerminateForm,
    WorkerForm,
)
from shequ.health.models import (
    Alert,
    FamilyDoctorContract,
    FollowUp,
    HealthRecord,
    HealthRecordVersion,
    HealthWorker,
)


def _attach_error(form: forms.Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _staff(request: AuthedRequest, model: type = HealthRecord, action: str = "view") -> None:
    """Staff pages are for health workers; everyone else gets the same 404 as a missing page."""
    if request.user.role != Role.HEALTH or not can(request.user, model, action):
        raise NotFound()


def _person(request: AuthedRequest, pk: int) -> Any:
    found = queries.health_people(request.user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


@login_required
def worklist(request: AuthedRequest) -> HttpResponse:
    """A family doctor's day: overdue and due follow-ups of her patients, and open alerts."""
    if request.user.role == Role.RESIDENT:
        return redirect("health:my_health")
    _staff(request, FollowUp)
    days = request.GET.get("days", "")
    due_days = int(days) if days.isdigit() and 1 <= int(days) <= 90 else queries.DUE_SOON_DAYS
    return render(request, "health/worklist.html", {
        "work": queries.worklist(request.user, show=request.GET.get("show", ""), due_days=due_days),
        "centre": queries.is_centre_staff(request.user),
        "handle_form": HandleAlertForm(),
    })


@login_required
def people(request: AuthedRequest) -> HttpResponse:
    _staff(request)
    text = request.GET.get("q", "").strip()
    found = queries.health_people(request.user).select_related("neighborhood").order_by("name", "id")
    if text:
        found = found.filter(name__startswith=text)
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    return render(request, "health/people.html", {"page": page, "q": text,
                                                  "centre": queries.is_centre_staff(request.user)})


@login_required
def person(request: AuthedRequest, pk: int) -> HttpResponse:
    if request.user.role not in (Role.HEALTH, Role.RESIDENT):
        raise NotFound()
    summary = queries.person_health(request.user, pk)
    current = summary["versions"][0] if summary["versions"] else None
    fields = [HealthRecordVersion._meta.get_field(name) for name in HealthRecordVersion.CONTENT_FIELDS]
    return render(request, "health/person.html", {
        **summary, "today": timezone.localdate(),
        "can_change": request.user.role == Role.HEALTH,
        "current_fields": [(getattr(field, "verbose_name", field.name), getattr(current, field.name))
                           for field in fields] if current else [],
    })


def _step(request: AuthedRequest, pk: int, form: forms.Form, title: str, run: Any) -> HttpResponse:
    """A form about one person that calls one action, then goes back to her health page."""
    subject = _person(request, pk)
    if request.method == "POST" and form.is_valid():
        try:
            run(subject, form.cleaned_data)
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("health:person", pk=subject.pk)
    return render(request, "health/form.html", {"form": form, "person": subject, "title": title})


@login_required
def record_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request, HealthRecord, "change")
    record = queries.records(request.user).filter(person_id=pk).first()
    current = record.current if record else None
    initial = {name: getattr(current, name) for name in HealthRecordVersion.CONTENT_FIELDS} if current else {}

    def run(subject: Any, data: dict[str, Any]) -> None:
        content = {name: data[name] for name in HealthRecordVersion.CONTENT_FIELDS}
        if record is None:
            actions.open_health_record(actor=request.user, person=subject, **content)
        else:
            actions.amend_health_record(actor=request.user, record=record, reason=data["reason"], **content)

    title = _("Amend the health record") if record else _("Open a health record")
    return _step(request, pk, RecordForm(request.POST or None, initial=initial), title, run)


@login_required
def condition_create(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request, HealthRecord, "add")
    return _step(request, pk, ConditionForm(request.POST or None), _("Register a chronic condition"),
                 lambda subject, d: actions.register_condition(
                     actor=request.user, person=subject, code=d["code"], diagnosed_on=d["diagnosed_on"],
                     registered_on=d["registered_on"], note=d["note"]))


@login_required
def encounter_create(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request, HealthRecord, "add")
    return _step(request, pk, EncounterForm(request.POST or None), _("Record a visit"),
                 lambda subject, d: actions.record_encounter(
                     actor=request.user, person=subject, occurred_on=d["occurred_on"], facility=d["facility"],
                     reason=d["reason"], diagnosis=d["diagnosis"], diagnosis_code=d["diagnosis_code"]))


@login_required
def contract_create(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request, FamilyDoctorContract, "add")
    form = ContractForm(request.POST or None, user=request.user)
    return _step(request, pk, form, _("Sign a family-doctor contract"),
                 lambda subject, d: actions.sign_contract(
                     actor=request.user, person=subject, doctor=d["doctor"], team=d["team"],
                     started_on=d["started_on"], ends_on=d["ends_on"]))


@login_required
def contract_list(request: AuthedRequest) -> HttpResponse:
    _staff(request, FamilyDoctorContract)
    found = queries.contracts(request.user).order_by("ends_on", "id")
    if request.GET.get("current", "1") == "1":
        found = found.filter(ends_on__gt=timezone.localdate(), terminated_on__isnull=True)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(request, "health/contract_list.html", {"page": page, "today": timezone.localdate(),
                                                         "terminate_form": TerminateForm()})


@login_required
@require_POST
def contract_terminate(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request, FamilyDoctorContract, "change")
    contract = get_visible(queries.contracts(request.user), request.user, "change", pk=pk)
    form = TerminateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the contract ends."))
    else:
        try:
            actions.terminate_contract(actor=request.user, contract=contract, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The contract is terminated."))
    return redirect("health:contract_list")


@login_required
def follow_up_record(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request, FollowUp, "change")
    follow_up = get_visible(queries.follow_ups(request.user), request.user, "change", pk=pk)
    if follow_up.status != FollowUpStatus.SCHEDULED:
        raise NotFound()
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            following = actions.record_follow_up(actor=request.user, follow_up=follow_up, **form.cleaned_data)
        except DomainError as error:
            _attach_error(form, error)
        else:
            if following is not None:
                messages.success(request, _("Saved. The next follow-up is due on %(day)s.")
                                 % {"day": following.due_on.isoformat()})
            else:
                messages.success(request, _("Saved."))
            return redirect("health:person", pk=follow_up.person_id)
    queries.audit_read(request.user, [follow_up.person_id], "follow_up")
    title = _("Follow-up of %(condition)s, due %(day)s") % {
        "condition": follow_up.condition.get_code_display(), "day": follow_up.due_on.isoformat()}
    return render(request, "health/form.html", {"form": form, "person": follow_up.person, "title": title})


@login_required
@require_POST
def alert_handle(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request, Alert, "change")
    alert = get_visible(queries.alerts(request.user), request.user, "change", pk=pk)
    form = HandleAlertForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done."))
    else:
        try:
            actions.handle_alert(actor=request.user, alert=alert, note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The alert is handled."))
    return redirect("health:worklist")


def chart_data(entries: list[Any]) -> dict[str, Any]:
    """Series for the diary charts, oldest first; a missing reading is a gap (null), not a zero."""
    ordered = sorted(entries, key=lambda entry: entry.measured_at)

    def series(name: str) -> list[float | None]:
        return [float(value) if (value := getattr(entry, name)) is not None else None for entry in ordered]

    return {
        "labels": [timezone.localtime(entry.measured_at).strftime("%m-%d %H:%M") for entry in ordered],
        "systolic": series("systolic"), "diastolic": series("diastolic"),
        "glucose": series("glucose"), "weight": series("weight"),
    }


@login_required
def my_health(request: AuthedRequest) -> HttpResponse:
    """居民自助式健康管理: the resident writes her readings down and sees them over time, on her phone."""
    if request.user.role != Role.RESIDENT:
        raise NotFound()
    me = queries.health_people(request.user).first()
    if me is None:
        raise NotFound()
    form = DiaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = actions.record_diary_entry(actor=request.user, person=me, **form.cleaned_data)
        except DomainError as error:
            _attach_error(form, error)
        else:
            if entry.alerts.exists():
                # The page says which reading and who was told (her doctor, or the centre when she has none),
                # read back from the record: a flash message travels in a cookie, no place for a health value.
                return redirect(f"{reverse('health:my_health')}?reading={entry.pk}")
            messages.success(request, _("Saved in your health diary."))
            return redirect("health:my_health")
    since = timezone.now() - dt.timedelta(days=90)
    entries = list(queries.diary(request.user).filter(person=me, measured_at__gte=since).order_by("-measured_at"))
    contract = queries.contracts(request.user).filter(person=me, ends_on__gt=timezone.localdate(),
                                                      terminated_on__isnull=True).first()
    queries.audit_read(request.user, [me], "own_diary")
    return render(request, "health/my_health.html", {
        "form": form, "person": me, "entries": entries[:20], "chart": chart_data(entries),
        "next_follow_up": queries.next_follow_up(request.user, me), "contract": contract,
        "reading_alert": _reading_alert(request.user, me, request.GET.get("reading", ""), contract),
    })


def _reading_alert(user: Any, me: Any, reading: str, contract: FamilyDoctorContract | None) -> list[str]:
    """What she is told, in plain words, about a reading of hers beyond the referral thresholds: the reading,
    that it is very high or low, and who has been told (her family doctor, or the health centre without one)."""
    if not reading.isdigit():
        return []
    entry = queries.diary(user).filter(person=me, pk=int(reading)).first()
    if entry is None:
        return []
    systolic = int(entry.systolic) if entry.systolic is not None else None
    diastolic = int(entry.diastolic) if entry.diastolic is not None else None
    kinds = out_of_range(systolic=systolic, diastolic=diastolic, glucose=entry.glucose)
    if not kinds:
        return []
    pressure = f"{systolic or '–'}/{diastolic or '–'}"
    said: dict[str, str] = {
        AlertKind.BP_HIGH: _("Your blood pressure, %(value)s, is very high.") % {"value": pressure},
        AlertKind.BP_LOW: _("Your blood pressure, %(value)s, is very low.") % {"value": pressure},
        AlertKind.GLUCOSE_HIGH: _("Your blood glucose, %(value)s mmol/L, is very high.") % {"value": entry.glucose},
        AlertKind.GLUCOSE_LOW: _("Your blood glucose, %(value)s mmol/L, is very low.") % {"value": entry.glucose},
    }
    lines = [said[kind] for kind in kinds]
    if contract is not None:
        lines.append(_("We have told your family doctor, %(doctor)s.") % {"doctor": contract.doctor})
    else:
        lines.append(_("We have told the community health centre."))
    lines.append(_("If you feel unwell, call 120 now."))
    return lines


@login_required
def workers(request: AuthedRequest) -> HttpResponse:
    """The administrator says who is a family doctor and who is centre staff (this sets what each sees)."""
    if not can(request.user, HealthWorker, "change"):
        raise NotFound()
    form = WorkerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.assign_health_worker(actor=request.user, user=data["user"], kind=data["kind"], team=data["team"])
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("health:workers")
    return render(request, "health/workers.html", {"form": form, "rows": queries.health_workers(request.user)})
