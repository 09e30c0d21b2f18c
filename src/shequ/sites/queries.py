"""Reads of the sites app, scoped to what the user may see (shequ.core.scopes.restrict)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound
from shequ.core.models import Compound, User
from shequ.core.queries import compounds
from shequ.core.scopes import can, get_visible, restrict
from shequ.sites import tally
from shequ.sites.choices import Choice, VoteStatus
from shequ.sites.models import ChoiceTotal, Elector, Ownership, Vote


def votes(user: User) -> QuerySet[Vote]:
    """Votes of the user's area; a resident sees those of her compound (or where she owns) once they open."""
    found = restrict(Vote.objects.select_related("compound"), user)
    if user.is_resident:
        found = found.exclude(status=VoteStatus.DRAFT)
    return found


def votes_to_close(user: User, now: dt.datetime | None = None) -> QuerySet[Vote]:
    """Votes the user runs that are past their closing time and still open: no ballot is taken any more."""
    return restrict(Vote.objects.select_related("compound"), user, "change").filter(
        status=VoteStatus.OPEN, closes_at__lte=now or timezone.now())


def vote(user: User, pk: int, action: str = "view") -> Vote:
    found = get_visible(Vote.objects.select_related("compound"), user, action, pk=pk)
    if user.is_resident and found.status == VoteStatus.DRAFT:
        raise NotFound()
    return found


def organised(user: User, pk: int) -> Vote:
    """A vote the user runs (may change)."""
    return vote(user, pk, "change")


def may_organise(user: User) -> bool:
    return can(user, Vote, "add")


def vote_compounds(user: User) -> QuerySet[Compound]:
    """Compounds the user may put a vote to or import a roll for."""
    return compounds(user) if not user.is_resident else Compound.objects.none()


def electors(user: User, vote: Vote) -> QuerySet[Elector]:
    """The electorate with who has voted and how (never the choice of a secret vote, which is not stored)."""
    return restrict(Elector.objects.filter(vote=vote), user).select_related("ballot").order_by("name", "pk")


def my_elector(user: User, vote: Vote) -> Elector | None:
    """The signed-in resident's own place in the vote's electorate, if she is an owner of record."""
    person = getattr(user, "person", None)
    if person is None or not person.id_number_index:
        return None
    return Elector.objects.filter(vote=vote, owner_key=person.id_number_index).select_related("ballot").first()


def roll(user: User, compound: Compound) -> QuerySet[Ownership]:
    return restrict(Ownership.objects.filter(compound=compound).current(), user).select_related("dwelling")


@dataclass(frozen=True)
class Figure:
    """One of the four figures as a page shows it: ``part`` of ``whole`` against ``threshold``."""

    label: str
    part: str
    whole: str
    percent: str
    threshold: str
    met: bool


def _amount(key: str, value: int) -> str:
    return f"{Decimal(value) / 100:.2f} m²" if key.endswith("area") else str(value)


def _percent(part: int, whole: int) -> str:
    if whole <= 0:
        return "—"
    return f"{Decimal(part * 10000 // whole) / 100:.2f}%"  # rounded down: never shows a threshold met that is not


def figures(result: dict[str, Any]) -> list[Figure]:
    """The four figures of a (live or published) result against their thresholds, for a page."""
    labels = {"quorum_area": _("Area taking part"), "quorum_heads": _("Owners taking part"),
              "majority_area": _("Area in favour"), "majority_heads": _("Owners in favour")}
    shown = []
    for check in result["checks"]:
        threshold = Fraction(check["threshold"])
        sign = ">" if check["strict"] else "≥"
        shown.append(Figure(labels[check["key"]], _amount(check["key"], check["part"]),
                            _amount(check["key"], check["whole"]), _percent(check["part"], check["whole"]),
                            f"{sign} {threshold.numerator}/{threshold.denominator}", check["met"]))
    return shown


def verdict_of(vote: Vote) -> tally.Verdict:
    """The vote's four figures against their thresholds, from its frozen electorate and its counters."""
    electorate = Elector.objects.filter(vote=vote).aggregate(heads=Count("pk"), area=Sum("area"))
    totals = {t.choice: tally.Count(t.heads, tally.centi(t.area)) for t in ChoiceTotal.objects.filter(vote=vote)}
    participating = tally.total(totals.values())
    return tally.judge(electorate=tally.Count(electorate["heads"] or 0, tally.centi(electorate["area"] or 0)),
                       participating=participating, yes=totals.get(Choice.YES, tally.Count()),
                       special=vote.special)


def result_of(vote: Vote) -> dict[str, Any]:
    """The four figures against their thresholds and the totals per choice, as JSON (areas in 0.01 m²)."""
    verdict = verdict_of(vote)
    counts = {t.choice: [t.heads, tally.centi(t.area)] for t in ChoiceTotal.objects.filter(vote=vote)}
    return {
        "valid": verdict.valid, "passed": verdict.passed, "special": verdict.special,
        "electorate": [verdict.electorate.heads, verdict.electorate.area],
        "participating": [verdict.participating.heads, verdict.participating.area],
        "yes": counts.get(Choice.YES, [0, 0]), "no": counts.get(Choice.NO, [0, 0]),
        "abstain": counts.get(Choice.ABSTAIN, [0, 0]),
        "checks": [{"key": c.key, "part": c.part, "whole": c.whole, "threshold": str(c.threshold),
                    "strict": c.strict, "met": c.met} for c in verdict.checks],
    }


def live_tally(vote: Vote) -> dict[str, Any] | None:
    """The tally an organiser may watch: all of it for an open ballot; for a secret vote still open, only whether
    enough owners took part and the two participation figures (the choices stay in the counters until it closes)."""
    if vote.status == VoteStatus.DRAFT:
        return None
    result = result_of(vote)
    if vote.choices_visible:
        return result
    return {"valid": result["valid"], "participating": result["participating"],
            "electorate": result["electorate"], "checks": result["checks"][:2]}


def totals(vote: Vote) -> dict[str, ChoiceTotal]:
    return {total.choice: total for total in ChoiceTotal.objects.filter(vote=vote)} if vote.choices_visible else {}

