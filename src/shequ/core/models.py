"""The organisation tree (街道 → 居民区 → 小区 → 楼 → 室), accounts, the audit log, login codes, background
tasks and the outbox of messages leaving the platform."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core import crypto
from shequ.core.choices import AttemptOutcome, MessageStatus, TaskStatus, TextSize
from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.roles import Role
from shequ.core.scopes import ScopePaths


class Subdistrict(models.Model):
    """街道: the sub-district office and the area it runs."""

    code = models.CharField(_("division code"), max_length=12, unique=True, help_text=_("GB/T 2260 + township code"))
    name = models.CharField(_("name"), max_length=50)
    district = models.CharField(_("district"), max_length=50)
    city = models.CharField(_("city"), max_length=50)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="pk", neighborhood=None)

    class Meta:
        verbose_name = _("sub-district")
        verbose_name_plural = _("sub-districts")

    def __str__(self) -> str:
        return self.name


class Neighborhood(models.Model):
    """居民区, run by a residents' committee (居委会)."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="neighborhoods")
    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood="pk")

    class Meta:
        verbose_name = _("neighborhood")
        verbose_name_plural = _("neighborhoods")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Compound(models.Model):
    """小区: a gated compound or lane (弄) with its own buildings."""

    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="compounds")
    name = models.CharField(_("name"), max_length=50)
    address = models.CharField(_("address"), max_length=100)
    # The compound's centre (WGS 84): where a report given only by coordinates is placed, and the only
    # position shown of a request to someone without a key (Open311).
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="neighborhood__subdistrict", neighborhood="neighborhood", compound="pk"
    )

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["neighborhood__code", "name"]
        constraints = [models.UniqueConstraint(fields=["neighborhood", "name"], name="compound_unique_name")]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """楼/幢."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings")
    number = models.CharField(pgettext_lazy("building", "number"), max_length=20,
                              help_text=_("as on the door, e.g. 12号"))

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(fields=["compound", "number"], name="building_unique_number")]

    def __str__(self) -> str:
        return f"{self.compound.name}{self.number}"


class Dwelling(models.Model):
    """室: one flat. ``label`` is the full address, kept for display and address search."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="dwellings")
    room = models.CharField(_("room"), max_length=20)
    label = models.CharField(_("address"), max_length=150, db_index=True)

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        constraints = [models.UniqueConstraint(fields=["building", "room"], name="dwelling_unique_room")]

    def __str__(self) -> str:
        return self.label

    @staticmethod
    def make_label(compound: Compound, building_number: str, room: str) -> str:
        return f"{compound.address}{building_number}{room}室"


class ShequUserManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """A member of staff (by role, at a level of the tree) or a resident (linked from a Person)."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Set for staff who work for one neighborhood only."),
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Set for property companies and owners' committees of one compound."),
    )
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", normalizer="shequ.core.crypto.normalize_phone",
                                  db_index=True)
    large_text = models.BooleanField(_("large text"), default=False)
    # Within large-text (长辈版) mode, a size larger still, for whoever asks for it.
    text_size = models.CharField(_("text size"), max_length=10, choices=TextSize.choices, default=TextSize.STANDARD)

    objects: ClassVar[ShequUserManager] = ShequUserManager()  # type: ignore[misc]

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict", neighborhood="neighborhood", compound="compound", resident="pk"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_known"),
            models.CheckConstraint(condition=models.Q(text_size__in=TextSize.values), name="user_text_size_known"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_resident(self) -> bool:
        return self.role == Role.RESIDENT

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone or "")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> Any:
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One write or one sensitive read: who, when, what, on which object, why.

    Append-only in Python (save of an existing row, update and delete raise) and in the
    database (triggers added by migration refuse UPDATE and DELETE on both SQLite and PostgreSQL).
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              db_constraint=False)
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    event = models.CharField(_("event"), max_length=80)
    # "health" for health data, shown only to roles that may read it (shequ.core.audit.readable_categories).
    category = models.CharField(_("category"), max_length=20, blank=True, default="")
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)  # looked up with object_type
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # Fernet token of the values kept out of the clear columns (shequ.core.audit says which).
    sealed = models.TextField(blank=True, default="")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", db_constraint=False)

    objects = AuditEntryQuerySet.as_manager()

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood=None)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        # Plain indexes: db_index on a text column adds a LIKE-pattern twin, and every write in the platform
        # writes an audit row.
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object"),
                   models.Index(fields=["event"], name="audit_event")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.event} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("the audit log is append-only")


class LoginCode(models.Model):
    """A one-time code sent by SMS to a resident's phone; stored only as a keyed hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="logincode_latest")]

    def __str__(self) -> str:
        return f"login code for {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Task(models.Model):
    """Background work a user started (an import, a linkage run): its input, progress and result.

    ``shequ worker`` (started beside the web server by ``shequ serve``) claims queued tasks and runs
    the function :data:`shequ.core.tasks.TASK_KINDS` names for the kind. An uploaded file is kept
    encrypted in ``payload`` only until the task has run. A user sees only the tasks she started.
    """

    kind = models.CharField(_("kind"), max_length=80)
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.QUEUED)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    payload = models.BinaryField(null=True, blank=True)  # Fernet token of an uploaded file
    stage = models.CharField(max_length=40, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("background task")
        verbose_name_plural = _("background tasks")
        indexes = [
            models.Index(fields=["status", "created_at"], name="task_queue"),
            models.Index(fields=["created_by", "-created_at"], name="task_by_user"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=TaskStatus.values), name="task_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (TaskStatus.SUCCEEDED, TaskStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))


class OutboxMessage(models.Model):
    """One message to one recipient, written in the same transaction as the action that caused it.

    :mod:`shequ.core.outbox` sends it from the worker (``channel`` names a sender in its registry), with
    retries and backoff. ``recipient`` and ``body`` are encrypted: a phone number is personal information and a
    body can be a login code. ``sensitive`` bodies are never shown to staff, and are blanked once sent.
    """

    channel = models.CharField(pgettext_lazy("outbox", "channel"), max_length=20)
    event = models.CharField(_("event"), max_length=80, help_text=_("what caused the message"))
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    recipient = EncryptedTextField(pgettext_lazy("outbox", "recipient"))
    recipient_masked = models.CharField(pgettext_lazy("outbox", "recipient"), max_length=64)
    body = EncryptedTextField(_("message text"), blank=True)
    sensitive = models.BooleanField(_("sensitive"), default=True)
    status = models.CharField(_("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(default=10)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)  # a sender holds the row in ``sending`` until then
    claim = models.CharField(max_length=32, blank=True)  # which sender holds it; its outcome must match
    expires_at = models.DateTimeField(null=True, blank=True)  # not worth sending after (a login code)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood=None)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["subdistrict", "status", "-created_at"], name="outbox_by_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=MessageStatus.values), name="outbox_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} {self.event}"  # no recipient: this label lands in the audit log


class OutboxAttempt(models.Model):
    """One try at sending an outbox message: when, and what came of it (an attempt left ``sending`` by a sender
    that stopped is marked interrupted when another sender takes the message over)."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices, default=AttemptOutcome.SENDING)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="outbox_attempt_unique_number"),
            models.CheckConstraint(condition=models.Q(outcome__in=AttemptOutcome.values),
                                   name="outbox_attempt_outcome_known"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.message_id}: {self.outcome}"


class ApiToken(models.Model):
    """A machine's ``Authorization: Token …`` credential for one user.

    Only the SHA-256 digest of the token is stored (the token itself is shown once, when it is issued), so a
    copy of the database holds nothing that signs in. A token expires at ``expires_at`` and stops working at
    once when revoked; both are kept, so the audit log's entries about it keep pointing at a row.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, blank=True)
    prefix = models.CharField(_("starts with"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="user__subdistrict", neighborhood="user__neighborhood", compound="user__compound",
        resident="user",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_by_user")]

    def __str__(self) -> str:
        return f"{self.name or 'token'} ({self.prefix}…)"
