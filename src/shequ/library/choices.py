from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CopyStatus(models.TextChoices):
    AVAILABLE = "available", _("On the shelf")
    ON_LOAN = "on_loan", pgettext_lazy("library copy status", "On loan")
    ON_HOLD = "on_hold", _("Kept for a hold")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HoldStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    READY = "ready", _("Ready to collect")
    FULFILLED = "fulfilled", _("Collected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Not collected in time")
