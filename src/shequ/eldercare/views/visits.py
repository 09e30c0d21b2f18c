"""Pages about visits (关爱探访), phone-first: a volunteer's pairs with the next visit due, checking in at the door
(card, door QR, by hand) and out; the committee worker's overdue visits and the minutes to bank; the printable
door QR code. Thin: parse, call one action or query. A volunteer sees of an elder only her name and address."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can
from shequ.eldercare.actions import visits as actions
from shequ.eldercare.choices import CheckInMethod
from shequ.eldercare.models import MAX_NOTE, CareRecipient, Visit
from shequ.eldercare.queries import roll as roll_queries
from shequ.eldercare.queries import visits as queries
from shequ.eldercare.queries.roll import address_of


class CheckInForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("Check in with"), widget=forms.RadioSelect,
                               choices=[(CheckInMethod.CARD, CheckInMethod.CARD.label),
                                        (CheckInMethod.HAND, CheckInMethod.HAND.label)],
                               initial=CheckInMethod.CARD)
    card_number = forms.CharField(label=gettext_lazy("Card number"), required=False, max_length=40,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    reason = forms.CharField(label=gettext_lazy("Why by hand"), required=False, max_length=MAX_NOTE)


class CheckOutForm(forms.Form):
    seen_well = forms.TypedChoiceField(label=gettext_lazy("Was she well?"), widget=forms.RadioSelect,
                                       coerce=lambda value: value == "yes",
                                       choices=[("yes", gettext_lazy("Seen well")),
                                                ("no", gettext_lazy("Not well"))])
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=MAX_NOTE,
                           help_text=gettext_lazy("A few words; no health details."),
                           widget=forms.Textarea(attrs={"rows": 2}))


def _form_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _visitor(request: AuthedRequest) -> None:
    if not can(request.user, Visit, "add"):
        raise NotFound()


def _recipient(request: AuthedRequest, pk: int) -> CareRecipient:
    _visitor(request)
    found = queries.visitor_recipient(request.user, pk)
    if found is None:
        raise NotFound()
    return found


def _after_visit(request: AuthedRequest) -> HttpResponse:
    return redirect("eldercare:my_pairs" if request.user.is_resident else "eldercare:overdue_visits")


def _start_page(request: AuthedRequest, recipient: CareRecipient, *, door_token: str = "") -> HttpResponse:
    form = CheckInForm(request.POST or None)
    if door_token:
        method = form.fields["method"]
        assert isinstance(method, forms.ChoiceField)
        method.choices = [(CheckInMethod.DOOR_QR, CheckInMethod.DOOR_QR.label),
                          *[(choice.value, choice.label) for choice in (CheckInMethod.CARD, CheckInMethod.HAND)]]
        method.initial = CheckInMethod.DOOR_QR
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = actions.check_in(actor=request.user, recipient=recipient, method=data["method"],
                                     card_number=data["card_number"], door_token=door_token or None,
                                     reason=data["reason"])
        except DomainError as error:
            if isinstance(error, NotFound) and not error.field:
                raise
            _form_error(form, error)
        else:
            messages.success(request, _("Visit started."))
            return redirect("eldercare:visit", pk=visit.pk)
    return render(request, "eldercare/visit_start.html", {
        "form": form, "name": recipient.person.name, "address": address_of(recipient), "door_token": door_token})


@login_required
def visit_start(request: AuthedRequest, pk: int) -> HttpResponse:
    """Check in at an elder's door with the card or by hand."""
    return _start_page(request, _recipient(request, pk))


@login_required
def door(request: AuthedRequest, token: str) -> HttpResponse:
    """Where the QR code on an elder's door leads: check in there (the signed token says which elder)."""
    _visitor(request)
    try:
        pk = actions.recipient_of_door_token(token)
    except DomainError:
        raise NotFound() from None
    return _start_page(request, _recipient(request, pk), door_token=token)


@login_required
def visit(request: AuthedRequest, pk: int) -> HttpResponse:
    """An open visit, to check out: how she was, a short note."""
    _visitor(request)
    found = queries.visit(request.user, pk, "change")
    if found is None:
        raise NotFound()
    form = CheckOutForm(request.POST or None)
    if request.method == "POST" and found.is_open and form.is_valid():
        try:
            actions.check_out(actor=request.user, visit=found, seen_well=form.cleaned_data["seen_well"],
                              note=form.cleaned_data["note"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Visit logged. Thank you."))
            return _after_visit(request)
    return render(request, "eldercare/visit.html", {
        "visit": found, "form": form, "name": found.recipient.person.name,
        "address": address_of(found.recipient)})


@login_required
def overdue_visits(request: AuthedRequest) -> HttpResponse:
    """The committee worker's desk: her elders whose visit is overdue, and volunteers' minutes to bank."""
    if request.user.is_resident or not can(request.user, Visit, "view"):
        raise NotFound()
    return render(request, "eldercare/overdue_visits.html", {
        "rows": queries.overdue_visits(request.user), "to_bank": queries.to_bank(request.user)[:50]})


@login_required
@require_POST
def visit_bank(request: AuthedRequest, pk: int) -> HttpResponse:
    if request.user.is_resident:
        raise NotFound()
    found = queries.visit(request.user, pk, "change")
    if found is None:
        raise NotFound()
    try:
        banked = actions.bank_visit_minutes(actor=request.user, visit=found)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        messages.error(request, str(error.message))
    else:
        if banked.minutes_credited:
            messages.success(request, _("%(n)d minutes banked.") % {"n": banked.minutes_credited})
        else:
            messages.warning(request, _("Not banked: the volunteer has no active resident card."))
    return redirect("eldercare:overdue_visits")


def _qr_svg(text: str) -> str:
    """The QR code as an inline SVG, drawn on the server (segno): no script and nothing fetched."""
    import segno

    return str(segno.make(text, error="m").svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=True))


@login_required
def door_qr(request: AuthedRequest, pk: int) -> HttpResponse:
    """The printable QR code for an elder's door (staff who may change her record)."""
    if request.user.is_resident or not can(request.user, CareRecipient, "change"):
        raise NotFound()
    recipient = roll_queries.elder(request.user, pk, "change")
    if recipient is None:
        raise NotFound()
    token = actions.door_token(recipient)
    url = request.build_absolute_uri(reverse("eldercare:door", args=[token]))
    return render(request, "eldercare/door_qr.html", {
        "recipient": recipient, "token": token, "url": url, "qr": _qr_svg(url)})
