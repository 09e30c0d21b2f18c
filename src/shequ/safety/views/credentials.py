"""Door credential pages: a committee worker or the desk grants and ends a resident's credentials; the list per
building; and the resident's own page with her QR code. Thin: forms parse, actions write, queries read."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.population.models import Person
from shequ.population.queries import search_people
from shequ.safety.actions import credentials as actions
from shequ.safety.choices import CredentialKind, CredentialStatus
from shequ.safety.models import DoorCredential
from shequ.safety.queries import credentials as queries


class CredentialFilterForm(forms.Form):
    building = forms.TypedChoiceField(label=gettext_lazy("Building"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("active", gettext_lazy("Active")), ("", gettext_lazy("All"))])
    q = forms.CharField(label=gettext_lazy("Find a resident to grant: name or pinyin"), max_length=50,
                        required=False)


class GrantForm(forms.Form):
    kinds = forms.MultipleChoiceField(label=gettext_lazy("Grant"), choices=CredentialKind.choices,
                                      widget=forms.CheckboxSelectMultiple)
    pin = forms.CharField(label=gettext_lazy("PIN she chose (6 digits; leave empty to make one up)"),
                          max_length=6, min_length=6, required=False,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                        "pattern": "[0-9]{6}"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class PinForm(forms.Form):
    pin = forms.CharField(label=gettext_lazy("New PIN (6 digits)"), max_length=6, min_length=6,
                          widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                            "pattern": "[0-9]{6}"}))


def _require_staff(request: AuthedRequest, action: str = "view") -> None:
    if request.user.is_resident or not can(request.user, DoorCredential, action):
        raise NotFound()


@login_required
def credential_list(request: AuthedRequest) -> HttpResponse:
    """Credentials per building, and a search for a resident to grant credentials to."""
    _require_staff(request)
    form = CredentialFilterForm(request.GET or None)
    buildings = list(queries.buildings_with_credentials(request.user))
    form.fields["building"].choices = [("", _("All buildings"))] + [  # type: ignore[attr-defined]
        (b.pk, f"{b.compound.name} {b.number}") for b in buildings]
    building_id, status, query = None, CredentialStatus.ACTIVE.value, ""
    if form.is_valid():
        building_id = form.cleaned_data["building"]
        status = form.cleaned_data["status"] if "status" in request.GET else CredentialStatus.ACTIVE.value
        query = form.cleaned_data["q"].strip()
    page = Paginator(queries.credential_list(request.user, building_id=building_id, status=status), 50).get_page(
        request.GET.get("page"))
    found = list(search_people(request.user, query)[:20]) if query and can(request.user, Person, "view") else []
    return render(request, "safety/credential_list.html", {
        "form": form, "page": page, "found": found, "query": query,
        "can_grant": can(request.user, DoorCredential, "add")})


@login_required
def credential_person(request: AuthedRequest, pk: int) -> HttpResponse:
    """One resident's credentials, with the form that grants more."""
    _require_staff(request)
    person = get_visible(Person.objects.select_related("dwelling__building__compound"), request.user, "view", pk=pk)
    form = GrantForm(request.POST or None)
    if request.method == "POST":
        _require_staff(request, "add")
        if form.is_valid():
            try:
                shown = actions.grant(actor=request.user, person=person, kinds=form.cleaned_data["kinds"],
                                      pin=form.cleaned_data["pin"] or None)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Granted; the doors are being told."))
                if shown.get("pin"):
                    # Shown once, to hand her on a slip; it is kept only as a hash.
                    messages.info(request, _("Her PIN is %(pin)s. Tell her now: it is not shown again.")
                                  % {"pin": shown["pin"]})
                return redirect("safety:credential_person", pk=person.pk)
    return render(request, "safety/credential_person.html", {
        "person": person, "credentials": queries.person_credentials(request.user, person.pk), "form": form,
        "reason_form": ReasonForm(), "can_grant": can(request.user, DoorCredential, "add"),
        "can_change": can(request.user, DoorCredential, "change")})


def _end(request: AuthedRequest, pk: int, *, blocked: bool) -> HttpResponse:
    _require_staff(request, "change")
    credential = get_visible(DoorCredential.objects.all(), request.user, "change", pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why."))
    else:
        try:
            (actions.block if blocked else actions.revoke)(actor=request.user, credential=credential,
                                                           reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Blocked; the doors are being told.") if blocked
                             else _("Revoked; the doors are being told."))
    return redirect("safety:credential_person", pk=credential.person_id)


@login_required
@require_POST
def credential_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    return _end(request, pk, blocked=False)


@login_required
@require_POST
def credential_block(request: AuthedRequest, pk: int) -> HttpResponse:
    return _end(request, pk, blocked=True)


def _qr_svg(text: str) -> str:
    """The QR code as an inline SVG, drawn on the server (segno): no script and nothing fetched."""
    import segno

    return segno.make(text, error="m").svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=True)


@login_required
def my_doors(request: AuthedRequest) -> HttpResponse:
    """我的门禁: her credentials for her building's doors, her QR code, and her PIN."""
    if not request.user.is_resident:
        raise NotFound()
    mine = list(queries.my_credentials(request.user))
    active_qr = [c for c in mine if c.status == CredentialStatus.ACTIVE and c.kind == CredentialKind.QR]
    return render(request, "safety/my_doors.html", {
        "credentials": mine, "qr": [(c, _qr_svg(c.qr_code)) for c in active_qr if c.qr_code],
        "has_pin": any(c.status == CredentialStatus.ACTIVE and c.kind == CredentialKind.PIN for c in mine),
        "pin_form": PinForm()})


@login_required
@require_POST
def my_qr_renew(request: AuthedRequest) -> HttpResponse:
    try:
        actions.renew_qr(actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("You have a new QR code; the old one no longer opens the door."))
    return redirect("safety:my_doors")


@login_required
@require_POST
def my_pin(request: AuthedRequest) -> HttpResponse:
    form = PinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A PIN is 6 digits."))
        return redirect("safety:my_doors")
    try:
        actions.change_pin(actor=request.user, pin=form.cleaned_data["pin"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your new PIN opens your doors."))
    return redirect("safety:my_doors")
