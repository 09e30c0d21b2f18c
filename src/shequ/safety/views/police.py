"""The community police office (警务室): the live board, patrol logs, and the registry look-up with a reason.

The board refreshes itself by polling :func:`police_changes` (``static/safety/police_board.js``; no inline script,
the Content-Security-Policy forbids it), so it stays served locally and works on an offline intranet.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, Invalid, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.models import Compound
from shequ.core.scopes import can, get_visible, restrict
from shequ.population.models import Person
from shequ.safety.actions import patrols as patrol_actions
from shequ.safety.actions import police as police_actions
from shequ.safety.models import Incident, PatrolLog
from shequ.safety.queries import police as queries


class PatrolStartForm(forms.Form):
    compound = forms.ModelChoiceField(label=gettext_lazy("Compound (leave empty for the whole beat)"),
                                      queryset=Compound.objects.none(), required=False)
    route = forms.CharField(label=gettext_lazy("Route"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


class PatrolNoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("What you found"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class PatrolFinishForm(forms.Form):
    route = forms.CharField(label=gettext_lazy("Route taken"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    findings = forms.CharField(label=gettext_lazy("Closing findings"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))


class LookupForm(forms.Form):
    query = forms.CharField(label=gettext_lazy("Name, pinyin, whole ID number, whole phone or address"),
                            max_length=100, required=False)
    tag = forms.ChoiceField(label=gettext_lazy("or a list"), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason for the look-up (recorded)"), max_length=300,
                             help_text=gettext_lazy("Such as a case number or 入户走访. Every look-up is audited."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for opening this record (recorded)"), max_length=300)


def _require_board(request: AuthedRequest) -> None:
    """The board is the police office's (and the administrator's): those who may read patrol logs and incidents."""
    user = request.user
    if user.is_resident or not can(user, PatrolLog, "view") or not can(user, Incident, "view"):
        raise NotFound()


@login_required
def police_board(request: AuthedRequest) -> HttpResponse:
    _require_board(request)
    state = queries.board_state(request.user)
    hours = queries.incidents_by_hour(request.user)
    return render(request, "safety/police_board.html", {
        "state": state, "by_compound": queries.incidents_by_compound(request.user),
        "by_hour": [(hour, n) for hour, n in enumerate(hours) if n], "can_patrol": can(request.user, PatrolLog, "add"),
        "changes_url": reverse("safety:police_changes")})


@login_required
def police_changes(request: AuthedRequest) -> JsonResponse:
    """The board's state as JSON, with the incidents changed after ``since`` (an ISO time the page got before)."""
    _require_board(request)
    raw = request.GET.get("since", "")
    since: dt.datetime | None = None
    if raw:
        since = parse_datetime(raw.replace(" ", "+"))
        if since is None or since.tzinfo is None:
            return JsonResponse({"detail": _("since must be an ISO 8601 time with its offset."), "code": "invalid",
                                 "field": "since"}, status=400)
    state = queries.board_state(request.user)
    state["changed"] = queries.changed_since(request.user, since)
    response = JsonResponse(state)
    response["Cache-Control"] = "no-store"
    return response


def _beat_compounds(request: AuthedRequest) -> QuerySet[Compound]:
    return patrol_actions.beat_compounds(request.user)


@login_required
def patrol_list(request: AuthedRequest) -> HttpResponse:
    _require_board(request)
    page = Paginator(queries.patrols(request.user).order_by("-started_at", "-pk"), 30).get_page(
        request.GET.get("page"))
    form = PatrolStartForm()
    form.fields["compound"].queryset = _beat_compounds(request)  # type: ignore[attr-defined]
    return render(request, "safety/patrol_list.html", {"page": page, "form": form,
                                                        "can_patrol": can(request.user, PatrolLog, "add")})


@login_required
@require_POST
def patrol_start(request: AuthedRequest) -> HttpResponse:
    _require_board(request)
    form = PatrolStartForm(request.POST)
    form.fields["compound"].queryset = _beat_compounds(request)  # type: ignore[attr-defined]
    if not form.is_valid():
        messages.error(request, _("Choose a compound on your beat."))
        return redirect("safety:patrol_list")
    try:
        patrol = patrol_actions.start_patrol(actor=request.user, compound=form.cleaned_data["compound"],
                                             route=form.cleaned_data["route"])
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("safety:patrol_list")
    messages.success(request, _("Patrol started."))
    return redirect("safety:patrol_detail", pk=patrol.pk)


@login_required
def patrol_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_board(request)
    patrol = get_visible(PatrolLog.objects.select_related("officer", "compound"), request.user, "view", pk=pk)
    mine_open = patrol.officer_id == request.user.pk and patrol.ended_at is None
    return render(request, "safety/patrol_detail.html", {
        "patrol": patrol, "mine_open": mine_open, "note_form": PatrolNoteForm(),
        "finish_form": PatrolFinishForm(initial={"route": patrol.route}),
        "findings": [line for line in patrol.findings.splitlines() if line.strip()]})


@login_required
@require_POST
def patrol_note(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_board(request)
    patrol = get_visible(PatrolLog.objects.all(), request.user, "view", pk=pk)
    form = PatrolNoteForm(request.POST)
    try:
        if not form.is_valid():
            raise Invalid(_("Write what you found."))
        patrol_actions.add_note(actor=request.user, patrol=patrol, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Noted."))
    return redirect("safety:patrol_detail", pk=patrol.pk)


@login_required
@require_POST
def patrol_finish(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_board(request)
    patrol = get_visible(PatrolLog.objects.all(), request.user, "view", pk=pk)
    form = PatrolFinishForm(request.POST)
    form.is_valid()
    try:
        patrol_actions.finish_patrol(actor=request.user, patrol=patrol,
                                     findings=form.cleaned_data.get("findings", ""),
                                     route=form.cleaned_data.get("route"))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Patrol finished."))
    return redirect("safety:patrol_detail", pk=patrol.pk)


def _require_lookup(request: AuthedRequest) -> None:
    if request.user.is_resident or not can(request.user, Person, "lookup"):
        raise NotFound()


@login_required
def police_lookup(request: AuthedRequest) -> HttpResponse:
    """A look-up in the registry of the beat: the reason is required and recorded with what was asked."""
    _require_lookup(request)
    form = LookupForm(request.POST or None)
    form.fields["tag"].choices = [("", "—")] + [  # type: ignore[attr-defined]
        (tag.code, str(tag)) for tag in police_actions.police_tags()]
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = police_actions.look_up(actor=request.user, reason=form.cleaned_data["reason"],
                                            query=form.cleaned_data["query"], tag=form.cleaned_data["tag"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
    return render(request, "safety/police_lookup.html", {"form": form, "result": result,
                                                         "reason": form.data.get("reason", "")})


@login_required
@require_POST
def police_person(request: AuthedRequest, pk: int) -> HttpResponse:
    """One person of the beat, opened with a reason (POST, so the reason travels with the request)."""
    _require_lookup(request)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you need this look-up; it is recorded."))
        return redirect("safety:police_lookup")
    try:
        person = police_actions.look_at(actor=request.user, person_pk=pk, reason=form.cleaned_data["reason"])
    except Invalid as error:
        messages.error(request, str(error.message))
        return redirect("safety:police_lookup")
    members = []
    if person.household_id:
        members = list(restrict(Person.objects.filter(household_id=person.household_id, status=person.status),
                                request.user, "lookup").exclude(pk=person.pk).order_by("name_pinyin"))
    tags = list(person.tags.filter(pk__in=police_actions.police_tags().values("pk")))
    return render(request, "safety/police_person.html", {"person": person, "members": members, "tags": tags,
                                                         "age": person.age_on(timezone.localdate()),
                                                         "reason": form.cleaned_data["reason"]})
