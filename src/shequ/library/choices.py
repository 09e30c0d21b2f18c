from django.db import models
from django.utils.translation import gettext_lazy as _


class CopyStatus(models.TextChoices):
    AVAILABLE = "available", _("On the shelf")
    ON_LOAN = "on_loan", _("On loan")
    ON_HOLD = "on_hold", _("Kept for a hold")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HoldStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    READY = "ready", _("Ready to collect")
    FULFILLED = "fulfilled", _("Collected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Not collected in time")
