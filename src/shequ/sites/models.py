"""Owners' roll and owners' votes (Civil Code art. 278).

- :class:`Ownership` — the owners' roll of a compound with history: one row per owner of record of a dwelling for a
  period (``valid_from`` inclusive, ``valid_to`` exclusive). An owner need not live here; when her ID number matches
  a registry person, ``person`` links her, and through it her portal account may vote online.
- :class:`Vote` — a matter put to the owners of one compound, with its art. 278 category.
- :class:`Elector` — the electorate frozen when the vote opens: one row per owner by head (several units of one
  owner together; all of the developer's unsold units together), with the area of all her units.
- :class:`Ballot` — that an elector has voted, and how (paper or online). One per elector, enforced by the database,
  so a paper ballot and an online one can never both count. For a secret vote it carries no choice.
- :class:`ChoiceTotal` — per vote and choice, the heads and area that chose it: the only place a secret vote's
  choices are kept, so no row joins a choice to an owner.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core import crypto
from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.models import Compound, Dwelling
from shequ.core.scopes import ScopePaths
from shequ.population.models import Person
from shequ.sites.choices import SPECIAL_MAJORITY, Channel, Choice, MatterCategory, Organiser, VoteStatus

DEVELOPER_KEY = "developer"  # the owner key of all the developer's unsold units: one owner in total


def _scope(to_compound: str) -> ScopePaths:
    return ScopePaths(
        subdistrict=f"{to_compound}__neighborhood__subdistrict",
        neighborhood=f"{to_compound}__neighborhood",
        compound=to_compound,
        # Residents of the compound, and owners of record who live elsewhere.
        resident=(f"{to_compound}__buildings__dwellings__people__user",
                  f"{to_compound}__ownerships__person__user"),
    )


class OwnershipQuerySet(models.QuerySet["Ownership"]):
    def on(self, day: object) -> OwnershipQuerySet:
        """Owners of record on ``day`` (a date)."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day)

    def current(self) -> OwnershipQuerySet:
        return self.filter(valid_to__isnull=True)


class Ownership(models.Model):
    """One owner of record of one dwelling for a period, with the dwelling's registered area (m², exact)."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="ownerships")
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="ownerships")
    area = models.DecimalField(_("registered area (m²)"), max_digits=10, decimal_places=2)
    owner_name = models.CharField(_("owner"), max_length=100)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = BlindIndexField(source="id_number", kind="id", normalizer="shequ.core.idnumbers.normalize",
                                      db_index=True)
    is_developer = models.BooleanField(_("developer's unsold unit"), default=False)
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="ownerships")
    valid_from = models.DateField(_("owner of record from"))
    valid_to = models.DateField(_("owner of record until"), null=True, blank=True)
    source = models.CharField(_("imported from"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="compound__neighborhood__subdistrict", neighborhood="compound__neighborhood",
        compound="compound", resident="person__user",
    )

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("owners' roll")
        ordering = ["dwelling__label", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(area__gt=0), name="sites_ownership_area_positive"),
            models.CheckConstraint(condition=Q(is_developer=True) | ~Q(id_number_index=""),
                                   name="sites_ownership_owner_identified"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                                   name="sites_ownership_period"),
            # One owner of record per dwelling at a time; joint owners are entered as one (their representative).
            models.UniqueConstraint(fields=["dwelling"], condition=Q(valid_to__isnull=True),
                                    name="sites_ownership_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.dwelling} {self.owner_name}"

    @property
    def owner_key(self) -> str:
        return DEVELOPER_KEY if self.is_developer else self.id_number_index

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number or "")


class Vote(models.Model):
    """A matter put to the owners of one compound."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="owner_votes")
    title = models.CharField(pgettext_lazy("vote", "matter"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category (Civil Code art. 278)"), max_length=30, choices=MatterCategory.choices)
    secret = models.BooleanField(_("secret ballot"), default=False,
                                 help_text=_("Nobody sees who voted what; totals are shown once the vote closes."))
    organiser = models.CharField(_("organised by"), max_length=30, choices=Organiser.choices)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(_("status"), max_length=20, choices=VoteStatus.choices, default=VoteStatus.DRAFT)
    roll_date = models.DateField(_("owners of record on"), null=True, blank=True)
    result = models.JSONField(_("published result"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    SCOPE: ClassVar[ScopePaths] = _scope("compound")

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="sites_vote_period"),
            models.CheckConstraint(condition=Q(category__in=MatterCategory.values), name="sites_vote_category"),
            models.CheckConstraint(condition=Q(status__in=VoteStatus.values), name="sites_vote_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def special(self) -> bool:
        """Whether the matter needs three quarters (items 6-8 of art. 278)."""
        return self.category in SPECIAL_MAJORITY

    @property
    def choices_visible(self) -> bool:
        """Whether the totals per choice may be shown: always for an open ballot, after closing for a secret one
        (a live secret tally beside the list of who has voted would tell each new voter's choice)."""
        return not self.secret or self.status in (VoteStatus.CLOSED, VoteStatus.PUBLISHED)


class Elector(models.Model):
    """One owner by head in a vote's electorate, frozen when the vote opens."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="electors")
    owner_key = models.CharField(max_length=64)
    name = models.CharField(_("owner"), max_length=100)
    units = models.PositiveIntegerField(_("units"))
    area = models.DecimalField(_("area (m²)"), max_digits=10, decimal_places=2)
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    SCOPE: ClassVar[ScopePaths] = _scope("vote__compound")

    class Meta:
        verbose_name = _("elector")
        verbose_name_plural = _("electors")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "owner_key"], name="sites_elector_once"),
            models.CheckConstraint(condition=Q(area__gt=0) & Q(units__gt=0), name="sites_elector_holds"),
        ]

    def __str__(self) -> str:
        return self.name


class Ballot(models.Model):
    """That an elector voted, by which channel. ``choice`` is blank for a secret vote (see :class:`ChoiceTotal`)."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    elector = models.OneToOneField(Elector, on_delete=models.PROTECT, related_name="ballot")
    channel = models.CharField(pgettext_lazy("ballot", "channel"), max_length=10, choices=Channel.choices)
    choice = models.CharField(pgettext_lazy("ballot", "choice"), max_length=10, choices=Choice.choices, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    at = models.DateTimeField()

    SCOPE: ClassVar[ScopePaths] = _scope("vote__compound")

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.CheckConstraint(condition=Q(channel=Channel.PAPER, entered_by__isnull=False)
                                   | Q(channel=Channel.ONLINE, entered_by__isnull=True),
                                   name="sites_ballot_channel"),
            models.CheckConstraint(condition=Q(choice__in=[*Choice.values, ""]), name="sites_ballot_choice"),
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}/{self.elector_id} {self.channel}"


class ChoiceTotal(models.Model):
    """Heads and area that chose one answer in one vote; incremented as ballots come in, never linked to them."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="totals")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    heads = models.PositiveIntegerField(default=0)
    area = models.DecimalField(default=0, max_digits=10, decimal_places=2)

    SCOPE: ClassVar[ScopePaths] = _scope("vote__compound")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "choice"], name="sites_total_once")]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.choice}"
