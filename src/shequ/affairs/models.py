"""The one-window service centre (一口受理): departments, the service catalogue, requests and their history.

Who sees a request (``ServiceRequest.SCOPE``): sub-district staff all of their sub-district; a committee
worker those located in her neighborhood or dispatched to its committee; a property-company user (who works at
compound level) only those dispatched to a department that serves his compound, i.e. his own company; a
resident only her own. Wherever it lies, a request is also seen by the members of the department it is
dispatched to and by its assignee, who must work on it.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.affairs.choices import Channel, DepartmentKind, HolidayKind, SlaUnit, Status, StepKind
from shequ.core import crypto
from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict
from shequ.core.scopes import ScopePaths

# Catalogue rows belong to a sub-district; everyone working inside it may read them.
_CATALOGUE_SCOPE = ScopePaths(
    subdistrict="subdistrict",
    neighborhood="subdistrict__neighborhoods",
    compound="subdistrict__neighborhoods__compounds",
)


class Department(models.Model):
    """A party requests are dispatched to: the sub-district office, a residents' committee, the property
    company of some compounds, the police office, the health centre …"""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=30, choices=DepartmentKind.choices)
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("For a residents' committee: its neighborhood."),
    )
    compounds = models.ManyToManyField(
        Compound, blank=True, related_name="+", verbose_name=_("compounds served"),
        help_text=_("For a property company: the compounds it manages. Its staff see requests dispatched here."),
    )
    duty_phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    SCOPE: ClassVar[ScopePaths] = _CATALOGUE_SCOPE

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["kind", "name"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=DepartmentKind.values), name="department_kind")]

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    """A staff account working for a department; supervisors receive escalations (督办)."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affairs_memberships")
    is_supervisor = models.BooleanField(_("supervisor"), default=False)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="department__subdistrict",
        neighborhood="department__subdistrict__neighborhoods",
        compound="department__subdistrict__neighborhoods__compounds",
    )

    class Meta:
        verbose_name = _("department member")
        verbose_name_plural = _("department members")
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="department_member_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


class Service(models.Model):
    """服务事项: one thing a resident can ask for, who handles it and how long it may take."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Also the Open311 service_code."))
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="services",
                                   verbose_name=_("responsible department"))
    materials = models.TextField(_("materials to bring"), blank=True, help_text=_("One item per line."))
    sla_amount = models.PositiveIntegerField(_("time limit"))
    sla_unit = models.CharField(_("time limit unit"), max_length=20, choices=SlaUnit.choices,
                                default=SlaUnit.WORKING_DAYS)
    is_emergency = models.BooleanField(_("emergency"), default=False)
    linked_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("emergency linkage departments"),
        help_text=_("For an emergency: every party alerted at once, besides the responsible department."),
    )
    ack_minutes = models.PositiveIntegerField(_("minutes to acknowledge"), default=15)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    SCOPE: ClassVar[ScopePaths] = _CATALOGUE_SCOPE

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["category", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(sla_amount__gt=0), name="service_sla_positive"),
            models.CheckConstraint(condition=Q(sla_unit__in=SlaUnit.values), name="service_sla_unit"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def materials_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


class Holiday(models.Model):
    """A day that breaks the Monday-to-Friday rule: a public holiday, or a weekend make-up working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=HolidayKind.values), name="holiday_kind")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ServiceRequest(models.Model):
    """工单/诉求: one request from any channel, followed from acceptance to closing."""

    number = models.CharField(_("number"), max_length=20)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests", verbose_name=_("service"))
    is_emergency = models.BooleanField(_("emergency"), default=False)
    description = models.TextField(_("description"))
    # Foreign keys that no query looks up alone are not indexed (each index is written on every request
    # taken): the queue indexes below lead with the sub-district, neighborhood and department, and compounds,
    # buildings, users and services are retired, never deleted.
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+", db_index=False)
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     db_index=False)
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("compound"), db_index=False)
    building = models.ForeignKey(Building, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("building"), db_index=False)
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("dwelling"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    caller_name = models.CharField(_("caller name"), max_length=50, blank=True)
    caller_phone = EncryptedTextField(_("caller phone"), blank=True)
    caller_phone_index = BlindIndexField(
        source="caller_phone", kind="phone", normalizer="shequ.core.crypto.normalize_phone"
    )
    person = models.ForeignKey("population.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("resident"))
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", help_text=_("The resident's own account, if she filed it."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACCEPTED)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="requests", verbose_name=_("department"), db_index=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("assignee"))
    created_at = models.DateTimeField(_("accepted at"))  # indexed by request_assessment
    updated_at = models.DateTimeField(auto_now=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    satisfaction_comment = models.TextField(_("comment"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="duplicates")
    suggested_service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+", help_text=_("What routing help proposed."),
                                          db_index=False)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict",
        neighborhood=("neighborhood", "department__neighborhood"),
        compound="department__compounds",
        resident=("requester", "person__user"),
        handlers=("assignee", "department__members__user"),
    )

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A constraint, not unique=True, which would add a LIKE-pattern twin index no query uses.
            models.UniqueConstraint(fields=["number"], name="request_number_unique"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="request_status_known"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="request_channel_known"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="request_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.MERGED) | Q(merged_into__isnull=False), name="request_merged_has_target"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.DISPATCHED, Status.IN_PROGRESS]) | Q(department__isnull=False),
                name="request_dispatched_has_department",
            ),
        ]
        indexes = [
            models.Index(fields=["subdistrict", "status", "due_at"], name="request_queue"),
            models.Index(fields=["department", "status", "due_at"], name="request_department_queue"),
            models.Index(fields=["neighborhood", "status", "due_at"], name="request_neighborhood_queue"),
            models.Index(fields=["caller_phone_index"], name="request_caller_phone"),
            # The assessment reads a period's requests by acceptance time: on PostgreSQL, every column it
            # groups and counts rides in the index, so a month is an index-only scan, not 30,000 heap reads.
            models.Index(fields=["created_at"], name="request_assessment",
                         include=["subdistrict", "neighborhood", "status", "due_at", "resolved_at", "reopen_count",
                                  "satisfaction", "department", "assignee"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def caller_phone_masked(self) -> str:
        return crypto.mask_phone(self.caller_phone or "")

    @property
    def is_open(self) -> bool:
        from shequ.affairs.choices import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class RequestStep(models.Model):
    """One transition of a request: what happened, who did it, when, with which note."""

    # Steps are only ever read by their request (a handful each, sorted in memory): the request index is the
    # one this table of several steps per request needs. Staff and departments are retired, never deleted, so
    # their foreign keys need no index of their own; each step written (five or more per request) skips four.
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=StepKind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by"), db_index=False)
    at = models.DateTimeField(_("time"))
    note = models.TextField(_("note"), blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   db_index=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", db_index=False)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="request__subdistrict",
        neighborhood=("request__neighborhood", "request__department__neighborhood"),
        compound="request__department__compounds",
        resident=("request__requester", "request__person__user"),
        handlers=("request__assignee", "request__department__members__user"),
    )

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request} {self.kind}"


class EmergencyDispatch(models.Model):
    """应急联动: one party alerted about an emergency, who must acknowledge within minutes."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="linkages")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="linkages")
    dispatched_at = models.DateTimeField()
    ack_due_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="request__subdistrict",
        neighborhood=("request__neighborhood", "department__neighborhood"),
        compound="department__compounds",
        handlers=("department__members__user",),
    )

    class Meta:
        verbose_name = _("emergency linkage")
        verbose_name_plural = _("emergency linkages")
        ordering = ["dispatched_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "department"], name="linkage_once_per_department")]

    def __str__(self) -> str:
        return f"{self.request} → {self.department}"


class Open311Key(models.Model):
    """An api_key for Open311 clients that create requests; requests are made in the name of ``user``.

    Only a keyed hash of the key is stored; the key itself is shown once, when it is made.
    """

    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="user__subdistrict")

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
