from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CardStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("resident card status", "Active")
    LOST = "lost", _("Reported lost")
    FROZEN = "frozen", _("Frozen")
    CANCELLED = "cancelled", pgettext_lazy("resident card status", "Cancelled")


class WalletKind(models.TextChoices):
    """What a wallet holds. Money in fen; the time bank in minutes."""

    CASH = "cash", _("Cash")
    MEAL_SUBSIDY = "meal_subsidy", _("Meal subsidy")
    CHARITY_POINTS = "charity_points", _("Charity points")
    TIME_BANK = "time_bank", _("Time-bank minutes")


class AccountKind(models.TextChoices):
    """The system side of every transaction: where a wallet's value comes from or goes to."""

    CASH_BOX = "cash_box", _("Top-up cash box")
    CASH_INTAKE = "cash_intake", _("Cash taken in at the desk")
    SUBSIDY_FUND = "subsidy_fund", _("Meal subsidy fund")
    CHARITY_FUND = "charity_fund", _("Charity fund")
    CANTEEN = "canteen", _("Canteen settlement")
    CHARITY_SHOP = "charity_shop", _("Charity-shop settlement")
    LIBRARY = "library", _("Library fees")
    TIME_BANK = "time_bank", _("Time bank")
    REFUNDS = "refunds", _("Cash refunds")


class TransactionKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    CASH_IN = "cash_in", _("Cash put in a cash box")
    PAYMENT = "payment", _("Payment")
    CREDIT = "credit", _("Credit")
    TRANSFER = "transfer", _("Transfer to a new card")
    PAYOUT = "payout", _("Pay-out on cancellation")
    REVERSAL = "reversal", _("Reversal")


class Operation(models.TextChoices):
    """What a transaction was for, in its app's terms: a terminal may post only its kind's operations."""

    MEAL = "meal", pgettext_lazy("transaction purpose", "Meal")
    SALE = "sale", _("Charity-shop sale")
    TOP_UP = "top_up", _("Top-up")
    CASH_IN = "cash_in", _("Cash counted into a cash box")
    SHIFT = "shift", _("Time banked for a shift served")


class TerminalKind(models.TextChoices):
    CANTEEN_TILL = "canteen_till", _("Canteen till")
    CHARITY_TILL = "charity_till", _("Charity-shop till")
    LIBRARY_DESK = "library_desk", _("Library desk")
    VOLUNTEER_KIOSK = "volunteer_kiosk", _("Volunteer kiosk")
    TOP_UP_DESK = "top_up_desk", _("Top-up desk")


class CancelReason(models.TextChoices):
    DEATH = "death", _("Death")
    MOVED_AWAY = "moved_away", _("Moved away")
    REQUESTED = "requested", _("At the holder's request")
    REPLACED = "replaced", _("Replaced by a new card")
