from django.db import models
from django.utils.translation import gettext_lazy as _


class MealTime(models.TextChoices):
    BREAKFAST = "breakfast", _("Breakfast")
    LUNCH = "lunch", _("Lunch")
    DINNER = "dinner", _("Dinner")


class RuleKind(models.TextChoices):
    """Age bands take the highest that applies; tag supplements add up."""

    AGE_BAND = "age_band", _("Age band")
    TAG = "tag", _("Tag supplement")
