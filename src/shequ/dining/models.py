"""Elderly dining (老人就餐): canteens, daily menus, subsidy rules and the meals bought with the card.

A meal's money moves in the card ledger (one transaction: subsidy fund + meal-subsidy wallet + cash
wallet → the canteen's settlement account); the :class:`Meal` row keeps the split so that a month's
settlement can be read without the ledger and then proved equal to it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shequ.core.models import Neighborhood, Subdistrict
from shequ.core.scopes import ScopePaths
from shequ.dining.choices import MealTime, RuleKind


class Canteen(models.Model):
    """A community canteen (社区长者食堂 / 助餐点). Its money is settled on its own ledger account."""

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=150, blank=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    account = models.OneToOneField("cards.Account", on_delete=models.PROTECT, related_name="canteen")
    operators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="canteens",
                                       verbose_name=_("operators"))
    is_active = models.BooleanField(_("open"), default=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood="neighborhood")

    class Meta:
        verbose_name = _("canteen")
        verbose_name_plural = _("canteens")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Menu(models.Model):
    """What one canteen serves on one day."""

    canteen = models.ForeignKey(Canteen, on_delete=models.PROTECT, related_name="menus")
    day = models.DateField(_("day"))

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="canteen__subdistrict", neighborhood="canteen__neighborhood")

    class Meta:
        verbose_name = _("menu")
        verbose_name_plural = _("menus")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["canteen", "day"], name="menu_one_per_day")]

    def __str__(self) -> str:
        return f"{self.canteen} {self.day}"


class MenuItem(models.Model):
    menu = models.ForeignKey(Menu, on_delete=models.PROTECT, related_name="items")
    name = models.CharField(_("dish or set meal"), max_length=100)
    meal_time = models.CharField(_("meal"), max_length=20, choices=MealTime.choices, default=MealTime.LUNCH)
    price_fen = models.PositiveIntegerField(_("price (fen)"))

    class Meta:
        verbose_name = _("menu item")
        verbose_name_plural = _("menu items")
        ordering = ["meal_time", "price_fen", "id"]
        constraints = [models.CheckConstraint(condition=Q(price_fen__gt=0), name="menuitem_price_positive")]

    def __str__(self) -> str:
        return self.name


class SubsidyRule(models.Model):
    """How much the subsidy fund pays towards one meal: the highest age band the diner is in, plus a
    supplement for each tag she carries (低保, 独居老人 …), never more than the price."""

    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("to age"), null=True, blank=True,
                                               help_text=_("inclusive; empty: no limit"))
    tag = models.SlugField(_("tag code"), max_length=40, blank=True, help_text=_("a population tag code"))
    amount_fen = models.PositiveIntegerField(_("subsidy per meal (fen)"))
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    help_text=_("empty: applies everywhere"))
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("subsidy rule")
        verbose_name_plural = _("subsidy rules")
        ordering = ["kind", "min_age", "tag"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=RuleKind.AGE_BAND) & Q(min_age__isnull=False) & Q(tag=""))
                | (Q(kind=RuleKind.TAG) & ~Q(tag="")),
                name="subsidyrule_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.min_age or self.tag}: {self.amount_fen}"


class MealQuerySet(models.QuerySet["Meal"]):
    def served(self) -> MealQuerySet:
        """Meals that stand: not voided at the till and whose payment was not reversed at the card desk."""
        return self.filter(voided_at__isnull=True, transaction__reversed_by__isnull=True)


class Meal(models.Model):
    """One meal bought with a card. ``price_fen = subsidy_fen + from_meal_wallet_fen + cash_fen``."""

    canteen = models.ForeignKey(Canteen, on_delete=models.PROTECT, related_name="meals")
    item = models.ForeignKey(MenuItem, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"), db_index=True)
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("population.Person", on_delete=models.PROTECT, related_name="+")
    price_fen = models.PositiveIntegerField(_("price"))
    subsidy_fen = models.PositiveIntegerField(_("subsidy"))
    from_meal_wallet_fen = models.PositiveIntegerField(_("from meal-subsidy wallet"))
    cash_fen = models.PositiveIntegerField(_("cash"))
    transaction = models.OneToOneField("cards.Transaction", on_delete=models.PROTECT, related_name="meal")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    # Set when the till voids the meal (its payment reversed in the same transaction, see actions.void_meal).
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    # "u<user id>:<key>": a retried void returns the first answer instead of being refused as a second void.
    void_key = models.CharField(max_length=140, blank=True)

    objects = MealQuerySet.as_manager()

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="canteen__subdistrict", neighborhood="canteen__neighborhood", resident="person__user")

    class Meta:
        verbose_name = _("meal")
        verbose_name_plural = _("meals")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "day"], name="meal_person_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_fen=F("subsidy_fen") + F("from_meal_wallet_fen") + F("cash_fen")),
                name="meal_split_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.item_id}"
