"""FHIR searches: the parameters each resource type takes (declared once, for the search and the
CapabilityStatement alike), and paging by ``next`` / ``previous`` links.

Paging is by key, not by offset: each ``next`` link carries the sort key of the last resource on the page,
and the next page starts strictly after it in an ordering that ends in the primary key (a total order). A row
written or removed between two pages therefore moves no other row from one page to the next, so following
``next`` links to the end returns each resource once. ``_count`` is capped at :data:`MAX_COUNT`.

``Bundle.total`` is given where it is one COUNT query (Patient, Encounter, Condition). An Observation is one
reading of a diary entry, and which readings an entry holds is known only after decrypting it, so an
Observation search reads entries in key order until the page is full, at most :data:`SCAN_LIMIT` entries per
request (a shorter page then still has its ``next`` link), and gives no total.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import Invalid
from shequ.health import fhir, queries
from shequ.health.choices import ConditionStatus, condition_for_icd10
from shequ.population.models import Person

MAX_COUNT = 100
DEFAULT_COUNT = 50
SCAN_LIMIT = 2000  # diary entries read for one Observation page
SCAN_BATCH = 200
KIND_ORDER = {"bp": 0, "glucose": 1, "weight": 2}  # the order of an entry's Observations

# The search parameters served, with their FHIR R4 types (the type the spec gives each parameter).
PARAMETERS: dict[str, dict[str, str]] = {
    "Patient": {"_id": "token", "name": "string", "birthdate": "date", "identifier": "token"},
    "Encounter": {"patient": "reference", "subject": "reference", "date": "date", "identifier": "token"},
    "Condition": {"patient": "reference", "subject": "reference", "code": "token", "clinical-status": "token"},
    "Observation": {"patient": "reference", "subject": "reference", "code": "token", "date": "date",
                    "identifier": "token"},
}

Column = tuple[str, bool, Callable[[str], Any]]  # field, descending, how a cursor's text becomes its value


def _aware(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


ID: Column = ("id", False, int)
ORDERS: dict[str, Sequence[Column]] = {
    "Patient": (ID,),
    "Condition": (ID,),
    "Encounter": (("occurred_on", True, dt.date.fromisoformat), ("id", True, int)),
    "Observation": (("measured_at", True, _aware), ("id", True, int)),
}


@dataclass
class Page:
    resources: list[dict[str, Any]]
    people: list[int]  # whose data is on the page, for the read audit
    total: int | None
    next_cursor: str = ""
    previous_cursor: str = ""


# Cursors -------------------------------------------------------------------------------------------------


def _encode(resource_type: str, direction: str, key: Sequence[Any]) -> str:
    text = json.dumps({"t": resource_type, "d": direction,
                       "k": [value.isoformat() if isinstance(value, dt.date) else value for value in key]})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(resource_type: str, cursor: str) -> tuple[str, list[Any]]:
    """A cursor this server gave for this resource type, as (direction, key); Invalid for anything else."""
    order = ORDERS[resource_type]
    extra = 1 if resource_type == "Observation" else 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if data["t"] != resource_type or data["d"] not in ("next", "previous") \
                or len(data["k"]) != len(order) + extra:
            raise ValueError(cursor)
        key = [parse(str(text)) for (_column, _desc, parse), text in zip(order, data["k"], strict=False)]
        key += [int(value) for value in data["k"][len(order):]]
    except (ValueError, TypeError, KeyError, binascii.Error, OverflowError, UnicodeDecodeError) as exc:
        raise Invalid(_("_cursor is not one this server gave; follow the Bundle's links."),
                      field="_cursor") from exc
    if any((isinstance(value, dt.datetime) and value.tzinfo is None)
           or (isinstance(value, int) and not -1 <= value < 2**63) for value in key):
        raise Invalid(_("_cursor is not one this server gave; follow the Bundle's links."), field="_cursor")
    return str(data["d"]), key


def _beyond(order: Sequence[Column], key: Sequence[Any], forward: bool, inclusive: bool = False) -> Q:
    """Rows strictly after ``key`` in ``order`` (before it when not ``forward``), and the key's own row when
    ``inclusive``."""
    condition = Q()
    equal: dict[str, Any] = {}
    for (column, descending, _parse), value in zip(order, key, strict=False):
        lookup = "lt" if descending == forward else "gt"
        condition |= Q(**equal, **{f"{column}__{lookup}": value})
        equal[column] = value
    return condition | Q(**equal) if inclusive else condition


def _ordering(order: Sequence[Column], forward: bool) -> list[str]:
    return [f"-{column}" if descending == forward else column for column, descending, _parse in order]


def _row_page(resource_type: str, rows: QuerySet[Any], count: int,
              cursor: tuple[str, list[Any]] | None) -> tuple[list[Any], str, str]:
    """One page of rows in the type's order, and the cursors of the pages after and before it."""
    order = ORDERS[resource_type]
    forward = cursor is None or cursor[0] == "next"
    if cursor is not None:
        rows = rows.filter(_beyond(order, cursor[1], forward))
    found = list(rows.order_by(*_ordering(order, forward))[:count + 1])
    more = len(found) > count
    page = found[:count] if forward else found[:count][::-1]
    if not page or count == 0:
        return page, "", ""

    def key(row: Any) -> list[Any]:
        return [getattr(row, column) for column, _desc, _parse in order]

    after = _encode(resource_type, "next", key(page[-1])) if (more or not forward) else ""
    before = _encode(resource_type, "previous", key(page[0])) if (cursor is not None if forward else more) else ""
    return page, after, before


def _observation_page(rows: QuerySet[Any], kind: str | None, count: int,
                      cursor: tuple[str, list[Any]] | None) -> tuple[list[tuple[dict[str, Any], int]], str, str]:
    """One page of Observations: diary entries read in key order, each expanded into its readings."""
    order = ORDERS["Observation"]
    forward = cursor is None or cursor[0] == "next"
    start: list[Any] = cursor[1] if cursor else []
    if cursor is not None:
        rows = rows.filter(_beyond(order, start[:2], forward, inclusive=True))
    rows = rows.order_by(*_ordering(order, forward))
    found: list[tuple[list[Any], dict[str, Any], int]] = []
    scanned, resume = 0, None
    while len(found) <= count and scanned < SCAN_LIMIT:
        batch = list(rows[scanned:scanned + SCAN_BATCH])
        for entry in batch:
            scanned += 1
            resources = fhir.observations(entry)
            for resource in resources if forward else resources[::-1]:
                prefix = resource["id"].partition("-")[0]
                position = KIND_ORDER[prefix]
                if start and [entry.measured_at, entry.pk] == start[:2] \
                        and (position <= start[2] if forward else position >= start[2]):
                    continue
                if kind is None or prefix == kind:
                    found.append(([entry.measured_at, entry.pk, position], resource, entry.person_id))
            # Where to go on from if the scan stops here: past every reading of this entry.
            resume = [entry.measured_at, entry.pk, len(KIND_ORDER) if forward else -1]
            if len(found) > count:
                break
        if len(batch) < SCAN_BATCH:
            resume = None if len(found) <= count else resume
            break
    more = len(found) > count or resume is not None
    page = found[:count]
    continue_at = page[-1][0] if len(found) > count else resume
    if not forward:
        page.reverse()
    results = [(resource, person) for _key, resource, person in page]
    if count == 0 or (not page and not more):
        return results, "", ""
    if forward:
        after = _encode("Observation", "next", continue_at) if more and continue_at else ""
        before = _encode("Observation", "previous", page[0][0]) if cursor is not None and page else ""
    else:
        after = _encode("Observation", "next", page[-1][0]) if page else ""
        before = _encode("Observation", "previous", continue_at) if more and continue_at else ""
    return results, after, before


# Searches ------------------------------------------------------------------------------------------------


def _patient_id(value: str) -> int:
    pk = value.removeprefix("Patient/")
    if not pk.isdigit() or len(pk) > 18:
        raise Invalid(_("patient must be a Patient id."), field="patient")
    return int(pk)


DATE_PREFIXES = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}


def _date_filter(values: list[str], column: str) -> Q:
    condition = Q()
    for value in values:
        prefix, text = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError as exc:
            raise Invalid(_("date must look like 2026-03-01, optionally with ge, le, gt or lt before it."),
                          field="date") from exc
        condition &= Q(**{f"{column}{DATE_PREFIXES[prefix]}": day})
    return condition


def _identifier_filter(value: str) -> Q:
    """A token ``system|value`` on the stored source_ref (see ``fhir.identifier``); a bare value, any system."""
    if "|" in value:
        system, _sep, code = value.rpartition("|")
        return Q(source_ref=fhir.identifier_key(system, code))
    return Q(source_ref=value) | Q(source_ref__endswith=f"|{value}")


def _doctor_names(people: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for person_id in people:
        contract = queries.active_contract(Person(pk=person_id))
        if contract is not None:
            names[person_id] = str(contract.doctor)
    return names


def patient_resource(person: Person) -> dict[str, Any]:
    return fhir.patient(person, _doctor_names([person.pk]).get(person.pk))


def _count(params: Any) -> int:
    try:
        return max(min(int(params.get("_count", DEFAULT_COUNT)), MAX_COUNT), 0)
    except (ValueError, OverflowError) as exc:
        raise Invalid(_("_count must be a number."), field="_count") from exc


def search(resource_type: str, user: Any, params: Any) -> Page:
    """One page of the resources of ``resource_type`` the user may see that match ``params``."""
    count = _count(params)
    cursor = _decode(resource_type, params["_cursor"]) if params.get("_cursor") else None
    patient = params.get("patient") or params.get("subject")
    if resource_type == "Patient":
        people: QuerySet[Person] = queries.health_people(user)
        if params.get("_id"):
            people = people.filter(pk=_patient_id(params["_id"]))
        if params.get("name"):
            people = people.filter(name__startswith=params["name"])
        if params.get("birthdate"):
            people = people.filter(_date_filter(params.getlist("birthdate"), "birth_date"))
        if params.get("identifier"):
            system, _sep, value = params["identifier"].rpartition("|")
            if (system and system != fhir.ID_CARD_SYSTEM) or not value.strip():
                raise Invalid(_("Only resident ID numbers (%(system)s) can be searched.")
                              % {"system": fhir.ID_CARD_SYSTEM}, field="identifier")
            index = Person._meta.get_field("id_number_index").index_for(value)  # type: ignore[attr-defined]
            people = people.filter(id_number_index=index)
        persons, after, before = _row_page("Patient", people, count, cursor)
        doctors = _doctor_names([p.pk for p in persons])
        return Page([fhir.patient(p, doctors.get(p.pk)) for p in persons], [p.pk for p in persons],
                    people.count(), after, before)
    rows: QuerySet[Any]
    if resource_type == "Encounter":
        rows = queries.encounters(user)
        if params.get("date"):
            rows = rows.filter(_date_filter(params.getlist("date"), "occurred_on"))
    elif resource_type == "Condition":
        rows = queries.conditions(user)
        if params.get("code"):
            code = condition_for_icd10(params["code"].rpartition("|")[2])
            rows = rows.filter(code=code) if code else rows.none()
        if params.get("clinical-status"):
            wanted = params["clinical-status"].rpartition("|")[2]
            rows = rows.filter(status=ConditionStatus.MANAGED if wanted == "active" else ConditionStatus.CLOSED)
    else:
        rows = queries.diary(user)
        if params.get("date"):
            rows = rows.filter(_date_filter(params.getlist("date"), "measured_at__date"))
    if patient:
        rows = rows.filter(person_id=_patient_id(patient))
    if params.get("identifier") and resource_type in ("Encounter", "Observation"):
        rows = rows.filter(_identifier_filter(params["identifier"]))
    if resource_type == "Observation":
        wanted_code = params.get("code", "").rpartition("|")[2]
        if wanted_code and wanted_code not in fhir.OBSERVATION_KINDS:
            return Page([], [], 0)
        found, after, before = _observation_page(rows, fhir.OBSERVATION_KINDS.get(wanted_code), count, cursor)
        return Page([resource for resource, _person in found], [person for _resource, person in found], None,
                    after, before)
    page, after, before = _row_page(resource_type, rows, count, cursor)
    convert = fhir.encounter if resource_type == "Encounter" else fhir.condition
    return Page([convert(row) for row in page], [row.person_id for row in page], rows.count(), after, before)
