"""三库合一: records from outside systems (clinic encounters, health records), linked to registry persons.

A :class:`SourceRecord` is never changed by linkage: a :class:`PersonLink` says which person it is, and
un-merging ends the link (the row stays, with who ended it and when), so both sides are as they were.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core import crypto
from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.models import Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.linkage.choices import CandidateStatus, LinkOrigin, SourceKind
from shequ.population.models import Person

# Linkage data belongs to the sub-district (its health centre serves all of it); a health worker placed
# in one neighborhood works the same sub-district-wide index and review queue.
_SCOPE = ScopePaths(subdistrict="subdistrict", neighborhood="subdistrict__neighborhoods")


class SourceBatch(models.Model):
    """One file or API batch from an outside system, imported whole or not at all."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = _SCOPE

    class Meta:
        verbose_name = _("source batch")
        verbose_name_plural = _("source batches")
        ordering = ["-imported_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="batch_kind_known")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"


class SourceRecord(models.Model):
    """A person as an outside system wrote her down; identifiers encrypted at rest like the registry's."""

    batch = models.ForeignKey(SourceBatch, on_delete=models.PROTECT, related_name="records")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(_("record number in the source"), max_length=60, blank=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = BlindIndexField(source="id_number", kind="id", normalizer="shequ.core.idnumbers.normalize",
                                      db_index=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", normalizer="shequ.core.crypto.normalize_phone",
                                  db_index=True)
    address = models.CharField(_("address"), max_length=150, blank=True)
    # The visit itself (clinic encounters only): written into the person's health record once she is linked.
    occurred_on = models.DateField(_("date of the visit"), null=True, blank=True)
    facility = models.CharField(_("facility"), max_length=100, blank=True)
    reason = EncryptedTextField(_("reason for the visit"), blank=True)
    diagnosis = EncryptedTextField(_("diagnosis"), blank=True)
    diagnosis_code = EncryptedTextField(_("diagnosis code (ICD-10)"), blank=True)

    SCOPE: ClassVar[ScopePaths] = _SCOPE

    class Meta:
        verbose_name = _("source record")
        verbose_name_plural = _("source records")

    def __str__(self) -> str:
        return f"{self.name} ({self.batch.get_kind_display()})"

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number or "")

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone or "")


class LinkageRun(models.Model):
    """One run of the model over the records not yet linked; its figures are the run report."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    records = models.PositiveIntegerField(_("records"), default=0)
    linked = models.PositiveIntegerField(_("linked"), default=0)
    review = models.PositiveIntegerField(_("to review"), default=0)
    unmatched = models.PositiveIntegerField(_("no match"), default=0)
    reused_decisions = models.PositiveIntegerField(_("earlier decisions used"), default=0)
    histogram = models.JSONField(_("match weights"), default=list, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)

    SCOPE: ClassVar[ScopePaths] = _SCOPE

    class Meta:
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.started_at:%Y-%m-%d %H:%M}"


class LinkCandidate(models.Model):
    """The model's best registry person for a record in a run, with its match weight."""

    run = models.ForeignKey(LinkageRun, on_delete=models.PROTECT, related_name="candidates")
    record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="candidates")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    match_weight = models.FloatField(_("match weight"), null=True, blank=True)
    match_probability = models.FloatField(_("match probability"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20)
    status = models.CharField(_("status"), max_length=20, choices=CandidateStatus.choices)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")

    SCOPE: ClassVar[ScopePaths] = _SCOPE

    class Meta:
        verbose_name = _("link candidate")
        verbose_name_plural = _("link candidates")
        constraints = [
            models.UniqueConstraint(fields=["run", "record"], name="candidate_one_per_record_and_run"),
            models.CheckConstraint(condition=Q(status__in=CandidateStatus.values), name="candidate_status_known"),
        ]
        indexes = [models.Index(fields=["run", "status"], name="candidate_by_status")]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.person_id} ({self.match_weight})"


class ReviewDecision(models.Model):
    """A health worker's word on a pair: the same person or not. Kept, and used by every later run."""

    record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="decisions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    is_match = models.BooleanField(_("same person"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")

    SCOPE: ClassVar[ScopePaths] = _SCOPE

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.record_id} {'=' if self.is_match else '≠'} {self.person_id}"


class PersonLink(models.Model):
    """A record merged into a registry person's index; ``ended_at`` set by an un-merge."""

    record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(_("origin"), max_length=20, choices=LinkOrigin.choices)
    match_weight = models.FloatField(_("match weight"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    ended_at = models.DateTimeField(_("un-merged at"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")

    SCOPE: ClassVar[ScopePaths] = _SCOPE

    class Meta:
        verbose_name = _("person link")
        verbose_name_plural = _("person links")
        constraints = [
            models.UniqueConstraint(fields=["record"], condition=Q(ended_at__isnull=True), name="link_one_open"),
            models.CheckConstraint(condition=Q(origin__in=LinkOrigin.values), name="link_origin_known"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.person_id}"
