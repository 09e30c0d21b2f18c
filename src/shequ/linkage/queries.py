"""Reads of the linkage app, always through :func:`shequ.core.scopes.restrict` (health workers only)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from shequ.core.models import User
from shequ.core.scopes import can, countable, get_visible, restrict
from shequ.linkage.choices import CandidateStatus
from shequ.linkage.models import LinkageRun, LinkCandidate, PersonLink, ReviewDecision, SourceBatch, SourceRecord


def batches(user: User) -> QuerySet[SourceBatch]:
    return restrict(SourceBatch.objects.all(), user)


def records(user: User) -> QuerySet[SourceRecord]:
    return restrict(SourceRecord.objects.all(), user)


def unlinked_records(user: User) -> QuerySet[SourceRecord]:
    open_link = PersonLink.objects.filter(record=OuterRef("pk"), ended_at__isnull=True)
    return records(user).filter(~Exists(open_link)).order_by("pk")


def decision_map(user: User) -> dict[tuple[int, int], bool]:
    """(record, person) → same person? The latest decision on each pair wins."""
    found: dict[tuple[int, int], bool] = {}
    decisions = restrict(ReviewDecision.objects.all(), user).order_by("decided_at", "id")
    for record_id, person_id, is_match in decisions.values_list("record_id", "person_id", "is_match"):
        found[(record_id, person_id)] = is_match
    return found


def runs(user: User) -> QuerySet[LinkageRun]:
    return restrict(LinkageRun.objects.all(), user)


def run(user: User, pk: int) -> LinkageRun:
    return get_visible(LinkageRun.objects.all(), user, pk=pk)


def review_queue(user: User) -> QuerySet[LinkCandidate]:
    """Pairs of the latest run left for a person to decide, not decided since and not merged since."""
    latest = runs(user).first()
    if latest is None:
        return restrict(LinkCandidate.objects.none(), user)
    decided = ReviewDecision.objects.filter(record=OuterRef("record"), person=OuterRef("person"))
    merged = PersonLink.objects.filter(record=OuterRef("record"), ended_at__isnull=True)
    return (restrict(LinkCandidate.objects.all(), user)
            .filter(run=latest, status=CandidateStatus.REVIEW)
            .filter(~Exists(decided), ~Exists(merged))
            .select_related("record", "record__batch", "person", "person__dwelling")
            .order_by("-match_weight", "pk"))


def candidate(user: User, pk: int) -> LinkCandidate:
    return get_visible(LinkCandidate.objects.select_related("record", "record__batch", "person", "person__dwelling"),
                       user, pk=pk)


def links(user: User, *, open_only: bool = True) -> QuerySet[PersonLink]:
    found = restrict(PersonLink.objects.all(), user).select_related("record", "record__batch", "person")
    return found.filter(ended_at__isnull=True) if open_only else found


def link(user: User, pk: int) -> PersonLink:
    return get_visible(PersonLink.objects.select_related("record", "person"), user, pk=pk)


# Workbench counts


def count_review_backlog(user: User) -> int:
    """The length of :func:`review_queue` in one query: the latest run is read as a subquery."""
    return _backlog(restrict(LinkageRun.objects.all(), user), restrict(LinkCandidate.objects.all(), user))


def _backlog(runs_: QuerySet[LinkageRun], candidates: QuerySet[LinkCandidate]) -> int:
    latest = runs_.order_by("-started_at", "-id").values("pk")[:1]
    decided = ReviewDecision.objects.filter(record=OuterRef("record"), person=OuterRef("person"))
    merged = PersonLink.objects.filter(record=OuterRef("record"), ended_at__isnull=True)
    return (candidates.filter(run=Subquery(latest), status=CandidateStatus.REVIEW)
            .filter(~Exists(decided), ~Exists(merged)).count())


# Dashboard figures


def may_count_backlog(user: User) -> bool:
    return can(user, LinkCandidate) or can(user, LinkCandidate, "count")


def review_backlog(user: User) -> int:
    """Pairs of the latest run waiting for a reviewer now (the review queue's length). A sub-district
    administrator, who may not open the queue, gets the count of her area's queue and nothing else."""
    return _backlog(countable(LinkageRun.objects.all(), user), countable(LinkCandidate.objects.all(), user))
