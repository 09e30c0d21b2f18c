"""HL7 FHIR R4 for health data: resources out of our rows, searches, and a Bundle parsed into imports.

Mapping (what a connected clinic or the district health platform sees):

- ``Patient``: a registry person the user may see health data of. Name, sex, birth date, active, and the
  family doctor as ``generalPractitioner``. The ID number is NOT sent (PIPL: minimum necessary); a client
  may send it to find a patient (``identifier`` search, Bundle import), matched through the blind index.
- ``Encounter``: 就诊, ambulatory, ``period.start`` = date, ``serviceProvider.display`` = facility,
  ``reasonCode.text``, ``diagnosis.condition.display`` (+ ICD-10 code in its identifier-free coding).
- ``Condition``: an entry of the chronic-disease registry, coded in ICD-10.
- ``Observation``: diary readings, LOINC-coded: 85354-9 blood pressure panel with components 8480-6
  (systolic) and 8462-4 (diastolic) in mm[Hg]; 29463-7 body weight in kg; blood glucose in mmol/L as
  15074-8 (Glucose [Moles/volume] in Blood). An import may also code glucose 2339-0 (the same test by
  mass); every imported quantity must carry a UCUM unit, which decides how it is converted (``ucum``), and a
  search for 2339-0 finds the glucose observations too. One diary entry is up to three Observations, ids
  ``bp-N``, ``glucose-N``, ``weight-N``. Height is not kept, so a height Observation is refused.

A Bundle entry is created conditionally (FHIR ``ifNoneExist``): its key is the ``ifNoneExist`` identifier,
else its own identifier (``system|value``), else :func:`content_key`; the key is stored as the row's
``source_ref`` (unique per source), so the same entry sent again finds the row it wrote.

Input is validated with ``fhir.resources`` (the R4B models, identical to R4 for every resource used here:
Bundle, Patient, Encounter, Condition, Observation, OperationOutcome).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from shequ.core import crypto
from shequ.core.errors import Invalid, NotFound
from shequ.health import ucum
from shequ.health.choices import ConditionStatus, condition_for_icd10
from shequ.health.models import ChronicCondition, DiaryEntry, Encounter
from shequ.population.models import Person

LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = ucum.UCUM
ID_CARD_SYSTEM = "urn:oid:2.16.156.10011.1.3"  # 居民身份证号码 in China's health information standards
SOURCE_SYSTEM = "urn:shequ:source-ref"
BP_PANEL, SYSTOLIC, DIASTOLIC = "85354-9", "8480-6", "8462-4"
GLUCOSE_MOLAR, GLUCOSE_MASS = "15074-8", "2339-0"
WEIGHT = "29463-7"
SUPPORTED = ("Patient", "Encounter", "Condition", "Observation")
# ICD-10's own titles for coding.display (a code system's display is not translated; ``text`` is).
ICD10_TITLES = {
    "I10": "Essential (primary) hypertension", "E11": "Type 2 diabetes mellitus", "F20": "Schizophrenia",
    "J44": "Other chronic obstructive pulmonary disease", "I25": "Chronic ischaemic heart disease",
    "I69": "Sequelae of cerebrovascular disease",
}


def reference(person_id: int) -> dict[str, str]:
    return {"reference": f"Patient/{person_id}"}


def _quantity(value: Decimal, unit: str, code: str) -> dict[str, Any]:
    return {"value": float(value), "unit": unit, "system": UCUM, "code": code}


def identifier(source: str, source_ref: str) -> dict[str, str]:
    """A stored source_ref as the FHIR identifier it came from (``system|value``), or in our own system."""
    system, bar, value = source_ref.partition("|")
    if bar and system and value:
        return {"system": system, "value": value}
    return {"system": f"{SOURCE_SYSTEM}:{source}", "value": source_ref}


def _coding(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": text or display}


# Resources out ----------------------------------------------------------------------------------------


def patient(person: Person, doctor_name: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient", "id": str(person.pk), "active": person.status == "active",
        "name": [{"text": person.name}], "gender": {"F": "female", "M": "male"}.get(person.sex, "unknown"),
        # The year only (a valid FHIR date): the display policy of docs/privacy.md, as on every page.
        "birthDate": crypto.mask_birth_date(person.birth_date),
    }
    if doctor_name:
        resource["generalPractitioner"] = [{"display": doctor_name}]
    return resource


def encounter(row: Encounter) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter", "id": str(row.pk), "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                  "display": "ambulatory"},
        "subject": reference(row.person_id), "period": {"start": row.occurred_on.isoformat()},
        "serviceProvider": {"display": row.facility},
    }
    if shown_identifier(row.source_ref):
        resource["identifier"] = [identifier(row.source, row.source_ref)]
    if row.reason:
        resource["reasonCode"] = [{"text": row.reason}]
    if row.diagnosis or row.diagnosis_code:
        resource["diagnosis"] = [{"condition": {"display": " ".join(filter(None, [row.diagnosis_code,
                                                                                   row.diagnosis]))}}]
    return resource


def condition(row: ChronicCondition) -> dict[str, Any]:
    active = row.status == ConditionStatus.MANAGED
    resource: dict[str, Any] = {
        "resourceType": "Condition", "id": str(row.pk),
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active" if active else "inactive"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                  "code": "problem-list-item"}]}],
        "code": _coding(ICD10, row.code, ICD10_TITLES.get(row.code, row.code), str(row.get_code_display())),
        "subject": reference(row.person_id), "recordedDate": row.registered_on.isoformat(),
    }
    if row.diagnosed_on:
        resource["onsetDateTime"] = row.diagnosed_on.isoformat()
    if row.closed_on:
        resource["abatementDateTime"] = row.closed_on.isoformat()
    return resource


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": code}]}]


def observations(entry: DiaryEntry) -> list[dict[str, Any]]:
    """The Observations of one diary entry (none for a note-only entry)."""
    common: dict[str, Any] = {"status": "final", "subject": reference(entry.person_id),
                              "effectiveDateTime": timezone.localtime(entry.measured_at).isoformat()}
    if shown_identifier(entry.source_ref):
        common["identifier"] = [identifier(entry.source, entry.source_ref)]
    found: list[dict[str, Any]] = []
    if entry.systolic is not None and entry.diastolic is not None:
        found.append({
            "resourceType": "Observation", "id": f"bp-{entry.pk}", **common, "category": _category("vital-signs"),
            "code": _coding(LOINC, BP_PANEL, "Blood pressure panel with all children optional"),
            "component": [
                {"code": _coding(LOINC, SYSTOLIC, "Systolic blood pressure"),
                 "valueQuantity": _quantity(entry.systolic, "mmHg", "mm[Hg]")},
                {"code": _coding(LOINC, DIASTOLIC, "Diastolic blood pressure"),
                 "valueQuantity": _quantity(entry.diastolic, "mmHg", "mm[Hg]")},
            ],
        })
    if entry.glucose is not None:
        found.append({
            "resourceType": "Observation", "id": f"glucose-{entry.pk}", **common, "category": _category("laboratory"),
            "code": _coding(LOINC, GLUCOSE_MOLAR, "Glucose [Moles/volume] in Blood"),
            "valueQuantity": _quantity(entry.glucose, "mmol/L", "mmol/L"),
        })
    if entry.weight is not None:
        found.append({
            "resourceType": "Observation", "id": f"weight-{entry.pk}", **common, "category": _category("vital-signs"),
            "code": _coding(LOINC, WEIGHT, "Body weight"),
            "valueQuantity": _quantity(entry.weight, "kg", "kg"),
        })
    return found


OBSERVATION_KINDS = {BP_PANEL: "bp", SYSTOLIC: "bp", DIASTOLIC: "bp", GLUCOSE_MOLAR: "glucose",
                     GLUCOSE_MASS: "glucose", WEIGHT: "weight"}


def outcome(message: str, code: str = "invalid", severity: str = "error",
            expression: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": message}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


# Bundle in --------------------------------------------------------------------------------------------


@dataclass
class ImportItem:
    """One entry of a Bundle, parsed: what to write, for whom (resolved later, in the actor's scope)."""

    index: int
    kind: str  # Patient, Encounter, Condition, Observation
    full_url: str = ""
    subject: str = ""  # "Patient/12" or a fullUrl in the Bundle
    id_number: str = ""  # a Patient entry's resident ID number
    patient_id: str = ""  # a Patient entry's own id (an existing registry person)
    values: dict[str, Any] = field(default_factory=dict)
    # What makes a re-sent entry the same one (its ``ifNoneExist``, else its identifier); without either,
    # :func:`content_key` stands in once the subject is known.
    key: str = ""


SOURCE_REF_LENGTH = 100  # Encounter.source_ref and DiaryEntry.source_ref


def _fit(key: str) -> str:
    return key if len(key) <= SOURCE_REF_LENGTH else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def identifier_key(system: str, value: str) -> str:
    """One identifier as a source_ref: ``system|value``, the FHIR token form, so two senders' visit numbers
    never collide (a bare value when the sender gives no system)."""
    return _fit(f"{system}|{value}" if system else value) if value else ""


def _entry_key(entry: dict[str, Any], resource: dict[str, Any], where: str) -> str:
    condition = (entry.get("request") or {}).get("ifNoneExist")
    if condition:
        pairs = parse_qsl(str(condition), keep_blank_values=True)
        system, _sep, value = pairs[0][1].rpartition("|") if len(pairs) == 1 else ("", "", "")
        if len(pairs) != 1 or pairs[0][0] != "identifier" or not value.strip():
            raise Invalid(_("ifNoneExist can only be identifier=system|value here."),
                          field=f"{where}.request.ifNoneExist")
        return identifier_key(system.strip(), value.strip())
    for identifier in resource.get("identifier") or []:
        if identifier.get("value"):
            return identifier_key(str(identifier.get("system") or "").strip(), str(identifier["value"]).strip())
    return ""


def _canonical(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def content_key(item: ImportItem, person_id: int) -> str:
    """The identity of an entry that carries no identifier: a hash of what it says and about whom.

    It is taken over the parsed values (a datetime in UTC, a number in the stored unit), not the JSON, so a
    retry that spells the same reading differently (``+08:00`` or ``Z``, 154 [lb_av] or 69.85 kg) is the same
    entry, and two bundles that both carry yesterday's reading write it once.
    """
    payload = json.dumps({"kind": item.kind, "patient": person_id, **item.values}, sort_keys=True,
                         default=_canonical)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


def shown_identifier(source_ref: str) -> bool:
    """Whether a stored source_ref is the sender's identifier (served back) rather than our content hash."""
    return bool(source_ref) and not source_ref.startswith("sha256:")


def _first_code(concept: dict[str, Any] | None, system: str) -> str:
    for coding in (concept or {}).get("coding", []):
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def _when(value: str | None, where: str) -> dt.datetime:
    parsed = parse_datetime(value or "") if value and "T" in value else None
    if parsed is None and value:
        day = parse_date(value[:10])
        if day is not None:
            parsed = dt.datetime.combine(day, dt.time(8, 0))
    if parsed is None:
        raise Invalid(_("%(where)s needs a date.") % {"where": where}, field=where)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _observation_values(resource: dict[str, Any], where: str) -> dict[str, Any]:
    """The diary readings of one Observation, each converted into the unit the diary keeps (``ucum``)."""
    code = _first_code(resource.get("code"), LOINC)
    kind = OBSERVATION_KINDS.get(code)
    if kind is None:
        raise Invalid(_("Only blood pressure, blood glucose and weight observations (LOINC %(codes)s) can be "
                        "imported.") % {"codes": ", ".join(sorted(OBSERVATION_KINDS))}, field=f"{where}.code")
    values: dict[str, Any] = {"measured_at": _when(resource.get("effectiveDateTime"), f"{where}.effectiveDateTime")}
    if kind == "bp":
        parts: dict[str, tuple[Any, str]] = {}
        for index, component in enumerate(resource.get("component") or []):
            parts[_first_code(component.get("code"), LOINC)] = (component.get("valueQuantity"),
                                                                 f"{where}.component[{index}].valueQuantity")
        if code in (SYSTOLIC, DIASTOLIC):
            parts[code] = (resource.get("valueQuantity"), f"{where}.valueQuantity")
        if SYSTOLIC not in parts or DIASTOLIC not in parts:
            raise Invalid(_("A blood pressure needs both the systolic (8480-6) and diastolic (8462-4) values."),
                          field=f"{where}.component")
        for reading, loinc in (("systolic", SYSTOLIC), ("diastolic", DIASTOLIC)):
            quantity, path = parts[loinc]
            values[reading] = ucum.to_stored(quantity, reading, path)
    else:
        # The unit, not the LOINC code, says how to read the number: 2339-0 (mass) sent in mmol/L is mmol/L.
        values[kind] = ucum.to_stored(resource.get("valueQuantity"), kind, f"{where}.valueQuantity")
    return values


def parse_entry(index: int, entry: dict[str, Any]) -> ImportItem:
    """One Bundle entry (already validated by fhir.resources) as an :class:`ImportItem`."""
    resource = entry.get("resource") or {}
    kind = resource.get("resourceType", "")
    where = f"Bundle.entry[{index}]"
    method = (entry.get("request") or {}).get("method", "POST")
    if kind not in SUPPORTED:
        raise Invalid(_("%(kind)s cannot be imported; send Patient, Encounter, Condition or Observation.")
                      % {"kind": kind or "?"}, field=where)
    if method != "POST":
        raise Invalid(_("Only POST (create) entries are supported."), field=f"{where}.request.method")
    item = ImportItem(index=index, kind=kind, full_url=entry.get("fullUrl", ""))
    if kind == "Patient":
        item.patient_id = str(resource.get("id", ""))
        for identifier in resource.get("identifier", []):
            if identifier.get("system") == ID_CARD_SYSTEM and identifier.get("value"):
                item.id_number = str(identifier["value"])
        if not item.id_number and not item.patient_id:
            raise Invalid(_("A Patient must carry a resident ID number (system %(system)s) to be matched.")
                          % {"system": ID_CARD_SYSTEM}, field=where)
        return item
    item.subject = str((resource.get("subject") or {}).get("reference", ""))
    if kind != "Condition":  # a Condition is matched on its patient and ICD-10 category, whatever it says
        item.key = _entry_key(entry, resource, where)
    if not item.subject:
        raise Invalid(_("The resource needs a subject (the Patient)."), field=f"{where}.resource.subject")
    if kind == "Encounter":
        period = resource.get("period") or {}
        facility = (resource.get("serviceProvider") or {}).get("display") or ""
        if not facility:
            facility = next((loc.get("location", {}).get("display", "") for loc in resource.get("location", [])), "")
        diagnosis = next((d.get("condition", {}).get("display", "") for d in resource.get("diagnosis", [])), "")
        item.values = {
            "occurred_on": _when(period.get("start"), f"{where}.resource.period.start").date(),
            "facility": facility,
            "reason": "; ".join(r.get("text", "") for r in resource.get("reasonCode", []) if r.get("text")),
            "diagnosis": diagnosis,
        }
    elif kind == "Condition":
        icd = _first_code(resource.get("code"), ICD10)
        code = condition_for_icd10(icd) if icd else None
        if code is None:
            raise Invalid(_("%(code)s is not a chronic condition the registry keeps (ICD-10 needed).")
                          % {"code": icd or "?"}, field=f"{where}.resource.code")
        onset = resource.get("onsetDateTime")
        item.values = {"code": code,
                       "diagnosed_on": _when(onset, f"{where}.resource.onsetDateTime").date() if onset else None}
    else:
        item.values = _observation_values(resource, f"{where}.resource")
    return item


def find_subject(item: ImportItem, patients: dict[str, Person], visible: Any) -> Person:
    """The registry person a resource is about: a Patient entry of the Bundle, or ``Patient/<id>``."""
    if item.subject in patients:
        return patients[item.subject]
    if item.subject.startswith("Patient/"):
        pk = item.subject.removeprefix("Patient/")
        found = visible.filter(pk=int(pk)).first() if pk.isdigit() and len(pk) <= 18 else None
        if found is not None:
            return found  # type: ignore[no-any-return]
    raise NotFound(_("Unknown patient %(ref)s.") % {"ref": item.subject})
