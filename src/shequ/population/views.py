"""Staff pages of the registry: thin — parse, call one action or query, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from shequ.core import actions as core_actions
from shequ.core import crypto
from shequ.core import queries as core_queries
from shequ.core.errors import DomainError, NotFound
from shequ.core.excel import personal_data_xlsx, xlsx_response
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.population import actions, queries
from shequ.population.forms import (
    DeathForm,
    MoveForm,
    MoveOutForm,
    PermitFilterForm,
    PermitIssueForm,
    PersonEditForm,
    PersonForm,
    PersonSearchForm,
    RevealForm,
)
from shequ.population.models import Person, ResidencePermit


def _attach_error(form: forms.Form, error: DomainError) -> None:
    """Show a domain error next to the field it concerns, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _require(request: AuthedRequest, model: type, action: str) -> None:
    if not can(request.user, model, action):
        raise NotFound()


EXPORT_HEADERS = ["name", "sex", "birth_date", "id_type", "id_number", "phone", "residence_type", "neighborhood",
                  "address", "status", "tags"]


@login_required
def person_list(request: AuthedRequest) -> HttpResponse:
    _require(request, Person, "view")
    form = PersonSearchForm(request.GET or None, user=request.user, initial={"status": "active"})
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {"status": "active"}
    exporting = request.GET.get("format") == "xlsx"
    found = queries.search_people(
        request.user, data.get("q", ""),
        neighborhood_id=data["neighborhood"].pk if data.get("neighborhood") else None,
        residence_type=data.get("residence_type", ""), status=data.get("status", ""),
        tag=data["tag"].code if data.get("tag") else "", action="export" if exporting else "view",
    )
    if exporting:
        # Exports are masked like the screen (a bulk export is not the place to reveal ID numbers) and audited
        # like a reveal: who, which filters, how many rows, why.
        def rows() -> Iterator[tuple[Any, ...]]:
            for p in found.prefetch_related("tags").iterator(chunk_size=2000):
                yield (p.name, p.get_sex_display(), crypto.mask_birth_date(p.birth_date), p.get_id_type_display(),
                       p.id_number_masked, p.phone_masked, p.get_residence_type_display(), p.neighborhood.name,
                       p.dwelling.label if p.dwelling else "", p.get_status_display(),
                       " ".join(t.name for t in p.tags.all()))

        headers = [pgettext("person", "Name"), _("Sex"), _("Year of birth"), _("ID type"), _("ID number"), _("Phone"),
                   _("Residence type"), _("Neighborhood"), _("Address"), _("Status"), _("Tags")]
        return personal_data_xlsx(actor=request.user, what="population.person", filename="residents.xlsx",
                                  title=_("Residents"), headers=headers, rows=rows(), filters=data,
                                  reason=request.GET.get("reason", ""))
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    return render(request, "population/person_list.html", {"form": form, "page": page,
                                                           "searched": bool(data.get("q"))})


@login_required
def person_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    person = queries.person_detail(request.user, pk)
    revealed = request.session.pop(f"revealed-{person.pk}", None)
    return render(request, "population/person_detail.html", {
        "person": person,
        "members": queries.household_members(request.user, person.household),
        "residences": person.residences.select_related("dwelling").all(),
        "events": person.life_events.select_related("dwelling", "from_dwelling").all(),
        "permits": queries.permits(request.user).filter(person=person),
        "can_change": can(request.user, Person, "change") and not request.user.is_resident,
        "can_reveal": can(request.user, Person, "reveal"),
        "revealed": revealed,
        # The display policy (docs/privacy.md): beside a masked ID number, the year of birth only; the full date
        # for the person herself or after an audited reveal.
        "full_birth_date": person.user_id == request.user.pk or (revealed or {}).get("field") == "birth_date",
        "reveal_form": RevealForm(),
    })


@login_required
def person_create(request: AuthedRequest) -> HttpResponse:
    _require(request, Person, "add")
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = actions.register_person(
                actor=request.user, name=data["name"], id_type=data["id_type"], id_number=data["id_number"],
                sex=data["sex"] or None, birth_date=data["birth_date"], phone=data["phone"],
                residence_type=data["residence_type"], dwelling=data["dwelling"], ethnicity=data["ethnicity"],
                hukou_address=data["hukou_address"], new_household=data["new_household"],
                relationship=data["relationship"], tags=data["tags"], started_on=data["started_on"],
                event_kind=data["arrival"],
            )
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("population:person_detail", pk=person.pk)
    return render(request, "population/person_form.html", {"form": form, "title": _("Register a resident")})


@login_required
def person_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible(Person.objects.all(), request.user, "change", pk=pk)
    initial = {"name": person.name, "id_type": person.id_type, "residence_type": person.residence_type,
               "ethnicity": person.ethnicity, "hukou_address": person.hukou_address,
               "relationship": person.relationship, "tags": person.tags.all()}
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        tags, reason = data.pop("tags"), data.pop("reason")
        changes: dict[str, Any] = {k: v for k, v in data.items() if k not in ("id_number", "phone") or v}
        changes = {k: v for k, v in changes.items() if getattr(person, k) != v}
        try:
            actions.update_person(actor=request.user, person=person, reason=reason, **changes)
            actions.set_tags(actor=request.user, person=person, tags=tags, reason=reason)
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("population:person_detail", pk=person.pk)
    return render(request, "population/person_form.html", {"form": form, "person": person,
                                                           "title": _("Edit %(name)s") % {"name": person.name}})


def _person_step(request: AuthedRequest, pk: int, form_class: type[forms.Form], title: str, run: Any) -> HttpResponse:
    """A form on one person that calls one action (move, move out, death)."""
    person = get_visible(Person.objects.all(), request.user, "change", pk=pk)
    form = (MoveForm(request.POST or None, user=request.user) if form_class is MoveForm
            else form_class(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            run(person, form.cleaned_data)
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("population:person_detail", pk=person.pk)
    return render(request, "population/person_form.html", {"form": form, "person": person, "title": title})


@login_required
def person_move(request: AuthedRequest, pk: int) -> HttpResponse:
    return _person_step(request, pk, MoveForm, _("Move within the sub-district"), lambda person, d: actions.move_person(
        actor=request.user, person=person, dwelling=d["dwelling"], moved_on=d["moved_on"],
        new_household=d["new_household"], reason=d["reason"]))


@login_required
def person_move_out(request: AuthedRequest, pk: int) -> HttpResponse:
    return _person_step(request, pk, MoveOutForm, _("Moved out"), lambda person, d: actions.move_out(
        actor=request.user, person=person, moved_on=d["moved_on"], destination=d["destination"], reason=d["reason"]))


@login_required
def person_death(request: AuthedRequest, pk: int) -> HttpResponse:
    return _person_step(request, pk, DeathForm, _("Record a death"), lambda person, d: actions.record_death(
        actor=request.user, person=person, died_on=d["died_on"], reason=d["reason"]))


@login_required
@require_POST
def person_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """Show one sensitive field unmasked, once, after the user says why; the reveal is audited."""
    person = get_visible(Person.objects.all(), request.user, "view", pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you need to see it."))
        return redirect("population:person_detail", pk=pk)
    value = actions.reveal_person_field(actor=request.user, person=person, field=form.cleaned_data["field"],
                                        reason=form.cleaned_data["reason"])
    request.session[f"revealed-{pk}"] = {"field": form.cleaned_data["field"], "value": value}
    return redirect("population:person_detail", pk=pk)


@login_required
@require_POST
def person_create_account(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible(Person.objects.all(), request.user, "change", pk=pk)
    try:
        actions.create_resident_account(actor=request.user, person=person)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Account created: the resident signs in with her phone and a texted code."))
    return redirect("population:person_detail", pk=pk)


@login_required
def permit_list(request: AuthedRequest) -> HttpResponse:
    _require(request, ResidencePermit, "view")
    form = PermitFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    found = queries.permits(request.user, status=data.get("status", ""),
                            expiring_within_days=queries.PERMIT_EXPIRING_DAYS if data.get("expiring") else None,
                            expired=bool(data.get("expired")))
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    return render(request, "population/permit_list.html", {"form": form, "page": page})


@login_required
@require_POST
def permit_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible(Person.objects.all(), request.user, "change", pk=pk)
    try:
        actions.apply_permit(actor=request.user, person=person)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The application is recorded."))
    return redirect("population:person_detail", pk=pk)


@login_required
def permit_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    permit = get_visible(ResidencePermit.objects.select_related("person"), request.user, "change", pk=pk)
    form = PermitIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.issue_permit(actor=request.user, permit=permit, number=form.cleaned_data["number"],
                                 issued_on=form.cleaned_data["issued_on"])
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("The permit is issued."))
            return redirect("population:person_detail", pk=permit.person_id)
    return render(request, "population/person_form.html", {"form": form, "person": permit.person,
                                                           "title": _("Issue a residence permit")})


@login_required
@require_POST
def permit_renew(request: AuthedRequest, pk: int) -> HttpResponse:
    permit = get_visible(ResidencePermit.objects.all(), request.user, "change", pk=pk)
    try:
        actions.renew_permit(actor=request.user, permit=permit)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The renewal application is recorded."))
    return redirect("population:person_detail", pk=permit.person_id)


COUNTS_OVERDUE_AFTER = dt.timedelta(minutes=5)


@login_required
def dynamics(request: AuthedRequest) -> HttpResponse:
    _require(request, Person, "export")
    # The worker recounts within a minute of a change. If it has not (it is not running), count here, so that
    # the page is never more than a few minutes behind; the first view of a new registry counts too.
    actions.count_population_if_stale(unless_counted_within=COUNTS_OVERDUE_AFTER)
    data = queries.population_dynamics(request.user)
    # Plain lists for the charts (dynamics.js reads them through json_script); the tables use `d`.
    kinds = ("move_in", "move_out", "move_within", "birth", "death")
    charts = {
        "neighborhoods": {"labels": [r["name"] for r in data.by_neighborhood],
                          "values": [r["n"] for r in data.by_neighborhood]},
        "residence_types": {"labels": [r["label"] for r in data.by_residence_type],
                            "values": [r["n"] for r in data.by_residence_type]},
        "age_bands": {"labels": [r["band"] for r in data.by_age_band], "values": [r["n"] for r in data.by_age_band]},
        "moves": {"labels": [m["month"] for m in data.moves_by_month],
                  "series": {kind: [m.get(kind, 0) for m in data.moves_by_month] for kind in kinds}},
    }
    return render(request, "population/dynamics.html", {"d": data, "charts": charts})


class ImportForm(forms.Form):
    file = forms.FileField(label=_lazy("Spreadsheet (.xlsx or .csv)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    check_only = forms.BooleanField(label=_lazy("Only check the file, do not import"), required=False)


IMPORT_TASK = "population.import_people"


@login_required
def import_people(request: AuthedRequest) -> HttpResponse:
    """Upload a resident spreadsheet. It is imported in the background (all rows or none); the task page
    follows it and then shows what was imported or lists every wrong row."""
    from shequ.population import importing

    _require(request, Person, "import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            form.add_error("file", _("The file is larger than %(mb)d MB; split it into smaller files.")
                           % {"mb": importing.MAX_BYTES // (1024 * 1024)})
        else:
            task = core_actions.start_task(
                actor=request.user, kind=IMPORT_TASK, payload=upload.read(),
                params={"filename": Path(upload.name).name, "dry_run": form.cleaned_data["check_only"]},
            )
            return redirect("core:task", pk=task.pk)
    return render(request, "population/import.html", {
        "form": form, "columns": importing.TEMPLATE_HEADERS,
        "required": [importing.COLUMNS[name][0] for name in importing.REQUIRED],
        "recent": core_queries.own_tasks(request.user).filter(kind=IMPORT_TASK).order_by("-created_at")[:10],
    })


@login_required
def import_template(request: AuthedRequest) -> HttpResponse:
    """An empty workbook with the import headers (the Chinese headers are the file format, like field names)."""
    from shequ.population import importing

    _require(request, Person, "import")
    return xlsx_response("resident-import-template.xlsx", title=_("Residents"),
                         headers=importing.TEMPLATE_HEADERS, rows=[])
