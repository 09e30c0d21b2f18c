"""Reads of the registry, always through :func:`shequ.core.scopes.restrict`."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower, TruncMonth
from django.utils import timezone

from shequ.core.idnumbers import normalize as normalize_id
from shequ.core.models import Compound, Neighborhood, User
from shequ.core.registry import per_period
from shequ.core.scopes import can, restrict, scope_q
from shequ.core.text import could_be_full_pinyin, could_be_initials, looks_like_pinyin
from shequ.population.choices import AGE_BANDS, PermitStatus, PersonStatus, ResidenceType
from shequ.population.models import Household, LifeEvent, Person, PopulationCount, Residence, ResidencePermit

_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_DIGITS = re.compile(r"^\d{7,13}$")


def people(user: User, action: str = "view") -> QuerySet[Person]:
    return restrict(Person.objects.all(), user, action)


def living_with_phone(user: User, phone: str) -> QuerySet[Person]:
    """People living here whom the user may see, with this phone number (found through its blind index)."""
    index = Person._meta.get_field("phone_index").index_for(phone)  # type: ignore[attr-defined]
    return people(user).filter(phone_index=index, status=PersonStatus.ACTIVE).order_by()


def search_kind(query: str) -> str:
    """What a search box entry is: id, phone, pinyin, name or address."""
    text = query.strip()
    if _ID_PATTERN.match(normalize_id(text)):
        return "id"
    if _DIGITS.match(text.replace(" ", "").replace("-", "")):
        return "phone"
    if looks_like_pinyin(text):
        return "pinyin"
    # 路 alone is not enough: 路遥 is a name. A road with a number, a lane, a room or a compound is an address.
    if any(ch.isdigit() for ch in text) or any(mark in text for mark in ("弄", "号", "室", "小区", "新村", "公寓")):
        return "address"
    return "name"


def search_people(
    user: User,
    query: str = "",
    *,
    neighborhood_id: int | None = None,
    compound_id: int | None = None,
    residence_type: str = "",
    status: str = PersonStatus.ACTIVE,
    tag: str = "",
    action: str = "view",
) -> QuerySet[Person]:
    """People the user may see, matching a name (characters or prefix), full pinyin, pinyin initials,
    a whole ID number, a whole phone number or part of an address."""
    found = people(user, action)
    text = query.strip()
    kind = search_kind(text) if text else ""
    if text:
        if kind == "id":
            index = Person._meta.get_field("id_number_index").index_for(text)  # type: ignore[attr-defined]
            found = found.filter(id_number_index=index)
        elif kind == "phone":
            index = Person._meta.get_field("phone_index").index_for(text)  # type: ignore[attr-defined]
            found = found.filter(phone_index=index)
        elif kind == "pinyin":
            found, order = _pinyin_filter(found, text.replace(" ", "").lower())
        elif kind == "address":
            for part in text.split():
                found = found.filter(dwelling__label__contains=part)
        else:
            found = found.filter(name__startswith=text)
    if status:
        found = found.filter(status=status)
    if neighborhood_id:
        found = found.filter(neighborhood_id=neighborhood_id)
    if compound_id:
        found = found.filter(compound_id=compound_id)
    if residence_type:
        found = found.filter(residence_type=residence_type)
    if tag:
        found = found.filter(tags__code=tag)
    found = found.select_related("dwelling", "neighborhood")
    if kind == "pinyin":
        return found.order_by(*order)
    if text:
        # The same order (pinyin is stored lower-case), written so that PostgreSQL filters through the
        # index of what was typed and sorts the few matches, instead of walking the whole pinyin index
        # in order hoping to meet 30 matches early (a name typed in characters may be far down it).
        return found.order_by(Lower("name_pinyin"), "id")
    return found.order_by("name_pinyin", "id")


def _letter_range(column: str, letters: str) -> Q:
    """``column`` starts with ``letters`` (lower-case latin letters), written as a range so that the
    database walks the column's ordered index and stops after one page. (A LIKE beside the range makes
    PostgreSQL count the condition twice, misjudge it as rare and sort every match instead.)"""
    upper = letters[:-1] + chr(ord(letters[-1]) + 1)
    return Q(**{f"{column}__gte": letters, f"{column}__lt": upper})


def _pinyin_filter(found: QuerySet[Person], letters: str) -> tuple[QuerySet[Person], tuple[str, ...]]:
    """Initials (zxm) and full pinyin (zhangxiaoming, zhang) searched each through its own index; only
    text that can be read both ways (li, zh) searches both and sorts the matches."""
    as_pinyin, as_initials = could_be_full_pinyin(letters), could_be_initials(letters)
    if as_initials and not as_pinyin:
        return found.filter(_letter_range("name_initials", letters)), ("name_initials", "name_pinyin", "id")
    if as_pinyin and not as_initials:
        return found.filter(_letter_range("name_pinyin", letters)), ("name_pinyin", "id")
    either = Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters)
    # Implied by either match (initials and full pinyin start with the same letter); narrows the scan.
    return found.filter(either & _letter_range("name_pinyin", letters[0])), ("name_pinyin", "id")


def person_detail(user: User, pk: int) -> Person:
    from shequ.core.scopes import get_visible

    return get_visible(
        Person.objects.select_related("dwelling__building__compound__neighborhood", "household", "user")
        .prefetch_related("tags"),
        user, "view", pk=pk,
    )


def household_members(user: User, household: Household | None) -> QuerySet[Person]:
    if household is None:
        return Person.objects.none()
    return people(user).filter(household=household, status=PersonStatus.ACTIVE).order_by("birth_date")


def permits(user: User, *, status: str = "", expiring_within_days: int | None = None,
            expired: bool = False) -> QuerySet[ResidencePermit]:
    found = restrict(ResidencePermit.objects.select_related("person", "person__dwelling"), user)
    if status:
        found = found.filter(status=status)
    if expiring_within_days is not None:
        found = found.filter(pk__in=permits_expiring(user, expiring_within_days).values("pk"))
    if expired:
        found = found.filter(pk__in=permits_expired(user).values("pk"))
    return found.order_by("expires_on", "id")


@dataclass
class Dynamics:
    total: int
    by_neighborhood: list[dict[str, Any]]
    by_compound: list[dict[str, Any]]
    by_residence_type: list[dict[str, Any]]
    by_age_band: list[dict[str, Any]]
    by_sex: list[Any]
    moves_by_month: list[dict[str, Any]] = field(default_factory=list)
    counted_at: dt.datetime | None = None  # when the counts were made (the moves are up to the minute)


def population_counts(user: User) -> QuerySet[PopulationCount]:
    """The last count of the people the user may count: those of the registry she may export."""
    if not can(user, Person, "export"):
        return PopulationCount.objects.none()
    return PopulationCount.objects.filter(scope_q(PopulationCount, user))


def last_counted_at() -> dt.datetime | None:
    """When the people were last counted (every count replaces all the rows, so they share one time)."""
    return PopulationCount.objects.values_list("counted_at", flat=True).first()


def population_dynamics(user: User, *, months: int = 12, today: dt.date | None = None) -> Dynamics:
    """Counts of people living here, as last counted (``counted_at``), and month-by-month moves up to
    now, within what the user may see."""
    today = today or timezone.localdate()
    by_type: Counter[str] = Counter()
    by_nb: Counter[int] = Counter()
    by_cp: Counter[int | None] = Counter()
    sexes: Counter[str] = Counter()
    by_age: Counter[int] = Counter()
    counted_at = None
    for row in population_counts(user).values("neighborhood_id", "compound_id", "residence_type", "sex",
                                              "age_from", "people", "counted_at"):
        counted_at = row["counted_at"]  # every row of a count has its time
        n = row["people"]
        by_type[row["residence_type"]] += n
        by_nb[row["neighborhood_id"]] += n
        by_cp[row["compound_id"]] += n
        sexes[row["sex"]] += n
        by_age[row["age_from"]] += n
    nb_names = dict(Neighborhood.objects.filter(pk__in=list(by_nb)).values_list("pk", "name"))
    cp_names = dict(Compound.objects.filter(pk__in=[pk for pk in by_cp if pk]).values_list("pk", "name"))
    by_neighborhood = sorted(
        ({"id": pk, "name": nb_names.get(pk, ""), "n": n} for pk, n in by_nb.items()), key=lambda r: str(r["name"])
    )
    by_compound = sorted(
        ({"id": pk, "name": cp_names.get(pk, ""), "n": n} for pk, n in by_cp.items() if pk),
        key=lambda r: str(r["name"]),
    )
    by_sex = [{"sex": sex, "n": n} for sex, n in sorted(sexes.items())]
    first_month = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    events = restrict(LifeEvent.objects.all(), user, "export").filter(occurred_on__gte=first_month)
    month_rows: Any = (
        events.annotate(month=TruncMonth("occurred_on")).values("month", "kind").annotate(n=Count("id"))
    )
    months_index: dict[str, dict[str, Any]] = {}
    cursor = first_month
    while cursor <= today:
        key = cursor.strftime("%Y-%m")
        months_index[key] = {"month": key, "move_in": 0, "move_out": 0, "move_within": 0, "birth": 0,
                             "death": 0, "registered": 0}
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    for row in month_rows:
        month = row["month"]
        key = month.strftime("%Y-%m") if month else ""
        if key in months_index:
            months_index[key][row["kind"]] = months_index[key].get(row["kind"], 0) + row["n"]
    return Dynamics(
        total=sum(by_type.values()),
        by_neighborhood=by_neighborhood,
        by_compound=by_compound,
        by_residence_type=[{"code": code, "label": str(label), "n": by_type.get(code, 0)}
                           for code, label in ResidenceType.choices],
        by_age_band=[{"band": label, "n": by_age.get(low, 0)} for label, low, _high in AGE_BANDS],
        by_sex=by_sex,
        moves_by_month=list(months_index.values()),
        counted_at=counted_at or last_counted_at(),  # read apart only when none of the counts is hers
    )


# For services of the whole sub-district (library, charity shop, volunteers) -----------------------------


def people_served_in(subdistrict_id: int | None) -> QuerySet[Person]:
    """Everyone living in a sub-district, for the actions of services that serve them all (library, charity shop,
    volunteers). Their desks find people only through :mod:`shequ.cards.queries` (card holders, audited)."""
    if subdistrict_id is None:
        return Person.objects.none()
    return Person.objects.filter(subdistrict_id=subdistrict_id, status=PersonStatus.ACTIVE)


def households_with_tags(subdistrict_id: int | None, tag_codes: list[str]) -> QuerySet[Household]:
    """Households of a sub-district with at least one member living there who carries one of the tags."""
    if subdistrict_id is None:
        return Household.objects.none()
    members = Person.objects.filter(subdistrict_id=subdistrict_id, status=PersonStatus.ACTIVE,
                                    tags__code__in=tag_codes)
    return Household.objects.filter(pk__in=members.values("household_id")).order_by("number")


def household_representative(household: Household) -> Person | None:
    """The member who receives what is given to the household: the head, else the eldest living member."""
    members = Person.objects.filter(household=household, status=PersonStatus.ACTIVE)
    return members.filter(relationship="head").order_by("id").first() or members.order_by("birth_date", "id").first()


# Workbench counts: each is the number of rows of the permit list with the same filter.

PERMIT_EXPIRING_DAYS = 30


def permits_expiring(user: User, days: int = PERMIT_EXPIRING_DAYS) -> QuerySet[ResidencePermit]:
    """Issued permits that expire from today to ``days`` days on: their holders are reminded to renew."""
    today = timezone.localdate()
    return restrict(ResidencePermit.objects.all(), user).filter(
        status=PermitStatus.ISSUED, expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days))


def permits_expired(user: User) -> QuerySet[ResidencePermit]:
    """Permits past their date and not renewed (including those the nightly task has not marked yet)."""
    today = timezone.localdate()
    return restrict(ResidencePermit.objects.all(), user).filter(
        Q(status=PermitStatus.EXPIRED) | Q(status=PermitStatus.ISSUED, expires_on__lt=today))


def count_permits_expiring(user: User) -> int:
    return permits_expiring(user).count()


def count_permits_expired(user: User) -> int:
    return permits_expired(user).count()


# Dashboard figures


def living_by_period(user: User, periods: list[Any]) -> list[int]:
    """People living here at the end of each period: a residence begun before the period's end and not ended
    by then (a person who moved within the sub-district is counted once). Now, for a period that has not ended."""
    if not periods:
        return []
    found = restrict(Residence.objects.all(), user).order_by().aggregate(**{
        f"p{position}": Count("person", distinct=True, filter=Q(started_on__lt=period.end) & (
            Q(ended_on__isnull=True) | Q(ended_on__gte=period.end)))
        for position, period in enumerate(periods)})
    return [found[f"p{position}"] for position in range(len(periods))]


def life_events_by_period(user: User, periods: list[Any], kind: str) -> list[int]:
    """Life events of one kind (moved in, moved out, birth, death) dated in each period."""
    return per_period(restrict(LifeEvent.objects.filter(kind=kind), user), periods, "occurred_on")
