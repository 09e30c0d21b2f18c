"""Pages of volunteering: the coordinator's activities, rosters with card check-in, hours report and
certificates; a resident's own hours and sign-ups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.cards.queries import DeskHolder
from shequ.core.errors import DomainError, NotFound
from shequ.core.excel import personal_data_xlsx
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.volunteers import actions, queries, seams
from shequ.volunteers.forms import (
    ActivityForm,
    CoordinatorSignUpForm,
    PeriodForm,
    PersonSearchForm,
    RegisterForm,
    ShiftForm,
    SpendForm,
    TapForm,
)
from shequ.volunteers.models import Activity, Shift, SignUp, Volunteer


def _require(request: AuthedRequest, model: type, action: str = "view") -> None:
    if not can(request.user, model, action) or request.user.is_resident:
        raise NotFound()


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def hours(minutes: int | None) -> str:
    return f"{(minutes or 0) / 60:.1f}"


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    _require(request, Activity)
    today_unfilled = request.GET.get("shifts") == "today_unfilled"
    shifts = (queries.shifts_today_unfilled(request.user) if today_unfilled
              else queries.shifts(request.user).filter(ends_at__gt=timezone.now()))
    return render(request, "volunteers/home.html", {
        "activities": queries.activities(request.user)[:50], "today_unfilled": today_unfilled,
        "shifts": shifts[:50],
        "can_add": can(request.user, Activity, "add")})


@login_required
def volunteer_list(request: AuthedRequest) -> HttpResponse:
    """The register of volunteers, and registering a card holder (found by name or pinyin)."""
    _require(request, Volunteer)
    search = PersonSearchForm(request.GET or None)
    matches: list[DeskHolder] = []
    if search.is_valid():
        try:
            matches = seams.find_resident(actor=request.user, query=search.cleaned_data["q"])
        except DomainError as error:
            search.add_error("q", str(error.message))
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        _require(request, Volunteer, "add")
        if form.is_valid():
            person = seams.resident_by_id(form.cleaned_data["person"], actor=request.user)
            try:
                actions.register_volunteer(actor=request.user, person=person, skills=form.cleaned_data["skills"])
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("%(name)s is registered as a volunteer.") % {"name": person.name})
            return redirect("volunteers:volunteer_list")
    return render(request, "volunteers/volunteer_list.html", {
        "volunteers": queries.volunteers(request.user), "search": search, "matches": matches,
        "can_add": can(request.user, Volunteer, "add")})


@login_required
def activity_create(request: AuthedRequest) -> HttpResponse:
    _require(request, Activity, "add")
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = actions.create_activity(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            return redirect("volunteers:activity_detail", pk=activity.pk)
    return render(request, "volunteers/form.html", {"form": form, "title": _("New activity")})


@login_required
def activity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = get_visible(Activity.objects.all(), request.user, "view", pk=pk)
    form = ShiftForm(request.POST or None)
    if request.method == "POST":
        _require(request, Shift, "add")
        if form.is_valid():
            try:
                actions.add_shift(actor=request.user, activity=activity, **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Shift added."))
                return redirect("volunteers:activity_detail", pk=pk)
    return render(request, "volunteers/activity_detail.html", {
        "activity": activity, "shifts": queries.shifts(request.user, activity), "form": form,
        "can_add": can(request.user, Shift, "add")})


@login_required
def shift_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The roster of a shift: sign volunteers up, and check them in and out (a card tap, or a button)."""
    shift = get_visible(Shift.objects.select_related("activity"), request.user, "view", pk=pk)
    tap = TapForm(request.POST or None)
    if request.method == "POST" and tap.is_valid():
        _require(request, SignUp, "change")
        try:
            person = seams.person_for_card(tap.cleaned_data["card"], actor=request.user)
            step = actions.check_in if tap.cleaned_data["direction"] == "in" else actions.check_out
            step(actor=request.user, shift=shift, person=person)
        except DomainError as error:
            _form_error(tap, error)
        else:
            messages.success(request, _("%(name)s: done.") % {"name": person.name})
            return redirect("volunteers:shift_detail", pk=pk)
    return render(request, "volunteers/shift_detail.html", {
        "shift": shift, "roster": queries.roster(request.user, shift), "tap": tap,
        "signup_form": CoordinatorSignUpForm(volunteers=queries.volunteers(request.user).filter(active=True)),
        "can_change": can(request.user, SignUp, "change")})


@login_required
@require_POST
def shift_sign_up(request: AuthedRequest, pk: int) -> HttpResponse:
    """A resident signs herself up; a coordinator signs up the volunteer she chose."""
    if request.user.is_resident:
        # The action checks the shift is of her own sub-district, and answers 404 otherwise.
        shift = Shift.objects.filter(pk=pk).first()
        if shift is None:
            raise NotFound()
        volunteer = None
    else:
        shift = get_visible(Shift.objects.all(), request.user, "view", pk=pk)
        form = CoordinatorSignUpForm(request.POST, volunteers=queries.volunteers(request.user).filter(active=True))
        if not form.is_valid():
            messages.error(request, _("Choose the volunteer."))
            return redirect("volunteers:shift_detail", pk=pk)
        volunteer = form.cleaned_data["volunteer"]
    try:
        actions.sign_up(actor=request.user, shift=shift, volunteer=volunteer)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Signed up."))
    if request.user.is_resident:
        return redirect("volunteers:mine")
    return redirect("volunteers:shift_detail", pk=pk)


@login_required
@require_POST
def attendance(request: AuthedRequest, pk: int, signup_pk: int) -> HttpResponse:
    """Check in or out from the roster, for a volunteer without her card at hand."""
    _require(request, SignUp, "change")
    signup = get_visible(SignUp.objects.select_related("shift", "volunteer__person"), request.user, "change",
                         pk=signup_pk, shift_id=pk)
    step = actions.check_in if request.POST.get("direction") == "in" else actions.check_out
    try:
        signup = step(actor=request.user, shift=signup.shift, person=signup.volunteer.person)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        if signup.minutes_credited and not signup.ledger_reference:
            # Served hours still count (certificates, reports); the coordinator should send her to the card desk.
            messages.warning(request, _("%(name)s has no active resident card: the hours count as served but are "
                                        "not banked in the time bank.") % {"name": signup.volunteer.person.name})
    return redirect("volunteers:shift_detail", pk=pk)


@login_required
@require_POST
def signup_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    signup = get_visible(SignUp.objects.all(), request.user, "view", pk=pk)
    try:
        actions.cancel_sign_up(actor=request.user, signup=signup)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The sign-up is cancelled."))
    if request.user.is_resident:
        return redirect("volunteers:mine")
    return redirect("volunteers:shift_detail", pk=signup.shift_id)


@login_required
def spend(request: AuthedRequest, pk: int) -> HttpResponse:
    volunteer = get_visible(Volunteer.objects.select_related("person"), request.user, "view", pk=pk)
    _require(request, Volunteer, "change")
    form = SpendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.spend_time(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("volunteers:volunteer_list")
    return render(request, "volunteers/form.html", {
        "form": form, "title": _("Use time-bank hours: %(name)s") % {"name": volunteer},
        "note": _("%(h)s hours in the time bank.") % {"h": hours(seams.time_bank_balance(volunteer.person))}})


@login_required
def certificate(request: AuthedRequest, pk: int) -> HttpResponse:
    """志愿服务证明: hours served in a period, to print (a resident may print her own)."""
    volunteer = get_visible(Volunteer.objects.select_related("person"), request.user, "view", pk=pk)
    form = PeriodForm(request.GET or None)
    period = form.cleaned_data if form.is_valid() else {}
    served = list(queries.served(request.user, volunteer, since=period.get("since"), until=period.get("until")))
    for signup in served:
        signup.hours = hours(signup.minutes_credited)  # type: ignore[attr-defined]
    total = sum(s.minutes_credited for s in served)
    return render(request, "volunteers/certificate.html", {
        "volunteer": volunteer, "served": served, "total_hours": hours(total), "form": form,
        "since": period.get("since") or (served[0].shift.starts_at.date() if served else None),
        "until": period.get("until") or timezone.localdate(), "today": timezone.localdate()})


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    """The coordinator's report: hours per volunteer in a period, with the time-bank balance; Excel export."""
    _require(request, Volunteer, "export")
    form = PeriodForm(request.GET or None)
    period = form.cleaned_data if form.is_valid() else {}
    rows = queries.hours_report(request.user, since=period.get("since"), until=period.get("until"))
    if request.GET.get("format") == "xlsx":
        headers = [_("Volunteer"), _("Shifts served"), _("Hours served"), _("Hours used"),
                   _("Hours in the time bank")]
        return personal_data_xlsx(
            actor=request.user, what="volunteers.volunteer", filename="volunteer-hours.xlsx", filters=period,
            title=_("Volunteer hours"), headers=headers,
            rows=((r["volunteer"].person.name, r["shifts"], float(hours(r["minutes"])), float(hours(r["spent"])),
                   float(hours(r["balance"]))) for r in rows))
    for row in rows:
        row["hours"], row["spent_hours"], row["balance_hours"] = (hours(row["minutes"]), hours(row["spent"]),
                                                                  hours(row["balance"]))
    return render(request, "volunteers/report.html", {"rows": rows, "form": form})


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_resident:
        raise NotFound()
    data = queries.my_volunteering(request.user)
    if data["volunteer"] is not None:
        data["total_hours"] = hours(data["total_minutes"])
        data["balance_hours"] = hours(data["balance"])
    return render(request, "volunteers/mine.html", data)
