"""Choices of the core app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TaskStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class AttemptOutcome(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    ERROR = "error", _("Error")
    INTERRUPTED = "interrupted", _("Interrupted")


class TextSize(models.TextChoices):
    """The size of text in 长辈版 (large-text mode): the elder-friendly standard, or larger still on request."""

    STANDARD = "standard", pgettext_lazy("text size", "Standard")
    LARGER = "larger", pgettext_lazy("text size", "Larger")
