"""Staff pages of the card desk (issue, report lost, freeze, reissue, cancel, top up) and the resident's
own card on the portal: thin — parse, call one action or query, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.cards import actions, numbers, queries
from shequ.cards.choices import CardStatus
from shequ.cards.forms import CancelForm, CardSearchForm, ReasonForm, TopUpForm
from shequ.cards.models import Card, Transaction
from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.population import queries as population_queries


def _require(request: AuthedRequest, model: type, action: str) -> None:
    if not can(request.user, model, action):
        raise NotFound()


@login_required
def card_desk(request: AuthedRequest) -> HttpResponse:
    _require(request, Card, "view")
    form = CardSearchForm(request.GET or None)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    status = form.cleaned_data["status"] if form.is_valid() else ""
    found = queries.cards(request.user)
    if status:
        found = found.filter(status=status)
    people: list[Any] = []
    if text:
        digits = numbers.normalize(text)
        if digits.isdigit():
            found = found.filter(number__startswith=digits)
        else:
            found = found.filter(person__name__startswith=text)
            if can(request.user, Card, "add"):
                people = list(population_queries.search_people(request.user, text)[:20])
    live = set(queries.cards(request.user).filter(person__in=people).exclude(status=CardStatus.CANCELLED)
               .values_list("person_id", flat=True)) if people else set()
    return render(request, "cards/card_desk.html", {
        "form": form, "page": Paginator(found, 50).get_page(request.GET.get("page")),
        "people": [p for p in people if p.pk not in live],
        "can_add": can(request.user, Card, "add")})


@login_required
@require_POST
def card_issue(request: AuthedRequest, person_pk: int) -> HttpResponse:
    _require(request, Card, "add")
    person = get_visible(population_queries.people(request.user).all(), request.user, pk=person_pk)
    try:
        card = actions.issue_card(actor=request.user, person=person)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("cards:desk")
    messages.success(request, _("Card %(number)s issued.") % {"number": card.number_display})
    return redirect("cards:detail", pk=card.pk)


def _detail_context(request: AuthedRequest, card: Card) -> dict[str, Any]:
    return {
        "card": card, "balances": queries.balances(card), "transactions": queries.recent_transactions(card),
        "can_change": can(request.user, Card, "change"), "can_top_up": can(request.user, Transaction, "add"),
        "reason_form": ReasonForm(), "cancel_form": CancelForm(),
        "top_up_form": TopUpForm(initial={"idempotency_key": uuid.uuid4().hex}),
    }


@login_required
def card_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    card = get_visible(queries.cards(request.user), request.user, pk=pk)
    return render(request, "cards/card_detail.html", _detail_context(request, card))


ACTIONS: dict[str, tuple[Callable[..., Card], type[forms.Form]]] = {
    "lost": (actions.report_lost, ReasonForm),
    "freeze": (actions.freeze, ReasonForm),
    "unfreeze": (actions.unfreeze, ReasonForm),
    "reissue": (actions.reissue_card, ReasonForm),
    "cancel": (actions.cancel_card, CancelForm),
}


@login_required
@require_POST
def card_change(request: AuthedRequest, pk: int, what: str) -> HttpResponse:
    card = get_visible(queries.cards(request.user, "change"), request.user, "change", pk=pk)
    if what not in ACTIONS:
        raise NotFound()
    action, form_class = ACTIONS[what]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason."))
        return redirect("cards:detail", pk=card.pk)
    try:
        result = action(actor=request.user, card=card, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("cards:detail", pk=card.pk)
    messages.success(request, _("Done."))
    return redirect("cards:detail", pk=result.pk)


@login_required
@require_POST
def card_top_up(request: AuthedRequest, pk: int) -> HttpResponse:
    card = get_visible(queries.cards(request.user), request.user, pk=pk)
    form = TopUpForm(request.POST)
    if form.is_valid():
        try:
            actions.top_up(actor=request.user, card=card, amount_fen=int(form.cleaned_data["amount_yuan"] * 100),
                           idempotency_key=form.cleaned_data["idempotency_key"])
            messages.success(request, _("Topped up."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Enter an amount."))
    return redirect("cards:detail", pk=card.pk)


@login_required
def my_card(request: AuthedRequest) -> HttpResponse:
    """The resident's own card: status, balances, recent transactions and the QR code for her phone."""
    _require(request, Card, "view")
    card = queries.cards(request.user).exclude(status="cancelled").first()
    if card is None:
        return render(request, "cards/my_card.html", {"card": None})
    qr = segno.make(numbers.qr_payload(card.number), error="m").svg_inline(scale=5, title=card.number_display)
    return render(request, "cards/my_card.html", {
        "card": card, "balances": queries.balances(card), "transactions": queries.recent_transactions(card),
        "qr": qr})
