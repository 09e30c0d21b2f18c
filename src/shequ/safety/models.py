"""Safety (平安通): the devices of the sub-district, what they report, and what staff do about it.

- :class:`Device` — one model for every kind (doors, cameras, access points, eldercare's home sensors), placed
  in the organisation tree and scoped by it: a committee worker sees her compounds' devices, the police office
  its beat (its neighborhood). Each device has its own secret for MQTT and HTTP, stored only as a hash.
- :class:`Event` — one row per message a device sent, stored once (its ``event_id`` is unique per device);
  the location is copied from the device so that scope and pruning never join.
- :class:`DeadLetter` — a message that could not be accepted, with the reason; an administrator replays or
  discards it.
- :class:`Alarm` and :class:`Incident` — rules turn events into alarms; alarms of one door or area within a
  window are grouped into ONE incident whose severity rises; an emergency incident opens a linked request in
  the service centre (``affairs``).
- :class:`DoorCredential` — a resident's card, PIN or QR for the doors of her building.
- :class:`PatrolLog`, :class:`EmergencyPlan`, :class:`PlanTask` and :class:`Drill` — the police office's and
  the emergency handling system's own records.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.fields import EncryptedTextField
from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.safety.choices import (
    AlarmKind,
    Availability,
    CredentialCause,
    CredentialKind,
    CredentialStatus,
    DeadLetterReason,
    DeadLetterStatus,
    DeviceKind,
    EventSource,
    IncidentStatus,
    IncidentStepKind,
    PlanType,
    Severity,
)

# Rows that carry their own place (copied from the device where they come from one).
_PLACED = ScopePaths(subdistrict="subdistrict", neighborhood="neighborhood", compound="compound")


class Device(models.Model):
    """A door controller, camera, access point or home sensor, where it is and whether it is alive."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text=_("For a sensor in a home: the dwelling it is fitted in."))
    entrance = models.CharField(_("entrance"), max_length=30, blank=True,
                                help_text=_("For a door: the entrance or unit it closes, such as 1单元."))
    location = models.CharField(_("location"), max_length=100, blank=True,
                                help_text=_("Where it is, in words: 东门, 2号楼大堂 …"))
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    # The device's own identifier, used in its MQTT topic and as its user name; a camera's is its
    # 20-digit GB/T 28181 device ID.
    code = models.CharField(_("device ID"), max_length=40)
    name = models.CharField(pgettext_lazy("device", "name"), max_length=100)
    # ONVIF GetDeviceInformation.
    manufacturer = models.CharField(_("manufacturer"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    firmware_version = models.CharField(_("firmware version"), max_length=40, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    hardware_id = models.CharField(_("hardware ID"), max_length=60, blank=True)
    accepts_pin = models.BooleanField(_("accepts a PIN"), default=False)
    accepts_qr = models.BooleanField(_("accepts a QR code"), default=False)
    heartbeat_seconds = models.PositiveIntegerField(
        _("heartbeat (seconds)"), help_text=_("Marked offline when silent for three heartbeats."))
    availability = models.CharField(_("availability"), max_length=10, choices=Availability.choices,
                                    default=Availability.UNKNOWN)
    availability_changed_at = models.DateTimeField(_("availability changed at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last heard from"), null=True, blank=True, db_index=True)
    # The device's secret for MQTT and HTTP: shown once when issued, kept only as a hash.
    secret_hash = models.CharField(max_length=200, blank=True)
    secret_issued_at = models.DateTimeField(_("secret issued at"), null=True, blank=True)
    secret_revoked_at = models.DateTimeField(_("secret revoked at"), null=True, blank=True)
    # A reader that saw too many denials in a row refuses every credential until then.
    locked_out_until = models.DateTimeField(_("reader locked until"), null=True, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    active = models.BooleanField(_("in service"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE: ClassVar[ScopePaths] = _PLACED

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "code"], name="safety_device_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=DeviceKind.values), name="safety_device_kind_known"),
            models.CheckConstraint(condition=Q(availability__in=Availability.values),
                                   name="safety_device_availability_known"),
        ]
        indexes = [models.Index(fields=["availability", "kind"], name="safety_device_avail_kind")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Event(models.Model):
    """One message of one device, stored once. Append-only; pruned in batches after the retention period."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(_("event ID"), max_length=64)
    kind = models.CharField(_("kind"), max_length=30)
    occurred_at = models.DateTimeField(_("happened at"))
    received_at = models.DateTimeField(_("received at"), db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=EventSource.choices)
    data = models.JSONField(_("data"), default=dict, blank=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    SCOPE: ClassVar[ScopePaths] = _PLACED

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["device", "event_id"], name="safety_event_once")]
        indexes = [models.Index(fields=["device", "-occurred_at"], name="safety_event_device_time"),
                   models.Index(fields=["kind", "-occurred_at"], name="safety_event_kind_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


class DeadLetter(models.Model):
    """A message the ingest could not accept, kept with the reason until an administrator decides."""

    received_at = models.DateTimeField(_("received at"), db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=EventSource.choices)
    topic = models.CharField(_("topic"), max_length=255, blank=True)
    payload = models.TextField(_("payload"), blank=True)
    reason = models.TextField(_("reason"))
    problem = models.CharField(_("problem"), max_length=20, choices=DeadLetterReason.choices,
                               default=DeadLetterReason.INVALID)
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=DeadLetterStatus.choices,
                              default=DeadLetterStatus.NEW)
    resolved_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              help_text=_("The event the replay stored."))
    # Known when the topic named a sub-district this installation serves; administrators see their own.
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict")

    class Meta:
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        ordering = ["-received_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=DeadLetterStatus.values),
                                              name="safety_deadletter_status_known"),
                       models.CheckConstraint(condition=Q(problem__in=DeadLetterReason.values),
                                              name="safety_deadletter_problem_known")]
        indexes = [models.Index(fields=["status", "-received_at"], name="safety_deadletter_status_time")]

    def __str__(self) -> str:
        return f"{self.topic} {self.received_at:%Y-%m-%d %H:%M:%S}"


class Incident(models.Model):
    """One happening staff act on, however many alarms it raised: a door forced three times is one incident."""

    number = models.CharField(_("incident number"), max_length=20, unique=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents",
                               help_text=_("The device whose alarm opened it."))
    # What alarms join this incident while it is open: the same device, or the same area, and kind group.
    group_key = models.CharField(max_length=100, db_index=True)
    # The group key while the incident still takes new alarms (open, and its window not lapsed), else empty.
    # Unique: two workers raising alarms of one group at once cannot open two incidents (the second one's
    # insert fails and it joins the first's incident).
    takes_alarms = models.CharField(max_length=100, null=True, blank=True, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    status = models.CharField(_("status"), max_length=20, choices=IncidentStatus.choices,
                              default=IncidentStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    last_alarm_at = models.DateTimeField(_("last alarm at"))
    alarm_count = models.PositiveIntegerField(_("alarms"), default=0)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    outcome = models.TextField(_("outcome"), blank=True)
    request = models.OneToOneField("affairs.ServiceRequest", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="safety_incident", verbose_name=_("emergency request"))
    plan = models.ForeignKey("EmergencyPlan", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="incidents", verbose_name=_("emergency plan"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    SCOPE: ClassVar[ScopePaths] = _PLACED

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-last_alarm_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IncidentStatus.values),
                                   name="safety_incident_status_known"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="safety_incident_severity_known"),
        ]
        indexes = [models.Index(fields=["status", "group_key"], name="safety_incident_open_group")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED


class IncidentStep(models.Model):
    """One line of an incident's timeline: who did what, when (opened, alarm, acknowledged, note, closed …)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentStepKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    note = models.TextField(_("note"), blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="incident__subdistrict",
                                             neighborhood="incident__neighborhood", compound="incident__compound")

    class Meta:
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=IncidentStepKind.values),
                                              name="safety_incidentstep_kind_known")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Alarm(models.Model):
    """What a rule made of an event (or of a device's silence); it always belongs to one incident."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="alarms")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=AlarmKind.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="alarms")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    SCOPE: ClassVar[ScopePaths] = _PLACED

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-raised_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=AlarmKind.values), name="safety_alarm_kind_known")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.device.code}"


class DoorCredential(models.Model):
    """A resident's way through the doors of her building: her resident card, a PIN or a QR code.

    No face image: the platform keeps none (face may not be the only way in, and stays on the device).
    """

    person = models.ForeignKey("population.Person", on_delete=models.PROTECT, related_name="door_credentials")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=CredentialKind.choices)
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    secret_hash = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CredentialStatus.choices,
                              default=CredentialStatus.ACTIVE)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Why it was granted or last changed (staff's hand, or the registry event it followed).
    cause = models.CharField(_("cause"), max_length=20, choices=CredentialCause.choices, blank=True)
    # A QR code is valid for 90 days and then replaced; cards and PINs do not expire.
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True, db_index=True)
    # The QR code's text, encrypted, so that its holder can be shown it again; the doors get only its hash.
    qr_code = EncryptedTextField(blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood="neighborhood",
                                             compound="compound", resident="person__user")

    class Meta:
        verbose_name = _("door credential")
        verbose_name_plural = _("door credentials")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CredentialKind.values), name="safety_credential_kind_known"),
            models.CheckConstraint(condition=Q(status__in=CredentialStatus.values),
                                   name="safety_credential_status_known"),
            models.CheckConstraint(condition=~Q(kind=CredentialKind.CARD) | Q(card__isnull=False),
                                   name="safety_credential_card_has_card"),
            # One live credential of each kind per person and building.
            models.UniqueConstraint(fields=["person", "building", "kind"],
                                    condition=Q(status=CredentialStatus.ACTIVE),
                                    name="safety_credential_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.building}"


class PatrolLog(models.Model):
    """A police officer's or a patrol team's round of the beat and what it found."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    route = models.TextField(_("route"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = _PLACED

    class Meta:
        verbose_name = _("patrol log")
        verbose_name_plural = _("patrol logs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class EmergencyPlan(models.Model):
    """An emergency plan (应急预案) for one type of incident: who is alerted, the steps, contacts and materials."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    plan_type = models.CharField(_("incident type"), max_length=20, choices=PlanType.choices)
    title = models.CharField(_("title"), max_length=120)
    # The emergency service of the catalogue whose request the plan opens; its linked departments are alerted.
    service = models.ForeignKey("affairs.Service", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("emergency service"))
    departments = models.ManyToManyField("affairs.Department", blank=True, related_name="+",
                                         verbose_name=_("parties to alert"))
    steps = models.JSONField(_("steps"), default=list, blank=True,
                             help_text=_("The steps in order, one per line."))
    contacts = models.TextField(_("contacts"), blank=True)
    materials = models.TextField(_("materials and where they are"), blank=True)
    active = models.BooleanField(_("in force"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood="subdistrict__neighborhoods",
                                             compound="subdistrict__neighborhoods__compounds")

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["plan_type", "title"]
        constraints = [models.CheckConstraint(condition=Q(plan_type__in=PlanType.values),
                                              name="safety_plan_type_known")]

    def __str__(self) -> str:
        return self.title


class PlanTask(models.Model):
    """One step of a plan being run for an incident, ticked off by whoever did it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveSmallIntegerField(_("step"))
    text = models.CharField(_("step"), max_length=300)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="incident__subdistrict",
                                             neighborhood="incident__neighborhood", compound="incident__compound")

    class Meta:
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        ordering = ["incident", "number"]
        constraints = [models.UniqueConstraint(fields=["incident", "number"], name="safety_plantask_once")]

    def __str__(self) -> str:
        return self.text


class Drill(models.Model):
    """A drill of a plan: when it ran, how long each part took, who took part."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.PROTECT, related_name="drills")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    participants = models.TextField(_("who took part"))
    departments = models.ManyToManyField("affairs.Department", blank=True, related_name="+",
                                         verbose_name=_("parties that took part"))
    findings = models.TextField(_("findings and improvements"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood=("neighborhood",),
                                             compound="compound")

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-started_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(ended_at__gte=models.F("started_at")),
                                              name="safety_drill_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.plan} {self.started_at:%Y-%m-%d}"
