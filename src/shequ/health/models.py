"""Community health (社区卫生): health records with history, the chronic-disease registry and its follow-ups,
family-doctor contracts, encounters, the resident's health diary and the alerts it raises.

What is encrypted and what is not. Every value that says something about a person's health beyond the fact
that she is registered for a condition is encrypted at rest (EncryptedTextField / EncryptedDecimalField):
readings (blood pressure, glucose, weight), diagnoses, reasons for a visit, findings, allergies, histories,
notes. Left in clear, because the platform must query on them: dates (a follow-up's ``due_on`` drives the
due and overdue lists; ``measured_at`` orders a chart; ``occurred_on`` orders encounters), statuses, the
condition code of the registry (the health centre counts and lists its hypertension and diabetes patients,
which is what the national reporting asks for), the kind of an alert (the worklist sorts and counts by it)
and foreign keys. These columns are protected by scope and audit instead: only health workers and the person
herself can read any of them.

Who sees what: see :func:`shequ.health.queries.narrow_for_doctor` and ``core/roles.py``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.core.scopes import ScopePaths
from shequ.health.choices import (
    AlertKind,
    AlertStatus,
    ConditionCode,
    ConditionStatus,
    FollowUpMethod,
    FollowUpStatus,
    Source,
    WorkerKind,
)
from shequ.health.fields import EncryptedDecimalField
from shequ.population.models import Person

NARROW = "shequ.health.queries.narrow_for_doctor"


def _person_scope(prefix: str = "person") -> ScopePaths:
    """Health rows belong to a person: staff see them through her neighborhood and sub-district (narrowed for
    family doctors), a resident only her own (not her household's: health data is individual)."""
    return ScopePaths(subdistrict=f"{prefix}__subdistrict", neighborhood=f"{prefix}__neighborhood",
                      resident=f"{prefix}__user", narrow=NARROW)


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("health history is append-only")

    def delete(self) -> Any:
        raise PermissionError("health history is append-only")


class HealthWorker(models.Model):
    """What a HEALTH-role user is in the health centre: a family doctor (sees her contracted people) or
    centre staff (public-health nurses, the records office: see every record of their area)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="health_worker")
    kind = models.CharField(_("kind"), max_length=20, choices=WorkerKind.choices)
    team = models.CharField(_("team"), max_length=60, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="user__subdistrict", neighborhood="user__neighborhood")

    class Meta:
        verbose_name = _("health worker")
        verbose_name_plural = _("health workers")
        constraints = [models.CheckConstraint(condition=Q(kind__in=WorkerKind.values), name="healthworker_kind")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"


class HealthRecord(models.Model):
    """健康档案: one per registry person. Its content lives in append-only versions; the latest is current."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="health_record")
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    SCOPE: ClassVar[ScopePaths] = _person_scope()
    PERSON_PATH: ClassVar[str] = "person"

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")

    def __str__(self) -> str:
        return f"{self.person} #{self.pk}"

    @property
    def current(self) -> HealthRecordVersion | None:
        return self.versions.order_by("-number").first()


class HealthRecordVersion(models.Model):
    """One state of a health record. Never changed: a correction is a new version with a reason."""

    record = models.ForeignKey(HealthRecord, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    blood_type = EncryptedTextField(_("blood type"), blank=True)
    allergies = EncryptedTextField(_("allergies"), blank=True)
    past_history = EncryptedTextField(_("past medical history"), blank=True)
    family_history = EncryptedTextField(_("family history"), blank=True)
    lifestyle = EncryptedTextField(_("lifestyle (smoking, drinking, exercise)"), blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    reason = models.CharField(_("reason for the change"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    SCOPE: ClassVar[ScopePaths] = _person_scope("record__person")
    PERSON_PATH: ClassVar[str] = "record__person"
    CONTENT_FIELDS: ClassVar[tuple[str, ...]] = (
        "blood_type", "allergies", "past_history", "family_history", "lifestyle", "note",
    )

    class Meta:
        verbose_name = _("health record version")
        verbose_name_plural = _("health record versions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="healthrecordversion_unique")]

    def __str__(self) -> str:
        return f"{self.record} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("health history is append-only")
        super().save(*args, **kwargs)


class ChronicCondition(models.Model):
    """A person on the chronic-disease registry (慢病管理) for one condition, with her follow-up schedule."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="chronic_conditions")
    code = models.CharField(_("condition"), max_length=10, choices=ConditionCode.choices, db_index=True)
    diagnosed_on = models.DateField(_("diagnosed on"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"))
    status = models.CharField(_("status"), max_length=20, choices=ConditionStatus.choices,
                              default=ConditionStatus.MANAGED)
    visits_per_year = models.PositiveSmallIntegerField(
        _("follow-ups a year"), default=0, help_text=_("From the national basic public health service schedule."))
    note = EncryptedTextField(_("note"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                      related_name="+")

    SCOPE: ClassVar[ScopePaths] = _person_scope()
    PERSON_PATH: ClassVar[str] = "person"

    class Meta:
        verbose_name = _("chronic condition")
        verbose_name_plural = _("chronic conditions")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["person", "code"], condition=Q(status=ConditionStatus.MANAGED),
                                    name="condition_one_managed_per_code"),
            models.CheckConstraint(condition=Q(code__in=ConditionCode.values), name="condition_code_known"),
            models.CheckConstraint(condition=Q(status__in=ConditionStatus.values), name="condition_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_code_display()}"

    @property
    def icd10(self) -> str:
        return self.code


class FollowUp(models.Model):
    """慢病随访: one follow-up of a registered condition, scheduled and then done (or cancelled).

    "Overdue" is not stored: it is a scheduled follow-up whose ``due_on`` has passed, so it is always true.
    """

    condition = models.ForeignKey(ChronicCondition, on_delete=models.PROTECT, related_name="follow_ups")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="follow_ups")
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=FollowUpStatus.choices,
                              default=FollowUpStatus.SCHEDULED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    method = models.CharField(_("how"), max_length=20, choices=FollowUpMethod.choices, blank=True)
    systolic = EncryptedDecimalField(_("systolic (mmHg)"))
    diastolic = EncryptedDecimalField(_("diastolic (mmHg)"))
    glucose = EncryptedDecimalField(_("fasting glucose (mmol/L)"))
    weight = EncryptedDecimalField(_("weight (kg)"))
    findings = EncryptedTextField(_("findings and advice"), blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")

    SCOPE: ClassVar[ScopePaths] = _person_scope()
    PERSON_PATH: ClassVar[str] = "person"

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=FollowUpStatus.values), name="followup_status_known"),
            models.CheckConstraint(condition=~Q(status=FollowUpStatus.DONE) | Q(done_on__isnull=False),
                                   name="followup_done_has_date"),
            # At most one open follow-up per condition: the next one is scheduled when this one is done.
            models.UniqueConstraint(fields=["condition"], condition=Q(status=FollowUpStatus.SCHEDULED),
                                    name="followup_one_scheduled"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="followup_worklist")]

    def __str__(self) -> str:
        return f"{self.condition} {self.due_on}"

    def is_overdue_on(self, day: Any) -> bool:
        return self.status == FollowUpStatus.SCHEDULED and self.due_on < day


class FamilyDoctorContract(models.Model):
    """家庭医生签约: a person signs with a family doctor (and her team) for a period, usually a year."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="doctor_contracts")
    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="doctor_contracts")
    team = models.CharField(_("team"), max_length=60, blank=True)
    started_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = _person_scope()
    PERSON_PATH: ClassVar[str] = "person"

    class Meta:
        verbose_name = _("family-doctor contract")
        verbose_name_plural = _("family-doctor contracts")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("started_on")), name="contract_dates_ordered"),
        ]
        indexes = [models.Index(fields=["doctor", "ends_on"], name="contract_by_doctor")]

    def __str__(self) -> str:
        return f"{self.person} — {self.doctor}"

    def active_on(self, day: Any) -> bool:
        end = min(self.ends_on, self.terminated_on) if self.terminated_on else self.ends_on
        return self.started_on <= day < end


class Encounter(models.Model):
    """就诊: a visit to a clinic or hospital, entered by staff or linked in from a clinic's records."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="encounters")
    occurred_on = models.DateField(_("date"), db_index=True)
    facility = models.CharField(_("facility"), max_length=100)
    reason = EncryptedTextField(_("reason for the visit"), blank=True)
    diagnosis = EncryptedTextField(_("diagnosis"), blank=True)
    diagnosis_code = EncryptedTextField(_("diagnosis code (ICD-10)"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.STAFF)
    source_ref = models.CharField(_("reference in the source"), max_length=100, blank=True,
                                  help_text=_("The sending system's own id, so a repeated import is not doubled."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # An imported visit found to belong to someone else (a linkage un-merge) is withdrawn, not deleted:
    # the row stays as history, off every read (queries.encounters) and free for its source_ref to be reused.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    withdrawn_reason = models.CharField(_("why withdrawn"), max_length=200, blank=True)

    SCOPE: ClassVar[ScopePaths] = _person_scope()
    PERSON_PATH: ClassVar[str] = "person"

    class Meta:
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"],
                                    condition=~Q(source_ref="") & Q(withdrawn_at__isnull=True),
                                    name="encounter_unique_source_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.facility}"


class DiaryEntry(models.Model):
    """健康日志: readings a resident (or staff for her) writes down; any of them may be missing."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="diary_entries")
    measured_at = models.DateTimeField(_("measured at"), db_index=True)
    systolic = EncryptedDecimalField(_("systolic (mmHg)"))
    diastolic = EncryptedDecimalField(_("diastolic (mmHg)"))
    glucose = EncryptedDecimalField(_("blood glucose (mmol/L)"))
    weight = EncryptedDecimalField(_("weight (kg)"))
    note = EncryptedTextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.RESIDENT)
    source_ref = models.CharField(_("reference in the source"), max_length=100, blank=True,
                                  help_text=_("The sending system's own id, so a repeated import is not doubled."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = _person_scope()
    PERSON_PATH: ClassVar[str] = "person"

    class Meta:
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["person", "measured_at"], name="diary_by_person")]
        constraints = [
            # A reading imported twice (a retried FHIR Bundle, two senders racing) is stored once.
            models.UniqueConstraint(fields=["source", "source_ref"], condition=~Q(source_ref=""),
                                    name="diary_unique_source_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.measured_at:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """A reading beyond the referral thresholds (see ``choices.out_of_range``), on the family doctor's worklist."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="health_alerts")
    kind = models.CharField(_("alert"), max_length=20, choices=AlertKind.choices)
    diary_entry = models.ForeignKey(DiaryEntry, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="alerts")
    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", help_text=_("The family doctor under contract when it was raised."))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    handled_note = EncryptedTextField(_("what was done"), blank=True)

    SCOPE: ClassVar[ScopePaths] = _person_scope()
    PERSON_PATH: ClassVar[str] = "person"

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alert_kind_known"),
            models.CheckConstraint(condition=Q(status=AlertStatus.OPEN) | Q(handled_at__isnull=False),
                                   name="alert_handled_has_time"),
        ]
        indexes = [models.Index(fields=["status", "doctor"], name="alert_worklist")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"
