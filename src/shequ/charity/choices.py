from django.db import models
from django.utils.translation import gettext_lazy as _


class MovementKind(models.TextChoices):
    DONATION = "donation", _("Donation received")
    SALE = "sale", _("Sale")
    ADJUSTMENT = "adjustment", _("Stock count adjustment")
    WRITE_OFF = "write_off", _("Written off")
    VOID = "void", _("Sale voided: goods back in stock")


ELIGIBLE_TAGS = ("subsistence", "low_income", "disability", "bereaved_parents", "special_care")
