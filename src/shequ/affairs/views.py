"""Pages of the service centre: staff queue, intake, detail with the workflow, watch list, emergency board,
catalogue administration; and the resident's own requests on her phone. Thin: parse, call, render."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from shequ.affairs import actions, assessment, importing, queries
from shequ.affairs.choices import Channel, Status
from shequ.affairs.forms import (
    DepartmentForm,
    DispatchForm,
    HolidayForm,
    ImportForm,
    MemberForm,
    MergeForm,
    NoteForm,
    PeriodForm,
    PortalRequestForm,
    QueueFilterForm,
    RatingForm,
    ServiceForm,
    ServiceRequestForm,
)
from shequ.affairs.models import Department, DepartmentMember, EmergencyDispatch, Holiday, Service, ServiceRequest
from shequ.core import actions as core_actions
from shequ.core.errors import DomainError, NotFound
from shequ.core.excel import xlsx_response
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.core.text import normalize_name


def _attach_error(form: forms.Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _require(request: AuthedRequest, model: type, action: str, *, staff: bool = True) -> None:
    if not can(request.user, model, action) or (staff and request.user.is_resident):
        raise NotFound()


def workflow_buttons(user: Any, request: ServiceRequest) -> list[str]:
    """The workflow steps this user may take on this request now (the actions check again)."""
    coordinator = actions.is_coordinator(user)
    handler = coordinator or actions.is_member(user, request.department_id)
    own = actions.is_own_request(user, request)
    status = request.status
    buttons = []
    if coordinator and status in (Status.ACCEPTED, Status.RETURNED):
        buttons.append("dispatch")
    if handler and status in (Status.DISPATCHED, Status.IN_PROGRESS):
        buttons.append("transfer")
    if handler and status == Status.DISPATCHED:
        buttons.append("start")
    if handler and status in (Status.DISPATCHED, Status.IN_PROGRESS):
        buttons.append("resolve")
    if handler and status in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS):
        buttons.append("return")
    if (own or coordinator) and status == Status.RESOLVED:
        buttons.append("confirm")
    if coordinator and status in (Status.RESOLVED, Status.CONFIRMED):
        buttons.append("close")
    if (own and status in (Status.RESOLVED, Status.CONFIRMED)) or (
            coordinator and status in (Status.RESOLVED, Status.CONFIRMED, Status.CLOSED)):
        buttons.append("reopen")
    if coordinator and request.is_open:
        buttons.append("merge")
    return buttons


# Staff ------------------------------------------------------------------------------------------------------


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    _require(request, ServiceRequest, "view")
    form = QueueFilterForm(request.GET or None, user=request.user)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    found = queries.queue(request.user, status=data.get("status", ""), q=data.get("q", ""),
                          department_id=data["department"].pk if data.get("department") else None,
                          state=data.get("state", ""), due=data.get("due", ""))
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    return render(request, "affairs/queue.html", {"form": form, "page": page, "now": timezone.now(),
                                                  "title": _("Open requests"),
                                                  "filtered": any(data.get(name) for name in form.fields)})


@login_required
def watch_list(request: AuthedRequest) -> HttpResponse:
    _require(request, ServiceRequest, "view")
    page = Paginator(queries.watch_list(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "affairs/queue.html", {"page": page, "now": timezone.now(),
                                                  "title": _("Overdue watch list")})


ADDRESS_FIELDS = ("compound", "building", "room")


@login_required
def request_create(request: AuthedRequest) -> HttpResponse:
    """Hotline or counter intake. "Check" (核对) finds the caller in the registry and fills in the service the
    text suggests, its department and the address, marked as suggestions; "Accept" takes the request."""
    _require(request, ServiceRequest, "add")
    form = ServiceRequestForm(request.POST or None, user=request.user, initial={"channel": Channel.HOTLINE})
    found = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = queries.intake_check(request.user, caller_phone=data["caller_phone"],
                                     description=data["description"], address=data["address"],
                                     service=data["service"], department=data["department"],
                                     compound=data["compound"])
        suggestions = found.suggestions
        service = data["service"] or (suggestions[0].service if suggestions and "save" in request.POST else None)
        if "save" in request.POST and service is not None:
            try:
                created = actions.create_request(
                    actor=request.user, channel=data["channel"], service=service, description=data["description"],
                    caller_phone=data["caller_phone"], caller_name=normalize_name(data["caller_name"]),
                    dwelling=data["dwelling"], compound=data["compound"], address=data["address"],
                    department=data["department"], suggested_service=suggestions[0].service if suggestions else None,
                )
            except DomainError as error:
                _attach_error(form, error)
            else:
                messages.success(request, _("Request %(number)s accepted.") % {"number": created.number})
                return redirect("affairs:request_detail", pk=created.pk)
        elif "save" in request.POST:
            form.add_error("service", _("Choose a service."))
        else:
            # Fill in only what the operator left empty: what she typed or chose stands.
            # The address is one whole (compound, building, room): filled in only when none of it was given.
            filled = request.POST.copy()
            values = found.form_values()
            if any(filled.get(name) for name in ADDRESS_FIELDS):
                values = {name: value for name, value in values.items() if name not in ADDRESS_FIELDS}
            suggested = [name for name in values if not filled.get(name)]
            for name in suggested:
                filled[name] = values[name]
            form = ServiceRequestForm(filled, user=request.user, suggested=suggested)
    return render(request, "affairs/request_form.html", {
        "form": form, "found": found, "caller": found.caller if found else None,
        "suggestions": found.suggestions if found else []})


@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    found = queries.request_detail(request.user, pk)
    context = {
        "req": found, "steps": queries.steps(request.user, found), "buttons": workflow_buttons(request.user, found),
        "dispatch_form": DispatchForm(user=request.user), "note_form": NoteForm(), "rating_form": RatingForm(),
        "merge_form": MergeForm(), "linkages": found.linkages.select_related("department", "acknowledged_by"),
        "now": timezone.now(),
    }
    if request.user.is_resident:
        return render(request, "affairs/my_request.html", context)
    return render(request, "affairs/request_detail.html", context)




@login_required
def request_receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    """回执: the slip handed or sent to the caller, with the number, the promised deadline and the hotline."""
    _require(request, ServiceRequest, "view")
    found = queries.request_detail(request.user, pk)
    return render(request, "affairs/request_receipt.html", {
        "req": found, "hotline": settings.SHEQU_HOTLINE, "printed_at": timezone.now()})


_NOTE_ACTIONS = {
    "start": actions.start, "resolve": actions.resolve, "return": actions.return_for_information,
    "close": actions.close, "reopen": actions.reopen,
}


@login_required
@require_POST
def request_act(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    """One workflow step from the detail page's buttons."""
    found = queries.request_detail(request.user, pk)
    try:
        if step in ("dispatch", "transfer"):
            dispatch_form = DispatchForm(request.POST, user=request.user)
            if not dispatch_form.is_valid():
                raise DomainError(_("Choose a department."))
            data = dispatch_form.cleaned_data
            run = actions.dispatch if step == "dispatch" else actions.transfer
            run(actor=request.user, request=found, department=data["department"], assignee=data["assignee"],
                note=data["note"])
        elif step == "confirm":
            rating = RatingForm(request.POST)
            if not rating.is_valid():
                raise DomainError(_("Choose a rating from 1 to 5."))
            actions.confirm_with_rating(actor=request.user, request=found, satisfaction=rating.cleaned_data[
                "satisfaction"], comment=rating.cleaned_data["comment"])
        elif step == "merge":
            merge = MergeForm(request.POST)
            if not merge.is_valid():
                raise DomainError(_("Give the numbers of the duplicates."))
            numbers = [n for n in re.split(r"[\s,，、]+", merge.cleaned_data["numbers"]) if n]
            duplicates = [queries.by_number(request.user, number) for number in numbers]
            actions.merge_duplicates(actor=request.user, primary=found, duplicates=duplicates,
                                     note=merge.cleaned_data["note"])
        elif step in _NOTE_ACTIONS:
            note = NoteForm(request.POST)
            note.is_valid()
            _NOTE_ACTIONS[step](actor=request.user, request=found, note=note.cleaned_data.get("note", ""))
        else:
            raise NotFound()
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("affairs:request_detail", pk=pk)


@login_required
def emergency_board(request: AuthedRequest) -> HttpResponse:
    """The live board: open emergencies and who has acknowledged; the page refreshes itself."""
    _require(request, EmergencyDispatch, "view")
    waiting = request.GET.get("waiting") == "1"
    linkages = queries.waiting_linkages(request.user) if waiting else queries.emergency_linkages(request.user)
    groups: dict[int, dict[str, Any]] = {}
    for linkage in linkages[:300]:
        group = groups.setdefault(linkage.request_id, {"req": linkage.request, "linkages": []})
        group["linkages"].append(linkage)
    return render(request, "affairs/emergency_board.html", {
        "groups": list(groups.values()), "now": timezone.now(), "waiting": waiting,
        "can_ack": {link.pk for g in groups.values() for link in g["linkages"]
                    if link.acknowledged_at is None and (actions.is_coordinator(request.user)
                                                         or actions.is_member(request.user, link.department_id))},
    })


@login_required
@require_POST
def linkage_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    if pk > queries.MAX_PK:
        raise NotFound()
    linkage = get_visible(EmergencyDispatch.objects.all(), request.user, "change", pk=pk)
    try:
        actions.acknowledge_linkage(actor=request.user, linkage=linkage, note=request.POST.get("note", "")[:500])
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Acknowledged."))
    return redirect("affairs:emergency_board")


@login_required
def assessment_page(request: AuthedRequest) -> HttpResponse:
    """信息化考核: figures per department and per member of staff for a period, with charts and an export."""
    _require(request, ServiceRequest, "export")
    first, following = assessment.month_bounds(timezone.localdate())
    form = PeriodForm(request.GET or None, initial={"start": first, "end": following})
    start, end = first, following
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    result = assessment.assess(request.user, start, end)
    if request.GET.get("format") == "xlsx" and (not form.is_bound or form.is_valid()):
        labels = {"department": _("Department"), "staff": _("Staff"), "total": _("Total"),
                  "unassigned": _("Not yet dispatched")}
        count = "count of requests"
        headers = [_("Kind"), _("Name"), pgettext(count, "Received"), pgettext(count, "Resolved"),
                   _("Resolved on time (%)"), _("Median handling time (hours)"), pgettext(count, "Overdue"),
                   _("Satisfaction"), _("Rated"), _("Reopen rate (%)")]
        return xlsx_response(f"assessment-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", title=_("Assessment"),
                             headers=headers, rows=assessment.export_rows(result, labels=labels))
    charts = {
        "labels": [f.label or _("Not yet dispatched") for f in result.departments],
        "received": [f.received for f in result.departments],
        "on_time": [f.on_time for f in result.departments],
        "overdue": [f.overdue for f in result.departments],
        "satisfaction": [round(f.satisfaction, 2) if f.satisfaction is not None else None
                         for f in result.departments],
    }
    return render(request, "affairs/assessment.html", {"form": form, "result": result, "charts": charts,
                                                       "query": request.GET.urlencode()})


# Catalogue administration -----------------------------------------------------------------------------------


@login_required
def service_list(request: AuthedRequest) -> HttpResponse:
    _require(request, Service, "view")
    return render(request, "affairs/service_list.html", {
        "services": queries.catalogue(request.user.subdistrict_id, include_inactive=True),
        "departments": queries.departments(request.user),
        "can_change": can(request.user, Service, "change"),
    })


@login_required
def service_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    if pk is not None and pk > queries.MAX_PK:
        raise NotFound()
    service = get_visible(Service.objects.all(), request.user, "change", pk=pk) if pk else None
    if service is None:
        _require(request, Service, "add")
    initial: dict[str, Any] = {}
    if service is not None:
        initial = {field: getattr(service, field) for field in actions.SERVICE_FIELDS}
        initial["linked_departments"] = service.linked_departments.all()
    form = ServiceForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        linked = data.pop("linked_departments")
        try:
            saved = actions.save_service(actor=request.user, service=service, linked_departments=linked, **data)
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("affairs:service_list")
    title = _("Edit %(name)s") % {"name": service.name} if service else _("New service")
    return render(request, "affairs/simple_form.html", {"form": form, "title": title})


SERVICE_IMPORT_TASK = "affairs.import_services"


@login_required
def service_import(request: AuthedRequest) -> HttpResponse:
    """Upload a catalogue workbook; it is read and checked (and imported) in the background, and the task page
    shows every wrong row or what was imported."""
    _require(request, Service, "import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.READ_LIMITS.max_bytes:
            form.add_error("file", _("The file is larger than %(mb)d MB; split it into smaller files.")
                           % {"mb": importing.READ_LIMITS.max_bytes // (1024 * 1024)})
        else:
            task = core_actions.start_task(actor=request.user, kind=SERVICE_IMPORT_TASK, payload=upload.read(),
                                           params={"filename": Path(upload.name).name,
                                                   "dry_run": form.cleaned_data["dry_run"]})
            return redirect("core:task", pk=task.pk)
    return render(request, "affairs/service_import.html", {"form": form, "columns": importing.COLUMNS})


@login_required
def department_create(request: AuthedRequest) -> HttpResponse:
    _require(request, Department, "add")
    form = DepartmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_department(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _attach_error(form, error)
        else:
            return redirect("affairs:service_list")
    return render(request, "affairs/simple_form.html", {"form": form, "title": _("New department")})


@login_required
def department_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A department's members; an administrator adds and removes them and names the supervisors."""
    if pk > queries.MAX_PK:
        raise NotFound()
    _require(request, Department, "view")
    department = get_visible(Department.objects.all(), request.user, "view", pk=pk)
    can_change = can(request.user, Department, "change")
    form = MemberForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not can_change:
            raise NotFound()
        try:
            if request.POST.get("remove", "").isdigit():
                member = get_visible(DepartmentMember.objects.filter(department=department), request.user, "change",
                                     pk=int(request.POST["remove"][:18]))
                actions.remove_member(actor=request.user, member=member)
                return redirect("affairs:department_detail", pk=pk)
            if form.is_valid():
                actions.add_member(actor=request.user, department=department, user=form.cleaned_data["user"],
                                   is_supervisor=form.cleaned_data["is_supervisor"])
                return redirect("affairs:department_detail", pk=pk)
        except NotFound:
            raise
        except DomainError as error:
            _attach_error(form, error)
    return render(request, "affairs/department_detail.html", {
        "department": department, "form": form, "can_change": can_change,
        "members": department.members.select_related("user").order_by("-is_supervisor", "user__username"),
        "services": department.services.all()})


@login_required
def holiday_list(request: AuthedRequest) -> HttpResponse:
    _require(request, Holiday, "view")
    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        _require(request, Holiday, "change")
        try:
            if request.POST.get("remove"):
                actions.remove_holiday(actor=request.user, date=forms.DateField().clean(request.POST["remove"]))
                return redirect("affairs:holiday_list")
            if form.is_valid():
                actions.set_holiday(actor=request.user, **form.cleaned_data)
                return redirect("affairs:holiday_list")
        except forms.ValidationError:
            raise NotFound() from None
        except DomainError as error:
            _attach_error(form, error)
    return render(request, "affairs/holiday_list.html", {
        "form": form, "holidays": queries.holidays(), "can_change": can(request.user, Holiday, "change")})


# Resident portal --------------------------------------------------------------------------------------------


@login_required
def my_requests(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_resident:
        return redirect("affairs:queue")
    _require(request, ServiceRequest, "view", staff=False)
    return render(request, "affairs/my_requests.html", {"requests": queries.my_requests(request.user)[:100],
                                                        "now": timezone.now()})


@login_required
def my_request_new(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_resident:
        raise NotFound()
    _require(request, ServiceRequest, "add", staff=False)
    form = PortalRequestForm(request.POST or None, subdistrict_id=request.user.subdistrict_id)
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.create_request(actor=request.user, channel=Channel.PORTAL,
                                             service=form.cleaned_data["service"],
                                             description=form.cleaned_data["description"])
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Your request %(number)s has been accepted.") % {"number": created.number})
            return redirect("affairs:request_detail", pk=created.pk)
    return render(request, "affairs/my_request_form.html", {"form": form})
