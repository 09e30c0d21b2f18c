"""Reads of the linkage app, always through :func:`shequ.core.scopes.restrict` (health workers only)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from shequ.core.models import User
from shequ.core.scopes import get_visible, restrict
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


# Dashboard figures


def may_count_backlog(user: User) -> bool:
    from shequ.core.roles import Role
    from shequ.core.scopes import can, level_of

    return can(user, LinkCandidate) or (getattr(user, "role", None) == Role.ADMIN and level_of(user) == "subdistrict")


def review_backlog(user: User) -> int:
    """Pairs of the latest run waiting for a reviewer now (the review queue's length). A sub-district
    administrator, who may not open the queue, gets the count of her area's queue and nothing else."""
    from shequ.core.scopes import can, scope_q

    if can(user, LinkCandidate):
        return review_queue(user).count()
    if not may_count_backlog(user):
        return 0
    latest = LinkageRun.objects.filter(scope_q(LinkageRun, user)).first()
    if latest is None:
        return 0
    decided = ReviewDecision.objects.filter(record=OuterRef("record"), person=OuterRef("person"))
    merged = PersonLink.objects.filter(record=OuterRef("record"), ended_at__isnull=True)
    return (LinkCandidate.objects.filter(scope_q(LinkCandidate, user), run=latest, status=CandidateStatus.REVIEW)
            .filter(~Exists(decided), ~Exists(merged)).count())
