"""Pages of the culture centre's rooms, thin: parse, call one action or query, render.

Residents (phone-first, in the portal): the rooms with their free stretches of a day, the booking form, their own
bookings to cancel. Staff: the requests awaiting approval and the day's bookings, checked in by a card tap.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.culture import actions, queries
from shequ.culture.models import MAX_TEXT, Booking


class BookingForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    end = forms.TimeField(label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    group_name = forms.CharField(label=gettext_lazy("For a group (optional)"), required=False, max_length=100)
    purpose = forms.CharField(label=gettext_lazy("What for"), required=False, max_length=MAX_TEXT)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("day") and data.get("start") and data.get("end"):
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(data["day"], data["start"]))
            data["ends_at"] = timezone.make_aware(dt.datetime.combine(data["day"], data["end"]))
        return data


class CardForm(forms.Form):
    card = forms.CharField(label=gettext_lazy("Card number"), max_length=40,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


def _form_error(form: forms.Form, error: DomainError) -> None:
    field = {"starts_at": "start", "ends_at": "end"}.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error.message))


def _day(request: AuthedRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _booker(request: AuthedRequest) -> None:
    if not request.user.is_resident or not can(request.user, Booking, "add"):
        raise NotFound()


def _staff(request: AuthedRequest) -> None:
    if request.user.is_resident or not can(request.user, Booking, "change"):
        raise NotFound()


@login_required
def rooms(request: AuthedRequest) -> HttpResponse:
    """The rooms with their free and taken stretches of a day (never who took them)."""
    _booker(request)
    day = _day(request)
    now = timezone.now()
    rows = [(room, queries.day_slots(room, day, now)) for room in queries.bookable_rooms(request.user)]
    return render(request, "culture/rooms.html", {
        "rows": rows, "day": day, "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "restriction": queries.my_restriction(request.user, now)})


@login_required
def book(request: AuthedRequest, pk: int) -> HttpResponse:
    _booker(request)
    room = queries.bookable_rooms(request.user).filter(pk=pk).first()
    if room is None:
        raise NotFound()
    initial = {"day": _day(request), "start": request.GET.get("start", ""), "end": request.GET.get("end", "")}
    form = BookingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = actions.book_room(actor=request.user, room=room, starts_at=data["starts_at"],
                                        ends_at=data["ends_at"], group_name=data["group_name"],
                                        purpose=data["purpose"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Booked: %(room)s, %(when)s.") % {
                "room": room.name, "when": f"{timezone.localtime(booking.starts_at):%m-%d %H:%M}"}
                if booking.status == "confirmed" else _("Request sent; you will see the answer under My bookings."))
            return redirect("culture:mine")
    return render(request, "culture/book.html", {"room": room, "form": form,
                                                 "release_minutes": settings.CULTURE_RELEASE_MINUTES})


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    _booker(request)
    now = timezone.now()
    return render(request, "culture/mine.html", {
        "upcoming": queries.my_upcoming(request.user, now),
        "past": queries.my_bookings(request.user).exclude(pk__in=queries.my_upcoming(request.user, now))[:20],
        "restriction": queries.my_restriction(request.user, now)})


@login_required
@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    booking = get_visible(Booking.objects.all(), request.user, "change", pk=pk)
    try:
        actions.cancel_booking(actor=request.user, booking=booking)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Booking cancelled."))
    return redirect("culture:mine" if request.user.is_resident else "culture:desk")


@login_required
def desk(request: AuthedRequest) -> HttpResponse:
    """The centre's desk: requests awaiting approval, and the day's bookings to check in at the door."""
    _staff(request)
    day = _day(request)
    return render(request, "culture/desk.html", {
        "requests": queries.awaiting_approval(request.user), "bookings": queries.day_bookings(request.user, day),
        "day": day, "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "card_form": CardForm()})


@login_required
@require_POST
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request)
    booking = get_visible(Booking.objects.all(), request.user, "change", pk=pk)
    approve = request.POST.get("decision") == "approve"
    step = actions.approve_booking if approve else actions.reject_booking
    try:
        step(actor=request.user, booking=booking, note=request.POST.get("note", ""))
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("culture:desk")


@login_required
@require_POST
def check_in(request: AuthedRequest, pk: int) -> HttpResponse:
    _staff(request)
    booking = get_visible(Booking.objects.all(), request.user, "change", pk=pk)
    form = CardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tap or type the card number."))
    else:
        try:
            actions.check_in_by_card(actor=request.user, booking=booking, card_number=form.cleaned_data["card"])
        except DomainError as error:
            if isinstance(error, NotFound) and not error.field:
                raise
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Checked in."))
    day = timezone.localtime(booking.starts_at).date()
    return redirect(f"{reverse('culture:desk')}?day={day:%Y-%m-%d}")
