from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    CLINIC = "clinic", _("Clinic encounters")
    HEALTH = "health", _("Health records")


class CandidateStatus(models.TextChoices):
    LINKED = "linked", _("Linked")
    REVIEW = "review", _("To review")
    UNMATCHED = "unmatched", _("No match")


class LinkOrigin(models.TextChoices):
    MODEL = "model", _("Linkage model")
    REVIEW = "review", _("Clerical review")
