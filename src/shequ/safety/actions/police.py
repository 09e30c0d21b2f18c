"""The police office's look-ups in the registry: never a browse, always a stated reason, always audited.

The police role has no right to the registry's pages (see :mod:`shequ.core.roles`): its only right on people is
``lookup``, which these actions use. Each search and each opened person writes an audit entry with the officer's
reason, in the same transaction as the read, so no look-up happens without its trace. What is shown is what the
beat needs: name, sex, age, address, residence type, masked ID number and phone, household members and the
persons-of-concern tags the police may see (:data:`POLICE_TAGS`). No health data, and no face images: the
platform keeps none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Invalid
from shequ.core.models import User
from shequ.core.scopes import get_visible
from shequ.population.models import Person, Tag
from shequ.population.queries import search_kind, search_people

PERSONS_LOOKED_UP = "safety.police_lookup"
PERSON_LOOKED_AT = "safety.police_person_viewed"

MIN_REASON = 4
MAX_RESULTS = 30
# Tags of the registry that the police office may list people by: elders living alone (welfare calls on a
# patrol) and any tag an administrator adds with the ``concern_`` prefix (重点关注). Tags that speak of health,
# disability or allowances are not for the police.
POLICE_TAGS = ("elder_alone",)
POLICE_TAG_PREFIX = "concern_"


def police_tags() -> QuerySet[Tag]:
    return Tag.objects.filter(Q(code__in=POLICE_TAGS) | Q(code__startswith=POLICE_TAG_PREFIX)).order_by("code")


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise Invalid(_("Say why you need this look-up (at least %(n)d characters); it is recorded.")
                      % {"n": MIN_REASON}, field="reason")
    return text[:300]


@dataclass(frozen=True)
class LookupResult:
    people: list[Person]
    more: bool


@transaction.atomic(durable=True)
def look_up(*, actor: User, reason: str, query: str = "", tag: str = "") -> LookupResult:
    """People of the officer's beat matching a name, pinyin, whole ID number, whole phone or address, or a
    persons-of-concern tag; at most :data:`MAX_RESULTS`. Audited with the reason, the kind of query and the count."""
    reason = _reason(reason)
    query = (query or "").strip()[:100]
    if tag and not police_tags().filter(code=tag).exists():
        raise Invalid(_("Choose a list from the menu."), field="tag")
    if not query and not tag:
        raise Invalid(_("Type a name, ID number, phone or address, or choose a list."), field="query")
    found = list(search_people(actor, query, tag=tag, action="lookup")
                 .select_related("dwelling", "compound")[:MAX_RESULTS + 1])
    # The query is kept as typed, except that audit masks ID numbers and phones in it.
    audit.record(actor=actor, event=PERSONS_LOOKED_UP, obj=None, reason=reason,
                 after={"query": query, "kind": search_kind(query) if query else "tag", "tag": tag,
                        "results": min(len(found), MAX_RESULTS)})
    return LookupResult(people=found[:MAX_RESULTS], more=len(found) > MAX_RESULTS)


@transaction.atomic(durable=True)
def look_at(*, actor: User, person_pk: int, reason: str) -> Person:
    """One person of the beat, opened with a reason; audited."""
    reason = _reason(reason)
    person = get_visible(Person.objects.select_related("dwelling", "compound", "household"), actor, "lookup",
                         pk=person_pk)
    audit.record(actor=actor, event=PERSON_LOOKED_AT, obj=person, reason=reason)
    return person
