"""Owners' votes: create, open (freezing the electorate), ballots on paper and online, close, publish.

Secrecy: a :class:`Ballot` says only that an owner voted and by which channel; for a secret vote the choice goes
into :class:`ChoiceTotal` counters and nowhere else (not in the ballot, not in the audit log), and the totals are
not shown until the vote closes, so an organiser watching who has voted cannot read each choice off a moving tally.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import Compound, User
from shequ.core.queries import compounds
from shequ.core.roles import Role
from shequ.core.scopes import can, restrict
from shequ.sites import queries
from shequ.sites.choices import Channel, Choice, MatterCategory, Organiser, VoteStatus
from shequ.sites.models import DEVELOPER_KEY, Ballot, ChoiceTotal, Elector, Ownership, Vote

VOTE_CREATED = "sites.vote_created"
VOTE_OPENED = "sites.vote_opened"
VOTE_CLOSED = "sites.vote_closed"
VOTE_PUBLISHED = "sites.vote_published"
BALLOT_CAST = "sites.ballot_cast"


def _organised(actor: User, vote: Vote) -> Vote:
    """The vote locked for a change by an organiser who may change it; missing and forbidden alike are 404."""
    found = restrict(Vote.objects.select_for_update().filter(pk=vote.pk), actor, "change").first()
    if found is None:
        raise NotFound()
    return found


@transaction.atomic(durable=True)
def create_vote(*, actor: User, compound: Compound, title: str, category: str, opens_at: dt.datetime,
                closes_at: dt.datetime, secret: bool = False, description: str = "",
                organiser: str = "") -> Vote:
    if not can(actor, Vote, "add") or not compounds(actor).filter(pk=compound.pk).exists():
        raise NotFound()
    if category not in MatterCategory.values:
        raise Invalid(_("Choose the matter's category."), field="category")
    if not title.strip():
        raise Invalid(_("The matter needs a title."), field="title")
    if closes_at <= opens_at:
        raise Invalid(_("The vote must close after it opens."), field="closes_at")
    organiser = organiser or (Organiser.OWNERS_COMMITTEE if actor.role == Role.OWNERS_COMMITTEE
                              else Organiser.RESIDENTS_COMMITTEE)
    vote = Vote.objects.create(compound=compound, title=title.strip()[:200], description=description,
                               category=category, secret=secret, organiser=organiser, opens_at=opens_at,
                               closes_at=closes_at, created_by=actor)
    audit.record(actor=actor, event=VOTE_CREATED, obj=vote,
                 after={"title": vote.title, "category": category, "secret": secret})
    return vote


@transaction.atomic(durable=True)
def open_vote(*, actor: User, vote: Vote, now: dt.datetime | None = None) -> Vote:
    """Open the vote and freeze its electorate: the owners of record on the day it opens, by head.

    The electorate is a snapshot (:class:`Elector` rows), not recomputed from the roll's history, so that a sale or
    a corrected roll during the vote changes neither who may vote nor the thresholds, and the published result can be
    checked against the very list it was counted on.
    """
    now = now or timezone.now()
    vote = _organised(actor, vote)
    if vote.status != VoteStatus.DRAFT:
        raise Conflict(_("Only a draft vote can be opened."))
    day = timezone.localdate(now)
    holdings = list(Ownership.objects.filter(compound=vote.compound).on(day))
    if not holdings:
        raise Conflict(_("The compound has no owners' roll on %(day)s; import it first.") % {"day": day})
    names: dict[str, str] = {}
    people: dict[str, int | None] = {}
    units: dict[str, int] = {}
    areas: dict[str, Decimal] = {}
    for holding in holdings:
        key = holding.owner_key
        names.setdefault(key, _("Developer (unsold units)") if key == DEVELOPER_KEY else holding.owner_name)
        people[key] = people.get(key) or holding.person_id
        units[key] = units.get(key, 0) + 1
        areas[key] = areas.get(key, Decimal(0)) + holding.area
    Elector.objects.bulk_create([Elector(vote=vote, owner_key=key, name=names[key][:100], units=units[key],
                                         area=areas[key], person_id=people[key]) for key in names])
    ChoiceTotal.objects.bulk_create([ChoiceTotal(vote=vote, choice=choice) for choice in Choice.values])
    vote.status, vote.opened_at, vote.roll_date = VoteStatus.OPEN, now, day
    vote.save(update_fields=["status", "opened_at", "roll_date"])
    audit.record(actor=actor, event=VOTE_OPENED, obj=vote,
                 after={"electors": len(names), "units": len(holdings), "roll_date": day.isoformat()})
    return vote


def _cast(*, actor: User, vote: Vote, elector: Elector, choice: str, channel: str, now: dt.datetime) -> Ballot:
    if choice not in Choice.values:
        raise Invalid(_("Choose for, against or abstain."), field="choice")
    if vote.status != VoteStatus.OPEN or not (vote.opens_at <= now < vote.closes_at):
        raise Conflict(_("The vote is not open."))
    if Ballot.objects.filter(elector=elector).exists():
        raise Conflict(_("This owner has already voted; a vote is counted once, on paper or online."))
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                vote=vote, elector=elector, channel=channel, at=now,
                entered_by=actor if channel == Channel.PAPER else None, choice="" if vote.secret else choice)
    except IntegrityError as exc:  # a ballot by the other channel came in between
        raise Conflict(_("This owner has already voted; a vote is counted once, on paper or online.")) from exc
    ChoiceTotal.objects.filter(vote=vote, choice=choice).update(heads=F("heads") + 1, area=F("area") + elector.area)
    after: dict[str, object] = {"vote": vote.pk, "channel": channel}
    if not vote.secret:
        after["choice"] = choice
    audit.record(actor=actor, event=BALLOT_CAST, obj=elector, after=after)
    return ballot


@transaction.atomic(durable=True)
def cast_online(*, actor: User, vote: Vote, choice: str, now: dt.datetime | None = None) -> Ballot:
    """The signed-in resident's own vote, if she is an owner of record in the vote's electorate."""
    now = now or timezone.now()
    if not can(actor, Ballot, "add") or not actor.is_resident:
        raise NotFound()
    found = restrict(Vote.objects.select_for_update().filter(pk=vote.pk), actor).first()
    if found is None:
        raise NotFound()
    vote = found
    person = getattr(actor, "person", None)
    elector = None
    if person is not None and person.id_number_index:
        # By the blind index of her ID number, never by name; the developer's key is no person's index.
        elector = Elector.objects.select_for_update().filter(vote=vote, owner_key=person.id_number_index).first()
    if elector is None:
        raise Conflict(_("Only owners of record of this compound may vote."))
    return _cast(actor=actor, vote=vote, elector=elector, choice=choice, channel=Channel.ONLINE, now=now)


@transaction.atomic(durable=True)
def enter_paper_ballot(*, actor: User, vote: Vote, elector: Elector, choice: str,
                       now: dt.datetime | None = None) -> Ballot:
    """A paper ballot, entered by an organiser of the vote."""
    now = now or timezone.now()
    vote = _organised(actor, vote)
    locked = Elector.objects.select_for_update().filter(pk=elector.pk, vote=vote).first()
    if locked is None:
        raise NotFound()
    return _cast(actor=actor, vote=vote, elector=locked, choice=choice, channel=Channel.PAPER, now=now)


@transaction.atomic(durable=True)
def close_vote(*, actor: User, vote: Vote, now: dt.datetime | None = None) -> Vote:
    now = now or timezone.now()
    vote = _organised(actor, vote)
    if vote.status != VoteStatus.OPEN:
        raise Conflict(_("Only an open vote can be closed."))
    vote.status, vote.closed_at = VoteStatus.CLOSED, now
    vote.save(update_fields=["status", "closed_at"])
    audit.record(actor=actor, event=VOTE_CLOSED, obj=vote, after={"ballots": vote.ballots.count()})
    return vote


@transaction.atomic(durable=True)
def publish_vote(*, actor: User, vote: Vote, now: dt.datetime | None = None) -> Vote:
    """Publish a closed vote's result: the four figures against their thresholds, frozen into ``result``."""
    now = now or timezone.now()
    vote = _organised(actor, vote)
    if vote.status != VoteStatus.CLOSED:
        raise Conflict(_("Only a closed vote can be published."))
    vote.result = queries.result_of(vote)
    vote.status, vote.published_at = VoteStatus.PUBLISHED, now
    vote.save(update_fields=["status", "published_at", "result"])
    audit.record(actor=actor, event=VOTE_PUBLISHED, obj=vote,
                 after={"valid": vote.result["valid"], "passed": vote.result["passed"]})
    return vote
