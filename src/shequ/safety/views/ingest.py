"""Dead-letter pages for administrators: what the ingest refused, why, and replaying or discarding it."""

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
from shequ.safety.actions import ingest as actions
from shequ.safety.choices import DeadLetterReason, DeadLetterStatus
from shequ.safety.models import DeadLetter
from shequ.safety.queries import ingest as queries


class DeadLetterFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", gettext_lazy("All")), *DeadLetterStatus.choices])
    problem = forms.ChoiceField(label=gettext_lazy("Problem"), required=False,
                                choices=[("", gettext_lazy("All")), *DeadLetterReason.choices])


class ReplayForm(forms.Form):
    payload = forms.CharField(label=gettext_lazy("Payload to replay"), widget=forms.Textarea(attrs={"rows": 8}),
                              max_length=64 * 1024, strip=False,
                              help_text=gettext_lazy("Correct it if the device sent it wrong; it is replayed as "
                                                     "it stands here, and a correction is recorded."))


class DiscardForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why discard it"), max_length=300)


def _require(request: AuthedRequest) -> None:
    if request.user.is_resident or not can(request.user, DeadLetter, "view"):
        raise NotFound()


@login_required
def dead_letter_list(request: AuthedRequest) -> HttpResponse:
    _require(request)
    form = DeadLetterFilterForm(request.GET or {"status": DeadLetterStatus.NEW})
    chosen = form.cleaned_data if form.is_valid() else {"status": "", "problem": ""}
    letters = queries.dead_letters(request.user, status=chosen["status"], problem=chosen["problem"])
    page = Paginator(letters, 30).get_page(request.GET.get("page"))
    return render(request, "safety/dead_letter_list.html", {"form": form, "page": page})


@login_required
def dead_letter_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    letter = get_visible(DeadLetter.objects.select_related("device", "resolved_by", "event"), request.user, "view",
                         pk=pk)
    can_decide = letter.status == DeadLetterStatus.NEW and can(request.user, DeadLetter, "change")
    return render(request, "safety/dead_letter_detail.html", {
        "letter": letter, "can_decide": can_decide,
        "replay_form": ReplayForm(initial={"payload": letter.payload}), "discard_form": DiscardForm()})


@login_required
@require_POST
def dead_letter_replay(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    letter = get_visible(DeadLetter.objects.all(), request.user, "change", pk=pk)
    form = ReplayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The payload is missing or too long."))
        return redirect("safety:dead_letter_detail", pk=pk)
    payload = form.cleaned_data["payload"].replace("\r\n", "\n")
    original = letter.payload.replace("\r\n", "\n")
    try:
        outcome = actions.replay_dead_letter(actor=request.user, dead_letter=letter,
                                             payload=None if payload == original else payload)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Replayed: the event was stored.") if outcome.status == actions.STORED
                         else _("Replayed: it was accepted (%(outcome)s).") % {"outcome": outcome.status})
    return redirect("safety:dead_letter_detail", pk=pk)


@login_required
@require_POST
def dead_letter_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    letter = get_visible(DeadLetter.objects.all(), request.user, "change", pk=pk)
    form = DiscardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why it is discarded."))
        return redirect("safety:dead_letter_detail", pk=pk)
    try:
        actions.discard_dead_letter(actor=request.user, dead_letter=letter, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Discarded."))
    return redirect("safety:dead_letter_list")
