"""Every write to health data. Views, the FHIR import, the linkage app and the demo all call these.

Each public action takes keyword arguments and an ``actor``, runs in one transaction (``atomic``, not durable,
like the registry's actions: the demo builder, a FHIR transaction Bundle and a linkage batch compose several
actions into one all-or-nothing transaction; a text is queued in the outbox within it), writes its audit
entry (event names below; never a health value in the audit row, only which fields changed), and checks
that what it wrote is visible to the actor afterwards, else it rolls back with the NotFound a forbidden
read gets: a family doctor cannot write for someone she is not contracted with, a resident only for herself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, outbox
from shequ.core.errors import Conflict, DomainError, Invalid, NotFound
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible
from shequ.health import fhir, queries
from shequ.health.choices import (
    SCHEDULES,
    AlertStatus,
    ConditionCode,
    ConditionStatus,
    FollowUpMethod,
    FollowUpStatus,
    Source,
    WorkerKind,
    out_of_range,
)
from shequ.health.models import (
    Alert,
    ChronicCondition,
    DiaryEntry,
    Encounter,
    FamilyDoctorContract,
    FollowUp,
    HealthRecord,
    HealthRecordVersion,
    HealthWorker,
)
from shequ.population.models import Person

WORKER_ASSIGNED = "health.worker_assigned"
RECORD_OPENED = "health.record_opened"
RECORD_AMENDED = "health.record_amended"
CONDITION_REGISTERED = "health.condition_registered"
CONDITION_CLOSED = "health.condition_closed"
FOLLOW_UP_SCHEDULED = "health.follow_up_scheduled"
FOLLOW_UP_RECORDED = "health.follow_up_recorded"
CONTRACT_SIGNED = "health.contract_signed"
CONTRACT_TERMINATED = "health.contract_terminated"
ENCOUNTER_RECORDED = "health.encounter_recorded"
ENCOUNTER_WITHDRAWN = "health.encounter_withdrawn"
DIARY_ENTRY_RECORDED = "health.diary_entry_recorded"
ALERT_RAISED = "health.alert_raised"
ALERT_HANDLED = "health.alert_handled"

ALERT_SMS = gettext_lazy("Shequ: a reading of one of your patients needs attention. See your worklist.")
CONTRACT_YEARS = 1  # family-doctor contracts in Shanghai run a year and are renewed


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def _ensure_visible(actor: User, obj: Any, action: str = "view") -> None:
    """After a write: the actor must be able to see what she wrote, or the whole write is undone."""
    get_visible(type(obj)._default_manager.all(), actor, action, pk=obj.pk)


def _subdistrict(person: Person) -> int:
    return person.subdistrict_id


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# Health workers ---------------------------------------------------------------------------------------


@transaction.atomic
def assign_health_worker(*, actor: User, user: User, kind: str, team: str = "") -> HealthWorker:
    """Say whether a HEALTH-role user is a family doctor or health-centre staff (this sets what she sees)."""
    _require(actor, HealthWorker, "change")
    if user.role != Role.HEALTH:
        raise Invalid(_("Only a health worker can be given a place in the health centre."), field="user")
    if kind not in WorkerKind.values:
        raise Invalid(_("Unknown kind of health worker."), field="kind")
    worker, created = HealthWorker.objects.update_or_create(user=user, defaults={"kind": kind, "team": team.strip()})
    _ensure_visible(actor, worker, "change")
    audit.record(actor=actor, event=WORKER_ASSIGNED, obj=worker, after={"kind": kind, "team": worker.team,
                                                                          "created": created},
                 category=audit.GENERAL)  # who works where, not health data: the administrators see it
    return worker


# Health records ---------------------------------------------------------------------------------------


def _content(values: dict[str, Any]) -> dict[str, str]:
    unknown = set(values) - set(HealthRecordVersion.CONTENT_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    return {key: str(value or "").strip() for key, value in values.items()}


@transaction.atomic
def open_health_record(*, actor: User, person: Person, opened_on: dt.date | None = None,
                       **content: str) -> HealthRecord:
    """健康档案: open a person's record with its first version (blood type, allergies, histories, note)."""
    _require(actor, HealthRecord, "add")
    if HealthRecord.objects.filter(person=person).exists():
        raise Conflict(_("This person already has a health record."))
    record = HealthRecord.objects.create(person=person, opened_on=opened_on or timezone.localdate(),
                                         opened_by=actor)
    HealthRecordVersion.objects.create(record=record, number=1, recorded_by=actor, reason=_("Opened"),
                                       **_content(content))
    _ensure_visible(actor, record, "add")
    audit.record(actor=actor, event=RECORD_OPENED, obj=record, after={"person": person.pk, "version": 1},
                 subdistrict_id=_subdistrict(person))
    return record


@transaction.atomic
def amend_health_record(*, actor: User, record: HealthRecord, reason: str, **content: str) -> HealthRecordVersion:
    """A new version of the record: the fields given change, the others carry over. The old one stays."""
    record = get_visible(HealthRecord.objects.select_for_update(), actor, "change", pk=record.pk)
    if not reason.strip():
        raise Invalid(_("Say why the record changes."), field="reason")
    current = record.versions.order_by("-number").first()
    values = {name: getattr(current, name) if current else "" for name in HealthRecordVersion.CONTENT_FIELDS}
    new = _content(content)
    changed = sorted(name for name, value in new.items() if values[name] != value)
    if not changed:
        raise Invalid(_("Nothing changed."))
    values.update(new)
    version = HealthRecordVersion.objects.create(
        record=record, number=(current.number if current else 0) + 1, recorded_by=actor, reason=reason.strip(),
        **values,
    )
    audit.record(actor=actor, event=RECORD_AMENDED, obj=record, after={"version": version.number,
                                                                         "fields": changed},
                 reason=reason.strip(), subdistrict_id=_subdistrict(record.person))
    return version


# Chronic conditions and follow-ups -------------------------------------------------------------------


def _schedule(*, actor: User | None, condition: ChronicCondition, due_on: dt.date) -> FollowUp:
    follow_up = FollowUp.objects.create(condition=condition, person=condition.person, due_on=due_on)
    audit.record(actor=actor, event=FOLLOW_UP_SCHEDULED, obj=follow_up,
                 after={"condition": condition.code, "due_on": due_on}, subdistrict_id=_subdistrict(condition.person))
    return follow_up


def _register_condition(*, actor: User, person: Person, code: str, diagnosed_on: dt.date | None,
                        registered_on: dt.date | None, note: str) -> ChronicCondition:
    _require(actor, ChronicCondition, "add")
    if code not in ConditionCode.values:
        raise Invalid(_("Unknown condition."), field="code")
    registered_on = registered_on or timezone.localdate()
    if diagnosed_on and diagnosed_on > registered_on:
        raise Invalid(_("The diagnosis cannot be after the registration."), field="diagnosed_on")
    schedule = SCHEDULES.get(code)
    try:
        with transaction.atomic():
            condition = ChronicCondition.objects.create(
                person=person, code=code, diagnosed_on=diagnosed_on, registered_on=registered_on, note=note.strip(),
                visits_per_year=schedule.visits_per_year if schedule else 0, registered_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("This person is already registered for this condition.")) from exc
    _ensure_visible(actor, condition, "add")
    audit.record(actor=actor, event=CONDITION_REGISTERED, obj=condition,
                 after={"person": person.pk, "code": code, "visits_per_year": condition.visits_per_year},
                 subdistrict_id=_subdistrict(person))
    if schedule:
        _schedule(actor=actor, condition=condition, due_on=add_months(registered_on, schedule.interval_months))
    return condition


@transaction.atomic
def register_condition(*, actor: User, person: Person, code: str, diagnosed_on: dt.date | None = None,
                       registered_on: dt.date | None = None, note: str = "") -> ChronicCondition:
    """Put a person on the chronic-disease registry; a condition the national service schedules
    (hypertension, type 2 diabetes, severe mental disorder: quarterly) gets its first follow-up due one
    interval after registration."""
    return _register_condition(actor=actor, person=person, code=code, diagnosed_on=diagnosed_on,
                               registered_on=registered_on, note=note)


@transaction.atomic
def close_condition(*, actor: User, condition: ChronicCondition, closed_on: dt.date | None = None,
                    reason: str) -> ChronicCondition:
    """Take a person off the registry for a condition (moved away, died, diagnosis revised)."""
    condition = get_visible(ChronicCondition.objects.select_for_update(), actor, "change", pk=condition.pk)
    if condition.status != ConditionStatus.MANAGED:
        raise Conflict(_("This condition is already closed."))
    if not reason.strip():
        raise Invalid(_("Say why the condition is closed."), field="reason")
    condition.status, condition.closed_on = ConditionStatus.CLOSED, closed_on or timezone.localdate()
    condition.save(update_fields=["status", "closed_on"])
    cancelled = FollowUp.objects.filter(condition=condition, status=FollowUpStatus.SCHEDULED)
    for follow_up in cancelled:
        follow_up.status = FollowUpStatus.CANCELLED
        follow_up.save(update_fields=["status"])
    audit.record(actor=actor, event=CONDITION_CLOSED, obj=condition, before={"status": ConditionStatus.MANAGED},
                 after={"status": condition.status, "closed_on": condition.closed_on}, reason=reason.strip(),
                 subdistrict_id=_subdistrict(condition.person))
    return condition


def uncontrolled(code: str, *, systolic: Decimal | None, diastolic: Decimal | None,
                 glucose: Decimal | None) -> bool:
    """Whether a follow-up's readings show the condition not under control (recall within two weeks)."""
    from shequ.health import choices

    if code == ConditionCode.HYPERTENSION:
        return bool((systolic is not None and systolic >= choices.SYSTOLIC_CONTROLLED)
                    or (diastolic is not None and diastolic >= choices.DIASTOLIC_CONTROLLED))
    if code == ConditionCode.TYPE2_DIABETES:
        return glucose is not None and glucose >= choices.FASTING_GLUCOSE_CONTROLLED
    return False


@transaction.atomic
def record_follow_up(
    *,
    actor: User,
    follow_up: FollowUp,
    done_on: dt.date | None = None,
    method: str = FollowUpMethod.CLINIC,
    systolic: Decimal | int | None = None,
    diastolic: Decimal | int | None = None,
    glucose: Decimal | None = None,
    weight: Decimal | None = None,
    findings: str = "",
) -> FollowUp | None:
    """Mark a follow-up done and schedule the next one; returns the next (None when none is scheduled).

    The next is due one schedule interval after this one (three months for a quarterly condition), or in
    two weeks when the readings show the condition is not under control, as the national service asks.
    """
    follow_up = get_visible(FollowUp.objects.select_for_update().select_related("condition", "person"),
                            actor, "change", pk=follow_up.pk)
    if follow_up.status != FollowUpStatus.SCHEDULED:
        raise Conflict(_("This follow-up is not open."))
    if method not in FollowUpMethod.values:
        raise Invalid(_("Unknown follow-up method."), field="method")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise Invalid(_("A follow-up cannot be recorded in the future."), field="done_on")
    values = {"systolic": systolic, "diastolic": diastolic, "glucose": glucose, "weight": weight}
    numbers = {key: Decimal(str(value)) if value is not None else None for key, value in values.items()}
    follow_up.status, follow_up.done_on, follow_up.method = FollowUpStatus.DONE, done_on, method
    follow_up.findings, follow_up.done_by = findings.strip(), actor
    for key, value in numbers.items():
        setattr(follow_up, key, value)
    follow_up.save()
    audit.record(actor=actor, event=FOLLOW_UP_RECORDED, obj=follow_up,
                 after={"done_on": done_on, "method": method,
                        "fields": sorted(key for key, value in numbers.items() if value is not None)},
                 subdistrict_id=_subdistrict(follow_up.person))
    condition = follow_up.condition
    schedule = SCHEDULES.get(condition.code)
    if schedule is None or condition.status != ConditionStatus.MANAGED:
        return None
    if uncontrolled(condition.code, systolic=numbers["systolic"], diastolic=numbers["diastolic"],
                    glucose=numbers["glucose"]):
        due_on = done_on + dt.timedelta(days=schedule.uncontrolled_recall_days)
    else:
        due_on = add_months(done_on, schedule.interval_months)
    return _schedule(actor=actor, condition=condition, due_on=due_on)


# Family-doctor contracts -----------------------------------------------------------------------------


@transaction.atomic
def sign_contract(*, actor: User, person: Person, doctor: User, started_on: dt.date | None = None,
                  ends_on: dt.date | None = None, team: str = "") -> FamilyDoctorContract:
    """家庭医生签约: the person signs with ``doctor`` (a HEALTH user) from ``started_on`` for a year by default."""
    _require(actor, FamilyDoctorContract, "add")
    if doctor.role != Role.HEALTH or not doctor.is_active:
        raise Invalid(_("A family doctor must be an active health worker."), field="doctor")
    started_on = started_on or timezone.localdate()
    ends_on = ends_on or add_months(started_on, 12 * CONTRACT_YEARS)
    if ends_on <= started_on:
        raise Invalid(_("The contract must end after it starts."), field="ends_on")
    overlapping = FamilyDoctorContract.objects.select_for_update().filter(
        person=person, started_on__lt=ends_on, ends_on__gt=started_on, terminated_on__isnull=True)
    if overlapping.exists():
        raise Conflict(_("This person already has a family doctor for that period."))
    if not team:
        worker = HealthWorker.objects.filter(user=doctor).first()
        team = worker.team if worker else ""
    contract = FamilyDoctorContract.objects.create(person=person, doctor=doctor, team=team.strip(),
                                                   started_on=started_on, ends_on=ends_on, signed_by=actor)
    if started_on <= timezone.localdate():
        _ensure_visible(actor, contract, "add")
    audit.record(actor=actor, event=CONTRACT_SIGNED, obj=contract,
                 after={"person": person.pk, "doctor": doctor.pk, "started_on": started_on, "ends_on": ends_on},
                 subdistrict_id=_subdistrict(person))
    return contract


@transaction.atomic
def terminate_contract(*, actor: User, contract: FamilyDoctorContract, terminated_on: dt.date | None = None,
                       reason: str) -> FamilyDoctorContract:
    contract = get_visible(FamilyDoctorContract.objects.select_for_update(), actor, "change", pk=contract.pk)
    if contract.terminated_on:
        raise Conflict(_("This contract is already terminated."))
    if not reason.strip():
        raise Invalid(_("Say why the contract ends."), field="reason")
    contract.terminated_on = terminated_on or timezone.localdate()
    if contract.terminated_on < contract.started_on:
        raise Invalid(_("A contract cannot end before it starts."), field="terminated_on")
    contract.save(update_fields=["terminated_on"])
    audit.record(actor=actor, event=CONTRACT_TERMINATED, obj=contract, after={"terminated_on": contract.terminated_on},
                 reason=reason.strip(), subdistrict_id=_subdistrict(contract.person))
    return contract


# Encounters -------------------------------------------------------------------------------------------


@transaction.atomic
def record_encounter(
    *,
    actor: User,
    person: Person,
    occurred_on: dt.date,
    facility: str,
    reason: str = "",
    diagnosis: str = "",
    diagnosis_code: str = "",
    source: str = Source.STAFF,
    source_ref: str = "",
) -> Encounter:
    """就诊: one visit of ``person`` to ``facility`` on ``occurred_on``.

    This is the entry point for linked clinic records too (the ``linkage`` app calls it once it has found
    the registry person): pass ``source=Source.IMPORT`` and the clinic system's own visit id as
    ``source_ref``; a second call with the same ``(source, source_ref)`` returns the stored encounter
    instead of doubling it, so an import can be re-run. Like every action here it joins a surrounding
    transaction, so a linkage batch or a FHIR transaction can write many encounters all or nothing.
    Raises NotFound if the actor may not write health data for this person, Invalid on bad input.
    """
    return _record_encounter(actor=actor, person=person, occurred_on=occurred_on, facility=facility, reason=reason,
                             diagnosis=diagnosis, diagnosis_code=diagnosis_code, source=source,
                             source_ref=source_ref)[0]


def _same_source(actor: User, person: Person, rows: QuerySet[Any], taken: str) -> Any:
    """The row already stored for a ``(source, source_ref)`` (``rows``), if any: the same record sent again.
    ``taken`` is the message when it is stored for someone else."""
    existing = rows.first()
    if existing is not None:
        if existing.person_id != person.pk:
            raise Conflict(taken, field="source_ref")
        _ensure_visible(actor, existing)
    return existing


def _same_encounter(actor: User, person: Person, source: str, source_ref: str) -> Encounter | None:
    rows = Encounter.objects.filter(source=source, source_ref=source_ref, withdrawn_at__isnull=True)
    found: Encounter | None = _same_source(actor, person, rows, _("This visit is already recorded for someone else."))
    return found


def _same_reading(actor: User, person: Person, source: str, source_ref: str) -> DiaryEntry | None:
    rows = DiaryEntry.objects.filter(source=source, source_ref=source_ref)
    found: DiaryEntry | None = _same_source(actor, person, rows,
                                            _("This reading is already recorded for someone else."))
    return found


def _record_encounter(*, actor: User, person: Person, occurred_on: dt.date, facility: str, reason: str,
                      diagnosis: str, diagnosis_code: str, source: str, source_ref: str) -> tuple[Encounter, bool]:
    """The encounter, and whether it was written now (False: the same ``source_ref`` was already stored)."""
    _require(actor, Encounter, "add")
    facility = facility.strip()
    if not facility:
        raise Invalid(_("Say where the visit was."), field="facility")
    if source not in Source.values:
        raise Invalid(_("Unknown source."), field="source")
    if occurred_on > timezone.localdate():
        raise Invalid(_("A visit cannot be in the future."), field="occurred_on")
    source_ref = source_ref.strip()
    if source_ref and (existing := _same_encounter(actor, person, source, source_ref)) is not None:
        return existing, False
    try:
        with transaction.atomic():
            encounter = Encounter.objects.create(
                person=person, occurred_on=occurred_on, facility=facility[:100], reason=reason.strip(),
                diagnosis=diagnosis.strip(), diagnosis_code=diagnosis_code.strip().upper(), source=source,
                source_ref=source_ref, recorded_by=actor,
            )
    except IntegrityError:
        # Another transaction stored the same source_ref between the look-up and the insert, and has committed.
        if source_ref and (existing := _same_encounter(actor, person, source, source_ref)) is not None:
            return existing, False
        raise
    _ensure_visible(actor, encounter, "add")
    audit.record(actor=actor, event=ENCOUNTER_RECORDED, obj=encounter,
                 after={"person": person.pk, "occurred_on": occurred_on, "facility": encounter.facility,
                        "source": source, "source_ref": source_ref},
                 subdistrict_id=_subdistrict(person))
    return encounter, True


@transaction.atomic
def withdraw_encounter(*, actor: User, source: str, source_ref: str, reason: str) -> Encounter | None:
    """Take an imported visit off the person it was recorded for (the linkage app calls this on an un-merge).

    The row is kept, marked withdrawn with who, when and why, and no longer shown or served; the same
    ``(source, source_ref)`` can then be recorded again for the right person. Returns None when no such visit
    is on record (the link never produced one), so an un-merge need not know whether it did.
    """
    _require(actor, Encounter, "change")
    if not reason.strip():
        raise Invalid(_("Say why the record is not this person."), field="reason")
    source_ref = source_ref.strip()
    if not source_ref:
        return None
    encounter = Encounter.objects.select_for_update().filter(
        source=source, source_ref=source_ref, withdrawn_at__isnull=True).first()
    if encounter is None:
        return None
    _ensure_visible(actor, encounter, "change")
    encounter.withdrawn_at, encounter.withdrawn_by = timezone.now(), actor
    encounter.withdrawn_reason = reason.strip()[:200]
    encounter.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    audit.record(actor=actor, event=ENCOUNTER_WITHDRAWN, obj=encounter,
                 before={"person": encounter.person_id, "source": source, "source_ref": source_ref},
                 after={"withdrawn": True}, reason=encounter.withdrawn_reason,
                 subdistrict_id=_subdistrict(encounter.person))
    return encounter


# Diary and alerts -------------------------------------------------------------------------------------


def _reading(value: Any, field: str, low: Decimal, high: Decimal) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise Invalid(_("Not a number."), field=field) from exc
    if not number.is_finite() or not low <= number <= high:
        raise Invalid(_("%(value)s is not a possible reading.") % {"value": value}, field=field)
    return number


# Bounds of what a person can possibly measure: outside them the entry is a typing mistake, not an alert.
PLAUSIBLE = {
    "systolic": (Decimal(40), Decimal(300)),
    "diastolic": (Decimal(20), Decimal(200)),
    "glucose": (Decimal("0.5"), Decimal(50)),
    "weight": (Decimal(2), Decimal(400)),
}


def _record_diary_entry(*, actor: User, person: Person, measured_at: dt.datetime | None, systolic: Any,
                        diastolic: Any, glucose: Any, weight: Any, note: str, source: str,
                        source_ref: str = "") -> tuple[DiaryEntry, bool]:
    """The entry, and whether it was written now (False: the same ``source_ref`` was already stored, so no
    second entry and no second alert)."""
    _require(actor, DiaryEntry, "add")
    readings = {name: _reading(value, name, *PLAUSIBLE[name]) for name, value in
                {"systolic": systolic, "diastolic": diastolic, "glucose": glucose, "weight": weight}.items()}
    if (readings["systolic"] is None) != (readings["diastolic"] is None):
        raise Invalid(_("Blood pressure needs both numbers."), field="systolic")
    if readings["systolic"] is not None and readings["diastolic"] is not None \
            and readings["diastolic"] >= readings["systolic"]:
        raise Invalid(_("The lower number must be below the upper number."), field="diastolic")
    if all(value is None for value in readings.values()) and not note.strip():
        raise Invalid(_("Write down at least one reading or a note."))
    measured_at = measured_at or timezone.now()
    if measured_at > timezone.now() + dt.timedelta(minutes=5):
        raise Invalid(_("A reading cannot be in the future."), field="measured_at")
    if source_ref and (existing := _same_reading(actor, person, source, source_ref)) is not None:
        return existing, False
    try:
        with transaction.atomic():
            entry = DiaryEntry.objects.create(person=person, measured_at=measured_at, note=note.strip(),
                                              source=source, source_ref=source_ref, recorded_by=actor, **readings)
    except IntegrityError:
        if source_ref and (existing := _same_reading(actor, person, source, source_ref)) is not None:
            return existing, False
        raise
    _ensure_visible(actor, entry, "add")
    audit.record(actor=actor, event=DIARY_ENTRY_RECORDED, obj=entry,
                 after={"person": person.pk, "source": source,
                        "fields": sorted(key for key, value in readings.items() if value is not None)},
                 subdistrict_id=_subdistrict(person))
    _raise_alerts(actor=actor, entry=entry)
    return entry, True


def _raise_alerts(*, actor: User, entry: DiaryEntry) -> list[Alert]:
    kinds = out_of_range(
        systolic=int(entry.systolic) if entry.systolic is not None else None,
        diastolic=int(entry.diastolic) if entry.diastolic is not None else None,
        glucose=entry.glucose,
    )
    if not kinds:
        return []
    contract = queries.active_contract(entry.person)
    doctor = contract.doctor if contract else None
    raised = []
    for kind in kinds:
        alert = Alert.objects.create(person=entry.person, kind=kind, diary_entry=entry, doctor=doctor)
        audit.record(actor=actor, event=ALERT_RAISED, obj=alert, after={"kind": kind, "doctor": doctor.pk if doctor
                                                                          else None},
                     subdistrict_id=_subdistrict(entry.person))
        raised.append(alert)
    if doctor is not None and doctor.phone:
        # The text names no value and no condition: an SMS is not a safe place for health data.
        outbox.enqueue(channel="sms", to=doctor.phone, text=str(ALERT_SMS), event=ALERT_RAISED, obj=raised[0],
                       subdistrict_id=_subdistrict(entry.person))
    return raised


@transaction.atomic
def record_diary_entry(
    *,
    actor: User,
    person: Person,
    measured_at: dt.datetime | None = None,
    systolic: Decimal | int | None = None,
    diastolic: Decimal | int | None = None,
    glucose: Decimal | None = None,
    weight: Decimal | None = None,
    note: str = "",
) -> DiaryEntry:
    """健康日志: a resident (for herself) or a health worker writes down readings. A reading beyond the
    referral thresholds (``choices.out_of_range``) raises an alert on her family doctor's worklist."""
    source = Source.RESIDENT if actor.role == Role.RESIDENT else Source.STAFF
    return _record_diary_entry(actor=actor, person=person, measured_at=measured_at, systolic=systolic,
                               diastolic=diastolic, glucose=glucose, weight=weight, note=note, source=source)[0]


@transaction.atomic
def handle_alert(*, actor: User, alert: Alert, note: str) -> Alert:
    """The doctor has acted on an alert (called the resident, arranged a visit): it leaves the worklist."""
    alert = get_visible(Alert.objects.select_for_update(), actor, "change", pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise Conflict(_("This alert is already handled."))
    if not note.strip():
        raise Invalid(_("Say what was done."), field="note")
    alert.status, alert.handled_at, alert.handled_by = AlertStatus.HANDLED, timezone.now(), actor
    alert.handled_note = note.strip()
    alert.save(update_fields=["status", "handled_at", "handled_by", "handled_note"])
    audit.record(actor=actor, event=ALERT_HANDLED, obj=alert, before={"status": AlertStatus.OPEN},
                 after={"status": AlertStatus.HANDLED}, subdistrict_id=_subdistrict(alert.person))
    return alert


# FHIR Bundle import -----------------------------------------------------------------------------------

BUNDLE_IMPORTED = "health.bundle_imported"


@dataclass
class EntryResult:
    """What became of one Bundle entry: an HTTP status, where the resource now lives, or the error."""

    index: int
    status: int
    location: str = ""
    error: DomainError | None = None


def _match_patient(actor: User, item: fhir.ImportItem, patients: dict[str, Person]) -> EntryResult:
    from shequ.population import queries as population_queries

    if item.id_number:
        person = population_queries.search_people(actor, item.id_number, status="").first()
    else:
        person = population_queries.people(actor).filter(
            pk=int(item.patient_id) if item.patient_id.isdigit() and len(item.patient_id) <= 18 else 0).first()
    if person is None:
        # The registry is kept by the population app; unmatched clinic records go to linkage, not here.
        raise NotFound(_("No registry person matches this Patient."))
    _ensure_visible(actor, person)
    if item.full_url:
        patients[item.full_url] = person
    return EntryResult(item.index, 200, f"Patient/{person.pk}")


def _managed_condition(actor: User, person: Person, code: str) -> ChronicCondition | None:
    existing = ChronicCondition.objects.filter(person=person, code=code, status=ConditionStatus.MANAGED).first()
    if existing is not None:
        _ensure_visible(actor, existing)
    return existing


def _write_item(actor: User, item: fhir.ImportItem, person: Person, key: str) -> EntryResult:
    """Create one entry's row unless it is already there (FHIR conditional create): 201, or 200 and the same
    location as the first time."""
    if item.kind == "Encounter":
        encounter, created = _record_encounter(actor=actor, person=person, source=Source.IMPORT, source_ref=key,
                                               diagnosis_code="", **item.values)
        return EntryResult(item.index, 201 if created else 200, f"Encounter/{encounter.pk}")
    if item.kind == "Condition":
        code = item.values["code"]
        existing = _managed_condition(actor, person, code)
        if existing is None:
            try:
                condition = _register_condition(actor=actor, person=person, code=code,
                                                diagnosed_on=item.values["diagnosed_on"], registered_on=None, note="")
                return EntryResult(item.index, 201, f"Condition/{condition.pk}")
            except Conflict:
                # A concurrent import registered it first (the one-managed-per-code constraint) and committed.
                existing = _managed_condition(actor, person, code)
                if existing is None:
                    raise
        return EntryResult(item.index, 200, f"Condition/{existing.pk}")
    values = {"systolic": None, "diastolic": None, "glucose": None, "weight": None, **item.values}
    entry, created = _record_diary_entry(actor=actor, person=person, note="", source=Source.IMPORT,
                                         source_ref=key, **values)
    return EntryResult(item.index, 201 if created else 200,
                       f"Observation/{next(iter(fhir.observations(entry)))['id']}")


@transaction.atomic
def import_bundle(*, actor: User, items: list[fhir.ImportItem], all_or_nothing: bool) -> list[EntryResult]:
    """Write the entries of a FHIR Bundle: a ``transaction`` (``all_or_nothing``) stops and undoes everything
    at the first failing entry (its error is raised); a ``batch`` keeps going and reports each entry.

    Patients are matched to registry persons (by resident ID number or id), never created. Every other entry
    is a conditional create: its key (``ifNoneExist``, else its identifier, else a hash of its content and
    patient; a Condition: patient and ICD-10 category) finds the row a previous send wrote, and a unique
    constraint stops two concurrent sends from both writing it, so sending the same Bundle again, or two
    at once, answers with the same locations and writes nothing twice. Each entry is written by the same
    action a page would call, with its own audit row; one more row sums up the import.
    """
    from shequ.population import queries as population_queries

    patients: dict[str, Person] = {}
    results: list[EntryResult] = []
    pending: list[tuple[str, fhir.ImportItem, Person, str]] = []

    def failed(item: fhir.ImportItem, error: DomainError) -> None:
        if all_or_nothing:
            error.field = error.field or f"Bundle.entry[{item.index}]"
            raise error
        results.append(EntryResult(item.index, error.status_code, error=error))

    # Patients first, so that an entry may name a Patient that comes later in the Bundle.
    for item in sorted(items, key=lambda i: (i.kind != "Patient", i.index)):
        try:
            if item.kind == "Patient":
                results.append(_match_patient(actor, item, patients))
                continue
            person = fhir.find_subject(item, patients, population_queries.people(actor))
        except DomainError as error:
            failed(item, error)
            continue
        key = item.key or fhir.content_key(item, person.pk)
        order = f"Condition|{person.pk}|{item.values['code']}" if item.kind == "Condition" else f"{item.kind}|{key}"
        pending.append((order, item, person, key))
    # Written in the order of their keys: two imports sharing entries then insert them in the same order and
    # wait on each other's unique-index entries one by one, instead of each holding one the other needs.
    for _order, item, person, key in sorted(pending, key=lambda p: (p[0], p[1].index)):
        try:
            with transaction.atomic():
                results.append(_write_item(actor, item, person, key))
        except DomainError as error:
            failed(item, error)
    results.sort(key=lambda result: result.index)
    audit.record(actor=actor, event=BUNDLE_IMPORTED,
                 after={"entries": len(items), "written": sum(r.status == 201 for r in results),
                        "failed": sum(r.error is not None for r in results),
                        "kind": "transaction" if all_or_nothing else "batch"})
    return results
