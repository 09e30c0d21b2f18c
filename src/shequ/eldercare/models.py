"""Who is cared for (关爱对象): the care roll built from the registry, each elder's consent to sensors and to telling
her family, her emergency contacts, her care-needs assessments and the periods she is away from home.

Every model is scoped through the elder's registry record (her sub-district, neighbourhood and compound), like the
registry itself; the committee worker responsible for an elder sees her wherever she lives, and a volunteer (a
resident) sees only the elders paired with her — and the queries give a volunteer only what a visit needs.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core import crypto
from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.scopes import ScopePaths
from shequ.eldercare.choices import (
    LADDER,
    AlertOutcome,
    AlertStatus,
    AwayReason,
    CareGrade,
    CheckInMethod,
    ConsentForm,
    ContactRelationship,
    FalseAlarmCause,
    LadderStep,
    RollReason,
    StepEnd,
    visits_per_week,
)
from shequ.population.models import Person
from shequ.volunteers.models import Volunteer

MAX_NOTE = 200


def _scope(to_elder: str) -> ScopePaths:
    """The scope of a model reached from the care recipient by ``to_elder`` ("" for the recipient herself)."""
    prefix = f"{to_elder}__" if to_elder else ""
    return ScopePaths(
        subdistrict=f"{prefix}person__subdistrict",
        neighborhood=f"{prefix}person__neighborhood",
        compound=f"{prefix}person__compound",
        resident=f"{prefix}volunteer__person__user",
        handlers=f"{prefix}worker",
    )


class CareRecipientQuerySet(models.QuerySet["CareRecipient"]):
    def on_roll(self) -> CareRecipientQuerySet:
        """Elders on the roll now (not left, not excluded by hand)."""
        return self.filter(left_roll_at__isnull=True)

    def away_on(self, day: dt.date) -> CareRecipientQuerySet:
        """Elders with an away period covering ``day`` (the rules pause for them)."""
        return self.filter(pk__in=AwayPeriod.objects.covering(day).values("recipient"))


class CareRecipient(models.Model):
    """One person on the care roll (one row per person, kept after she leaves the roll so that history stays).

    ``reasons`` maps each reason code (:class:`RollReason`) to where it came from (:class:`ReasonSource`):
    ``{"living_alone": "rule", "aged_80": "hand"}``. Refreshing the roll recomputes the rule reasons and keeps
    the hand ones; an elder with no reason left leaves the roll. ``excluded`` (removed by hand, e.g. she declined)
    keeps the rules from putting her back.

    ``rule_overrides`` tunes the inactivity rules (shequ.eldercare.rules) for this elder:
    ``{rule_code: {setting: value, ...}}``, e.g. ``{"water_low": {"threshold_m3": 0.005, "window_hours": 24},
    "door_quiet": {"enabled": false}}``; a rule or setting not named keeps the sub-district's value.
    """

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="care_recipient",
                                  verbose_name=pgettext_lazy("eldercare", "elder"))
    reasons = models.JSONField(_("reasons on the roll"), default=dict, blank=True)
    on_roll_since = models.DateField(_("on the roll since"))
    left_roll_at = models.DateTimeField(_("left the roll at"), null=True, blank=True)
    left_reason = models.CharField(_("why she left the roll"), max_length=200, blank=True)
    excluded = models.BooleanField(_("removed by hand"), default=False,
                                   help_text=_("The rules do not put her back on the roll."))
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="care_recipients", verbose_name=_("responsible committee worker"))
    volunteer = models.ForeignKey(Volunteer, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="care_recipients", verbose_name=_("paired volunteer"))
    rule_overrides = models.JSONField(_("rule settings for this elder"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE: ClassVar[ScopePaths] = _scope("")

    objects = CareRecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("care recipient")
        verbose_name_plural = _("care recipients")
        indexes = [models.Index(fields=["left_roll_at"], name="eldercare_recipient_on_roll")]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def on_roll(self) -> bool:
        return self.left_roll_at is None

    def reason_labels(self) -> list[str]:
        return [str(RollReason(code).label) for code in RollReason.values if code in (self.reasons or {})]


class ConsentQuerySet(models.QuerySet["Consent"]):
    def in_force(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """What an elder agreed to: which home sensors may be fitted and used, and whether her family contacts may be
    told of an alert. A new consent replaces the one in force; a withdrawn one is kept, with when."""

    recipient = models.ForeignKey(CareRecipient, on_delete=models.CASCADE, related_name="consents")
    # Values of shequ.safety.choices.DeviceKind among HOME_SENSOR_KINDS.
    sensors = models.JSONField(_("sensors she agreed to"), default=list, blank=True)
    tell_family = models.BooleanField(_("family contacts may be told"), default=False)
    form = models.CharField(_("given"), max_length=10, choices=ConsentForm.choices)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    SCOPE: ClassVar[ScopePaths] = _scope("recipient")

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient"], condition=Q(withdrawn_at__isnull=True),
                                    name="eldercare_one_consent_in_force"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.given_on}"

    def sensor_labels(self) -> list[str]:
        from shequ.safety.choices import DeviceKind

        return [str(DeviceKind(kind).label) for kind in self.sensors if kind in DeviceKind.values]


class EmergencyContact(models.Model):
    """Someone to call about an elder, in ``order``; her phone is encrypted at rest with a blind index, exactly
    like the registry's phones, and shown masked except through the audited reveal. ``may_be_told`` marks a
    contact the elder lets be told of an alert (the consent's ``tell_family`` must also hold)."""

    recipient = models.ForeignKey(CareRecipient, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    relationship = models.CharField(_("relationship"), max_length=20, choices=ContactRelationship.choices)
    phone = EncryptedTextField(_("phone"))
    phone_index = BlindIndexField(source="phone", kind="phone", normalizer="shequ.core.crypto.normalize_phone")
    order = models.PositiveSmallIntegerField(_("order of calling"), default=1)
    may_be_told = models.BooleanField(_("may be told of alerts"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE: ClassVar[ScopePaths] = _scope("recipient")

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["phone_index"], name="eldercare_contact_phone")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display()})"

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone or "")


class CareAssessment(models.Model):
    """One result of Shanghai's unified care-needs assessment: a grade, valid for at most two years; the latest is
    the elder's grade, and it implies her home-care visits a week."""

    recipient = models.ForeignKey(CareRecipient, on_delete=models.CASCADE, related_name="assessments")
    grade = models.PositiveSmallIntegerField(_("care grade"), choices=CareGrade.choices)
    assessed_on = models.DateField(_("assessed on"))
    valid_until = models.DateField(_("valid until"))
    assessor = models.CharField(_("assessed by"), max_length=100, blank=True,
                                help_text=_("The assessment agency or assessor."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = _scope("recipient")

    class Meta:
        verbose_name = _("care assessment")
        verbose_name_plural = _("care assessments")
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(grade__lte=6), name="eldercare_grade_known"),
            models.CheckConstraint(condition=Q(valid_until__gte=F("assessed_on")),
                                   name="eldercare_assessment_dates_ordered"),
        ]
        indexes = [models.Index(fields=["valid_until"], name="eldercare_assessment_valid")]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.get_grade_display()}"

    @property
    def visits_per_week(self) -> int:
        return visits_per_week(self.grade)


class AwayPeriodQuerySet(models.QuerySet["AwayPeriod"]):
    def covering(self, day: dt.date) -> AwayPeriodQuerySet:
        """Periods that pause the rules on ``day``: begun, not past ``until`` (an open one has none), and she is
        not marked back."""
        return self.filter(Q(until__isnull=True) | Q(until__gte=day), starts_on__lte=day, ended_at__isnull=True)


class AwayPeriod(models.Model):
    """An elder away from home (with her daughter, in hospital …) from a day to a day, both included: the
    inactivity rules pause for her — the commonest false alarm in practice. ``ended_at`` is set when she is back
    (and ``until`` cut to that day) when she is back early or an open period is closed; from then on the
    period pauses nothing."""

    recipient = models.ForeignKey(CareRecipient, on_delete=models.CASCADE, related_name="away_periods")
    starts_on = models.DateField(pgettext_lazy("period", "from"))
    until = models.DateField(pgettext_lazy("period", "until"), null=True, blank=True,
                             help_text=_("Leave empty if not known yet; mark her back when she returns."))
    reason = models.CharField(_("reason"), max_length=20, choices=AwayReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    ended_at = models.DateTimeField(_("back at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = _scope("recipient")

    objects = AwayPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("away period")
        verbose_name_plural = _("away periods")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=F("starts_on")),
                                   name="eldercare_away_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.starts_on}–{self.until or ''}"

    def covers(self, day: dt.date) -> bool:
        return (self.ended_at is None and self.starts_on <= day
                and (self.until is None or day <= self.until))




class AlertQuerySet(models.QuerySet["Alert"]):
    def open(self) -> AlertQuerySet:
        return self.filter(status=AlertStatus.OPEN)


class Alert(models.Model):
    """Something may be wrong with an elder: the rules found silence or an alarm at her home. ONE open alert per
    elder gathers every rule that fires until it is closed (``rules``), and climbs the ladder (:data:`LADDER`):
    each rung has a deadline, is taken on or times out to the next (:class:`AlertStep` keeps each rung). It is
    closed with an outcome; a false alarm names its cause, which feeds the elder's tuning suggestion."""

    recipient = models.ForeignKey(CareRecipient, on_delete=models.PROTECT, related_name="alerts",
                                  verbose_name=pgettext_lazy("eldercare", "elder"))
    rules = models.JSONField(_("rules that fired"), default=list)
    # The figures behind each rule as it last fired: {rule_code: {figure: value}} (for the rule's message).
    figures = models.JSONField(default=dict, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"))
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    step = models.CharField(_("ladder step"), max_length=12, choices=LadderStep.choices)
    step_deadline = models.DateTimeField(_("step deadline"), null=True, blank=True)
    step_taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("taken on by"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=AlertOutcome.choices, blank=True)
    false_alarm_cause = models.CharField(_("cause of the false alarm"), max_length=10,
                                         choices=FalseAlarmCause.choices, blank=True)
    outcome_note = models.CharField(_("note"), max_length=300, blank=True)
    # A smoke alarm or one-button call: the safety incident (whose emergency request the service centre works).
    incident = models.ForeignKey("safety.Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="care_alerts", verbose_name=_("safety incident"))
    # The emergency request the ladder itself opened when a door visit found no answer.
    request = models.ForeignKey("affairs.ServiceRequest", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="care_alerts", verbose_name=_("emergency request"))

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="recipient__person__subdistrict",
        neighborhood="recipient__person__neighborhood",
        compound="recipient__person__compound",
        # The elder herself (her "I'm fine" button) and her paired volunteer (a door visit); the queries narrow
        # what each sees.
        resident=("recipient__person__user", "recipient__volunteer__person__user"),
        handlers="recipient__worker",
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("care alert")
        verbose_name_plural = _("care alerts")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient"], condition=Q(status=AlertStatus.OPEN),
                                    name="eldercare_one_open_alert_per_elder"),
            models.CheckConstraint(condition=Q(status=AlertStatus.OPEN) | ~Q(outcome=""),
                                   name="eldercare_closed_alert_has_outcome"),
            models.CheckConstraint(condition=Q(outcome=AlertOutcome.FALSE_ALARM) | Q(false_alarm_cause=""),
                                   name="eldercare_cause_only_for_false_alarm"),
        ]
        indexes = [models.Index(fields=["status", "step_deadline"], name="eldercare_alert_due")]

    def __str__(self) -> str:
        return f"{self.recipient} · {timezone.localtime(self.opened_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN

    @property
    def rung(self) -> int:
        """The step's place on the ladder, from 1."""
        return LADDER.index(LadderStep(self.step)) + 1


class AlertStep(models.Model):
    """One rung an alert reached: when, its deadline, who was told, who took it on or why it ended, with a note."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("ladder step"), max_length=12, choices=LadderStep.choices)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    # Who was told (masked phones, names): never a full number.
    told = models.CharField(_("told"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end = models.CharField(_("how it ended"), max_length=12, choices=StepEnd.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=pgettext_lazy("done by", "by"))
    by_name = models.CharField(_("by (not a user)"), max_length=60, blank=True,
                               help_text=_("The elder herself, a family contact or the system."))
    note = models.CharField(_("note"), max_length=300, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="alert__recipient__person__subdistrict",
        neighborhood="alert__recipient__person__neighborhood",
        compound="alert__recipient__person__compound",
        resident=("alert__recipient__person__user", "alert__recipient__volunteer__person__user"),
        handlers="alert__recipient__worker",
    )

    class Meta:
        verbose_name = _("alert step")
        verbose_name_plural = _("alert steps")
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id} · {self.get_step_display()}"


class Visit(models.Model):
    """One visit to an elder (关爱探访) by her paired volunteer or a committee worker: checked in at the door
    (card, door QR or by hand), checked out with whether she was seen well and a short note — never health data.
    A volunteer's minutes go to her time bank through the volunteers app; ``ledger_reference`` is what it returned
    ("" until banked, or when she has no card)."""

    recipient = models.ForeignKey(CareRecipient, on_delete=models.PROTECT, related_name="visits",
                                  verbose_name=pgettext_lazy("eldercare", "elder"))
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("volunteer"))
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("visiting worker"))
    started_at = models.DateTimeField(_("checked in at"))
    ended_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_in = models.CharField(_("checked in by"), max_length=10, choices=CheckInMethod.choices)
    hand_reason = models.CharField(_("why by hand"), max_length=MAX_NOTE, blank=True)
    seen_well = models.BooleanField(_("seen well"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=MAX_NOTE, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    minutes_credited = models.PositiveIntegerField(_("minutes credited"), default=0)
    ledger_reference = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # A volunteer sees her own visits (not those of whoever was paired before her); staff by the elder's area, and
    # the elder's responsible worker and the visiting worker wherever she lives.
    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="recipient__person__subdistrict", neighborhood="recipient__person__neighborhood",
        compound="recipient__person__compound", resident="volunteer__person__user",
        handlers=("recipient__worker", "worker"))

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(volunteer__isnull=False) | Q(worker__isnull=False),
                                   name="eldercare_visit_has_visitor"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                                   name="eldercare_visit_ends_after_start"),
            models.CheckConstraint(condition=~Q(check_in="hand") | ~Q(hand_reason=""),
                                   name="eldercare_visit_hand_has_reason"),
            models.CheckConstraint(condition=Q(minutes_credited__lte=F("minutes")),
                                   name="eldercare_visit_credit_within_minutes"),
            # One visit at a time at her door: a second check-in while one is open is a mistake or a retry.
            models.UniqueConstraint(fields=["recipient"], condition=Q(ended_at__isnull=True),
                                    name="eldercare_one_open_visit"),
        ]
        indexes = [models.Index(fields=["recipient", "started_at"], name="eldercare_visit_recent")]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
