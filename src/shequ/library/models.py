"""The community library (社区图书馆): titles, copies, loans and holds of one sub-district.

The catalogue belongs to the sub-district, so a librarian of any of its neighborhoods serves all of it;
a reader is a Person of the registry and sees her own loans and holds.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.fields import PinyinField
from shequ.core.models import Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.library.choices import CopyStatus, HoldStatus
from shequ.population.models import Person

# Staff of a neighborhood work for the library of the whole sub-district.
_SUBDISTRICT_WIDE = {"subdistrict": "subdistrict", "neighborhood": "subdistrict__neighborhoods"}


class Title(models.Model):
    """A book in the catalogue (one ISBN), with its pinyin for search on a phone keyboard."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    isbn = models.CharField(_("ISBN"), max_length=13, help_text=_("ISBN-10 or ISBN-13; stored as ISBN-13"))
    title = models.CharField(_("title"), max_length=200)
    title_pinyin = PinyinField(source="title", db_index=True)
    title_initials = PinyinField(source="title", initials=True, max_length=100, db_index=True)
    authors = models.CharField(_("authors"), max_length=200, blank=True)
    authors_pinyin = PinyinField(source="authors")
    publisher = models.CharField(_("publisher"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("title")
        verbose_name_plural = _("titles")
        ordering = ["title_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "isbn"], name="library_title_unique_isbn"),
            models.CheckConstraint(condition=Q(isbn__regex=r"^97[89][0-9]{10}$"), name="library_title_isbn13"),
        ]

    def __str__(self) -> str:
        return self.title


class Copy(models.Model):
    """One physical book with its barcode label."""

    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="copies")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    barcode = models.CharField(_("barcode"), max_length=32, unique=True)
    shelf = models.CharField(_("shelf"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CopyStatus.choices, default=CopyStatus.AVAILABLE)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        ordering = ["barcode"]
        constraints = [models.CheckConstraint(condition=Q(status__in=CopyStatus.values), name="library_copy_status")]

    def __str__(self) -> str:
        return f"{self.barcode} {self.title}"


class Loan(models.Model):
    """A copy lent to a reader; open until returned. The history is every loan, open or closed."""

    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="loans")
    reader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    borrowed_at = models.DateTimeField(_("borrowed"))
    due_on = models.DateField(pgettext_lazy("library loan", "due"), db_index=True)
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    reminded_on = models.DateField(_("reminded on"), null=True, blank=True)
    lent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE, resident="reader__user")

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-borrowed_at", "-id"]
        constraints = [
            # A copy is lent to one reader at a time, even when two desks scan it at once.
            models.UniqueConstraint(fields=["copy"], condition=Q(returned_at__isnull=True),
                                    name="library_loan_one_open"),
            models.CheckConstraint(condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("borrowed_at")),
                                   name="library_loan_returned_after_borrowed"),
        ]

    def __str__(self) -> str:
        return f"{self.copy.barcode} → {self.reader}"


class Hold(models.Model):
    """A reader queues for a title; when a copy comes back it is kept for the first in the queue."""

    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="holds")
    reader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(_("placed"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=HoldStatus.choices, default=HoldStatus.WAITING)
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ready_until = models.DateField(_("collect by"), null=True, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE, resident="reader__user")

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["placed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["title", "reader"], condition=Q(status__in=["waiting", "ready"]),
                                    name="library_hold_one_active"),
            models.CheckConstraint(condition=Q(status__in=HoldStatus.values), name="library_hold_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ← {self.reader}"
