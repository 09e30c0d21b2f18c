from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NoticeState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SHOWN = "shown", pgettext_lazy("notice state", "Shown")
    EXPIRED = "expired", pgettext_lazy("notice state", "Expired")
    WITHDRAWN = "withdrawn", pgettext_lazy("notice state", "Withdrawn")
