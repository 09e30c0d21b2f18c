"""Scoped reads about who is cared for. A committee worker sees her neighbourhood's elders and those she is
responsible for; the sub-district's administrator all of them; a volunteer (a resident) only the elders paired
with her, through :func:`my_pairs`, which gives only what a visit needs (name, address, next visit) — never a
grade, a consent or a contact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from shequ.core.models import User
from shequ.core.scopes import can, countable, restrict
from shequ.eldercare.choices import REASSESSMENT_NOTICE_DAYS
from shequ.eldercare.models import AwayPeriod, CareAssessment, CareRecipient, Consent, EmergencyContact


def with_grade(queryset: QuerySet[CareRecipient]) -> QuerySet[CareRecipient]:
    """Each recipient annotated with her latest assessment's grade and end of validity."""
    latest = CareAssessment.objects.filter(recipient=OuterRef("pk")).order_by("-assessed_on", "-pk")
    return queryset.annotate(grade=Subquery(latest.values("grade")[:1]),
                             grade_valid_until=Subquery(latest.values("valid_until")[:1]))


def reassessment_due_before(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=REASSESSMENT_NOTICE_DAYS)


def roll(user: User, *, reason: str = "", grade: int | None = None, worker: User | None = None,
         away_now: bool = False, reassessment_due: bool = False, q: str = "",
         include_left: bool = False) -> QuerySet[CareRecipient]:
    """The care roll the user may see, filtered; staff only (a volunteer reads :func:`my_pairs`)."""
    if user.is_resident:
        return CareRecipient.objects.none()
    today = timezone.localdate()
    found = restrict(CareRecipient.objects.all(), user)
    if not include_left:
        found = found.filter(left_roll_at__isnull=True)
    found = with_grade(found).select_related("person", "person__neighborhood", "person__dwelling",
                                             "person__compound", "worker", "volunteer__person")
    if reason:
        found = found.filter(reasons__has_key=reason)
    if grade is not None:
        found = found.filter(Q(grade=grade))
    if worker is not None:
        found = found.filter(worker=worker)
    if away_now:
        found = found.filter(pk__in=AwayPeriod.objects.covering(today).values("recipient"))
    if reassessment_due:
        found = found.filter(Q(grade_valid_until__lte=reassessment_due_before(today)))
    if q:
        found = found.filter(person__name__icontains=q.strip())
    return found.order_by("person__neighborhood__name", "person__name", "pk")


def elder(user: User, pk: int, action: str = "view") -> CareRecipient | None:
    """One elder's full record for staff who may see it (None otherwise, as if missing)."""
    if user.is_resident:
        return None
    return with_grade(restrict(CareRecipient.objects.all(), user, action)).select_related(
        "person", "person__neighborhood", "person__compound", "person__dwelling", "worker",
        "volunteer__person").filter(pk=pk).first()


def consent_in_force(recipient: CareRecipient) -> Consent | None:
    return recipient.consents.in_force().select_related("recorded_by").first()


def contacts(user: User, recipient: CareRecipient) -> QuerySet[EmergencyContact]:
    """The elder's contacts the user may see; phones are shown masked (``phone_masked``) unless revealed."""
    return restrict(EmergencyContact.objects.filter(recipient=recipient), user)


def contact(user: User, pk: int, action: str = "view") -> EmergencyContact | None:
    return restrict(EmergencyContact.objects.select_related("recipient"), user, action).filter(pk=pk).first()


def assessments(user: User, recipient: CareRecipient) -> QuerySet[CareAssessment]:
    return restrict(CareAssessment.objects.filter(recipient=recipient), user)


def away_periods(user: User, recipient: CareRecipient) -> QuerySet[AwayPeriod]:
    return restrict(AwayPeriod.objects.filter(recipient=recipient), user)


def away_period(user: User, pk: int, action: str = "view") -> AwayPeriod | None:
    return restrict(AwayPeriod.objects.all(), user, action).filter(pk=pk).first()


def people_to_add(user: User, q: str, limit: int = 20) -> list[Any]:
    """Residents living here whom the user may see, by name, for putting on the roll by hand; each with
    ``recipient`` (her roll entry, if any)."""
    from shequ.population.choices import PersonStatus
    from shequ.population.models import Person

    q = q.strip()
    if not q or user.is_resident or not can(user, CareRecipient, "add"):
        return []
    people = list(restrict(Person.objects.filter(status=PersonStatus.ACTIVE, name__icontains=q), user)
                  .select_related("neighborhood", "dwelling").order_by("name", "pk")[:limit])
    on_roll = dict(CareRecipient.objects.filter(person__in=people).values_list("person_id", "pk"))
    for person in people:
        person.recipient = on_roll.get(person.pk)  # type: ignore[attr-defined]
    return people


@dataclass(frozen=True)
class Pair:
    """What a paired volunteer sees of an elder: enough to visit her, nothing more."""

    pk: int
    name: str
    address: str
    next_visit: dt.date | None


def address_of(recipient: CareRecipient) -> str:
    person = recipient.person
    if person.dwelling_id and person.dwelling is not None:
        return str(person.dwelling)
    return str(person.compound or person.neighborhood)


def my_pairs(user: User) -> list[Pair]:
    """The elders paired with a volunteer: name, address and next visit only (left empty here: the "Elders I
    visit" page reads :func:`shequ.eldercare.queries.visits.my_pairs`, which works out the due dates)."""
    if not user.is_resident:
        return []
    found = restrict(CareRecipient.objects.on_roll(), user).select_related(
        "person", "person__dwelling", "person__compound", "person__neighborhood").order_by("person__name", "pk")
    return [Pair(pk=recipient.pk, name=recipient.person.name, address=address_of(recipient), next_visit=None)
            for recipient in found]


# Counts for the workbench and the dashboard ---------------------------------------------------------------------

def reassessments_due_count(user: User) -> int:
    """Elders on the roll whose latest assessment runs out within 30 days (or has run out)."""
    return roll(user, reassessment_due=True).count()


def away_now_count(user: User) -> int:
    return roll(user, away_now=True).count()


def on_roll_count(user: User) -> int:
    return countable(CareRecipient.objects.on_roll(), user).count()


def reassessments_due(*, today: dt.date | None = None) -> QuerySet[CareRecipient]:
    """Every elder on the roll (unscoped, for the daily job) whose assessment runs out within 30 days."""
    return with_grade(CareRecipient.objects.on_roll()).filter(
        Q(grade_valid_until__lte=reassessment_due_before(today))).select_related("person")


def summary(user: User) -> dict[str, Any]:
    return {"on_roll": on_roll_count(user), "away_now": away_now_count(user),
            "reassessments_due": reassessments_due_count(user)}
