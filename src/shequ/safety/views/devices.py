"""Pages of the device registry: the list with its filters, a device's page, registering and editing, taking out
of service, the device's secret (shown once), the import and the export. Thin: parse, call one action or query.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core import actions as core_actions
from shequ.core.errors import DomainError, NotFound
from shequ.core.excel import personal_data_xlsx, xlsx_response
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can
from shequ.safety import importing
from shequ.safety.actions import devices as actions
from shequ.safety.models import Device
from shequ.safety.queries import devices as queries
from shequ.safety.views.device_forms import DeviceFilterForm, DeviceForm, DeviceImportForm, ReasonForm

IMPORT_TASK = "safety.import_devices"
PAGE_SIZE = 30


def _require(request: AuthedRequest, action: str = "view") -> None:
    if request.user.is_resident or not can(request.user, Device, action):
        raise NotFound()


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _filtered(request: AuthedRequest, action: str = "view") -> tuple[DeviceFilterForm, Any]:
    form = DeviceFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    found = queries.devices(request.user, kind=data.get("kind", ""), availability=data.get("availability", ""),
                            compound=data.get("compound"), q=data.get("q", ""),
                            status=data.get("status") or queries.IN_SERVICE, action=action)
    return form, found


@login_required
def device_list(request: AuthedRequest) -> HttpResponse:
    """Every device of the user's area, filtered by kind, availability, compound and status, searched by ID."""
    _require(request)
    form, found = _filtered(request)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "safety/device_list.html", {"form": form, "page": page})


@login_required
def device_export(request: AuthedRequest) -> HttpResponse:
    """The filtered list as a workbook in the import's columns; audited like every export of a list."""
    _require(request, "export")
    form, found = _filtered(request, action="export")
    filters = {key: value for key, value in (form.cleaned_data if form.is_valid() else {}).items() if value}
    return personal_data_xlsx(actor=request.user, what="safety.device", filename="devices.xlsx", title=_("Devices"),
                              headers=importing.export_headers(), rows=importing.export_rows(found.iterator(2000)),
                              filters=filters)


def _device(request: AuthedRequest, pk: int, action: str = "view") -> Device:
    found = queries.device_detail(request.user, pk, action)
    if found is None:
        raise NotFound()
    return found


@login_required
def device_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    device = _device(request, pk)
    return render(request, "safety/device_detail.html", {
        "device": device, "events": queries.recent_events(request.user, device),
        "can_change": queries.device_detail(request.user, pk, "change") is not None,
        "reason_form": ReasonForm(),
    })


def _place_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The form's fields for the action; a compound decides the neighborhood, so a stale choice of neighborhood
    left in the form never contradicts it."""
    fields = dict(data)
    fields["heartbeat_seconds"] = fields.get("heartbeat_seconds") or None
    if fields.get("compound") is not None:
        fields["neighborhood"] = None
    return fields


@login_required
def device_create(request: AuthedRequest) -> HttpResponse:
    _require(request, "add")
    form = DeviceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            device = actions.register_device(actor=request.user, **_place_fields(form.cleaned_data))
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(name)s is registered; issue its secret to let it connect.")
                             % {"name": device.name})
            return redirect("safety:device_detail", pk=device.pk)
    return render(request, "safety/device_form.html", {"form": form, "heading": _("Register a device")})


@login_required
def device_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request, "change")
    device = _device(request, pk, "change")
    initial = {"kind": device.kind, "code": device.code, "name": device.name, "neighborhood": device.neighborhood,
               "compound": device.compound, "building": device.building.number if device.building else "",
               "room": device.dwelling.room if device.dwelling else "", "entrance": device.entrance,
               "location": device.location, "manufacturer": device.manufacturer, "model": device.model,
               "firmware_version": device.firmware_version, "serial_number": device.serial_number,
               "hardware_id": device.hardware_id, "heartbeat_seconds": device.heartbeat_seconds,
               "accepts_pin": device.accepts_pin, "accepts_qr": device.accepts_qr,
               "installed_on": device.installed_on}
    form = DeviceForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = _place_fields(form.cleaned_data)
        fields.pop("code", None)
        if fields["heartbeat_seconds"] is None:
            fields.pop("heartbeat_seconds")
        try:
            actions.update_device(actor=request.user, device=device, **fields)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("safety:device_detail", pk=device.pk)
    return render(request, "safety/device_form.html", {"form": form, "device": device,
                                                       "heading": _("Edit device")})


@login_required
@require_POST
def device_decommission(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request, "change")
    device = _device(request, pk, "change")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the device is taken out of service."))
        return redirect("safety:device_detail", pk=pk)
    try:
        actions.decommission_device(actor=request.user, device=device, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(name)s is out of service; its secret no longer works.") % {"name": device.name})
    return redirect("safety:device_detail", pk=pk)


@login_required
@require_POST
def device_reinstate(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request, "change")
    device = _device(request, pk, "change")
    try:
        actions.reinstate_device(actor=request.user, device=device, reason=str(request.POST.get("reason", ""))[:300])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(name)s is back in service; issue it a new secret.") % {"name": device.name})
    return redirect("safety:device_detail", pk=pk)


@login_required
def device_secret(request: AuthedRequest, pk: int) -> HttpResponse:
    """The device's secret: issue (shown on this answer only, never stored in the clear) or revoke."""
    _require(request, "change")
    device = _device(request, pk, "change")
    secret = ""
    if request.method == "POST":
        try:
            if request.POST.get("do") == "revoke":
                actions.revoke_secret(actor=request.user, device=device,
                                      reason=str(request.POST.get("reason", ""))[:300])
                messages.success(request, _("The secret of %(name)s no longer works.") % {"name": device.name})
                return redirect("safety:device_secret", pk=pk)
            device, secret = actions.issue_secret(actor=request.user, device=device)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("safety:device_secret", pk=pk)
    response = render(request, "safety/device_secret.html", {"device": device, "secret": secret,
                                                             "reason_form": ReasonForm()})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def device_import(request: AuthedRequest) -> HttpResponse:
    """Upload a spreadsheet of devices; it is imported in the background, every row or none, and the task page
    then says how many came in or lists the rows in error."""
    _require(request, "import")
    _require(request, "add")
    form = DeviceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            form.add_error("file", _("The file is larger than %(mb)d MB; split it into smaller files.")
                           % {"mb": importing.MAX_BYTES // (1024 * 1024)})
        else:
            task = core_actions.start_task(actor=request.user, kind=IMPORT_TASK, payload=upload.read(),
                                           params={"filename": Path(upload.name or "devices.xlsx").name[:200]})
            return redirect("core:task", pk=task.pk)
    return render(request, "safety/device_import.html", {"form": form, "columns": importing.TEMPLATE_HEADERS})


@login_required
def device_import_template(request: AuthedRequest) -> HttpResponse:
    _require(request, "import")
    return xlsx_response("devices-template.xlsx", title=_("Devices"), headers=importing.TEMPLATE_HEADERS, rows=[])
