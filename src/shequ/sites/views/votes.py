"""Owners' votes pages, thin: the list, a new vote, the organiser's page with the live tally and paper ballots,
an owner's phone-first voting page and the published result. The owners' roll import is on the roll page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can
from shequ.sites import queries
from shequ.sites.actions import roll as roll_actions
from shequ.sites.actions import votes as actions
from shequ.sites.choices import VoteStatus
from shequ.sites.forms import BallotForm, PaperBallotForm, RollImportForm, VoteForm
from shequ.sites.models import Ownership


def _form_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@login_required
def vote_list(request: AuthedRequest) -> HttpResponse:
    to_close = request.GET.get("due") == "close"
    found = queries.votes_to_close(request.user) if to_close else queries.votes(request.user)
    return render(request, "sites/vote_list.html", {
        "votes": found[:200], "to_close": to_close, "may_organise": queries.may_organise(request.user),
        "may_import": can(request.user, Ownership, "import"),
    })


@login_required
def vote_new(request: AuthedRequest) -> HttpResponse:
    if not queries.may_organise(request.user):
        raise NotFound()
    form = VoteForm(request.POST or None, compounds=queries.vote_compounds(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vote = actions.create_vote(actor=request.user, compound=data["compound"], title=data["title"],
                                       category=data["category"], description=data["description"],
                                       secret=data["secret"], opens_at=data["opens_at"], closes_at=data["closes_at"])
        except DomainError as error:
            _form_error(form, error)
        else:
            return redirect("sites:vote", vote.pk)
    return render(request, "sites/form.html", {"form": form, "title": _("New owners' vote")})


@login_required
def vote_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The organiser's page: the live tally (the four figures against their thresholds) and the paper ballots."""
    vote = queries.organised(request.user, pk)
    electors = queries.electors(request.user, vote)
    paper = PaperBallotForm(request.POST or None, electors=electors.filter(ballot__isnull=True))
    if request.method == "POST" and paper.is_valid():
        try:
            actions.enter_paper_ballot(actor=request.user, vote=vote, elector=paper.cleaned_data["elector"],
                                       choice=paper.cleaned_data["choice"])
        except DomainError as error:
            _form_error(paper, error)
        else:
            messages.success(request, _("The paper ballot is counted."))
            return redirect("sites:vote", vote.pk)
    live = queries.live_tally(vote)
    return render(request, "sites/vote_detail.html", {
        "vote": vote, "electors": electors, "paper": paper if vote.status == VoteStatus.OPEN else None,
        "figures": queries.figures(live) if live else [], "live": live, "totals": queries.totals(vote),
    })


@login_required
@require_POST
def vote_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    vote = queries.organised(request.user, pk)
    act = {"open": actions.open_vote, "close": actions.close_vote, "publish": actions.publish_vote}.get(step)
    if act is None:
        raise NotFound()
    try:
        act(actor=request.user, vote=vote)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("sites:vote", vote.pk)


@login_required
def ballot(request: AuthedRequest, pk: int) -> HttpResponse:
    """An owner's own voting page (phone-first)."""
    vote = queries.vote(request.user, pk)
    mine = queries.my_elector(request.user, vote) if request.user.is_resident else None
    form = BallotForm(request.POST or None)
    if request.method == "POST" and mine is not None and form.is_valid():
        try:
            actions.cast_online(actor=request.user, vote=vote, choice=form.cleaned_data["choice"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your vote is counted."))
            return redirect("sites:ballot", vote.pk)
    voted = mine is not None and hasattr(mine, "ballot")
    return render(request, "sites/ballot.html", {"vote": vote, "mine": mine, "form": form, "voted": voted})


@login_required
def result(request: AuthedRequest, pk: int) -> HttpResponse:
    vote = queries.vote(request.user, pk)
    if vote.status != VoteStatus.PUBLISHED:
        raise NotFound()
    return render(request, "sites/result.html", {"vote": vote, "figures": queries.figures(vote.result),
                                                 "r": vote.result})


@login_required
def roll_import(request: AuthedRequest) -> HttpResponse:
    """The owners' roll: import a new one (all or nothing) and see the current one of a compound."""
    if not can(request.user, Ownership, "import"):
        raise NotFound()
    form = RollImportForm(request.POST or None, request.FILES or None,
                          compounds=queries.vote_compounds(request.user))
    errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = roll_actions.import_roll(actor=request.user, compound=data["compound"],
                                            data=data["file"].read(), filename=data["file"].name,
                                            as_of=data["as_of"])
        except DomainError as error:
            _form_error(form, error)
            errors = list(error.details or [])[:500]
        else:
            messages.success(request, _("Owners' roll imported: %(added)d new, %(ended)d ended, %(kept)d unchanged.")
                             % done)
            return redirect("sites:roll")
    return render(request, "sites/roll.html", {"form": form, "errors": errors})
