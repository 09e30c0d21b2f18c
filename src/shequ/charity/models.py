"""The charity shop (慈善超市): donated goods in, stock, monthly points for eligible households, sales.

Stock levels move only by appending a StockMovement; ``StockItem.on_hand`` is their running sum kept in the
same transaction, and the database refuses a negative level. Points and cash are recorded per sale and per
allowance here; the card ledger (cards app) is posted through :mod:`shequ.charity.seams`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.charity.choices import MovementKind
from shequ.core.fields import EncryptedTextField, PinyinField
from shequ.core.models import Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.population.models import Household, Person

_SUBDISTRICT_WIDE: dict[str, Any] = {"subdistrict": "subdistrict", "neighborhood": "subdistrict__neighborhoods"}


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("stock movements are append-only")

    def delete(self) -> Any:
        raise PermissionError("stock movements are append-only")


class StockItem(models.Model):
    """A kind of goods the shop keeps (rice 5 kg, winter coat …), priced in fen; 1 point pays 1 fen."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = PinyinField(source="name")
    unit = models.CharField(_("unit"), max_length=10, default="件")
    price_fen = models.PositiveIntegerField(_("price (fen)"), default=0)
    on_hand = models.IntegerField(_("in stock"), default=0)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        ordering = ["name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "name"], name="charity_item_unique_name"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="charity_item_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Donation(models.Model):
    """Goods received from a donor, with the receipt number printed on the receipt."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    receipt_number = models.CharField(_("receipt number"), max_length=30, unique=True, null=True)
    donor_name = models.CharField(_("donor"), max_length=100)
    donor_phone = EncryptedTextField(_("donor phone"), blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.receipt_number or self.donor_name


class DonationLine(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="charity_donation_line_positive")]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class SaleQuerySet(models.QuerySet["Sale"]):
    def standing(self) -> SaleQuerySet:
        """Sales that stand (not voided at the till): what reports and counts of sales include."""
        return self.filter(voided_at__isnull=True)


class Sale(models.Model):
    """Goods given to a resident, paid with charity points and/or cash (fen)."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    sold_at = models.DateTimeField(_("time"), auto_now_add=True)
    sold_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    total_fen = models.PositiveIntegerField(_("total (fen)"))
    points_paid = models.PositiveIntegerField(_("points paid"), default=0)
    cash_fen = models.PositiveIntegerField(_("cash paid (fen)"), default=0)
    ledger_reference = models.CharField(max_length=64, blank=True)
    # "u<user id>:<key>": a till's retry of the same sale returns it instead of selling twice.
    idempotency_key = models.CharField(max_length=140, null=True, blank=True, unique=True)
    fingerprint = models.CharField(max_length=64, blank=True,
                                   help_text=_("What was asked, to refuse a reused key with other contents."))
    # Set when the till voids the sale: its points reversed and its goods back in stock (actions.void_sale).
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    void_key = models.CharField(max_length=140, blank=True)

    objects = SaleQuerySet.as_manager()

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE, resident="buyer__user")

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-sold_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_fen=models.F("points_paid") + models.F("cash_fen")),
                                   name="charity_sale_paid_in_full"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.buyer}"


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_fen = models.PositiveIntegerField(_("unit price (fen)"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="charity_sale_line_positive")]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class StockMovement(models.Model):
    """One change of a stock level; never edited or deleted (a mistake is corrected by another movement)."""

    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="charity_movement_not_zero"),
            models.CheckConstraint(condition=Q(kind__in=MovementKind.values), name="charity_movement_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("stock movements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("stock movements are append-only")


class AllowanceRun(models.Model):
    """One month's points allowance: every household with an eligible tag gets the same points, once."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    points_per_household = models.PositiveIntegerField(_("points per household"))
    tags = models.JSONField(_("tags"), default=list)
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Set when every eligible household has been granted; a run without it is resumed by the next attempt.
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE)

    class Meta:
        verbose_name = _("monthly allowance")
        verbose_name_plural = _("monthly allowances")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "month"], name="charity_allowance_once_a_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Allowance(models.Model):
    """Points granted to one household for one month, credited to its representative's card."""

    run = models.ForeignKey(AllowanceRun, on_delete=models.PROTECT, related_name="allowances")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveIntegerField(_("points"))
    ledger_reference = models.CharField(max_length=64, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(**_SUBDISTRICT_WIDE, resident="recipient__user")

    class Meta:
        verbose_name = _("allowance")
        verbose_name_plural = _("allowances")
        constraints = [models.UniqueConstraint(fields=["run", "household"], name="charity_allowance_once_per_run")]

    def __str__(self) -> str:
        return f"{self.run} {self.household}"
