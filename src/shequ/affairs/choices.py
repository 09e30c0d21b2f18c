from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DepartmentKind(models.TextChoices):
    """The kinds of party a request can be dispatched to."""

    SUBDISTRICT_OFFICE = "subdistrict_office", _("Sub-district office")
    COMMITTEE = "committee", _("Residents' committee")
    PROPERTY = "property", _("Property company")
    POLICE = "police", _("Police office")
    HEALTH = "health", _("Health centre")
    OTHER = "other", _("Other party")


class Channel(models.TextChoices):
    COUNTER = "counter", _("Counter")
    HOTLINE = "hotline", _("Hotline")
    PORTAL = "portal", _("Resident portal")
    API = "api", _("API")
    DEVICE = "device", _("Device alarm")


class SlaUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    HOURS = "hours", _("hours")


class Status(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    RETURNED = "returned", _("Returned for information")
    RESOLVED = "resolved", pgettext_lazy("service request status", "Resolved")
    CONFIRMED = "confirmed", _("Confirmed")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another")


# Still waiting for the departments: what counts against the deadline and shows on the queue.
OPEN_STATUSES = (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED)
DONE_STATUSES = (Status.RESOLVED, Status.CONFIRMED, Status.CLOSED)


class StepKind(models.TextChoices):
    CREATED = "created", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    STARTED = "started", pgettext_lazy("service request step", "Started")
    RESOLVED = "resolved", pgettext_lazy("service request step", "Resolved")
    CONFIRMED = "confirmed", _("Confirmed and rated")
    CLOSED = "closed", _("Closed")
    TRANSFERRED = "transferred", _("Transferred")
    RETURNED = "returned", _("Returned for information")
    REOPENED = "reopened", _("Reopened")
    MERGED = "merged", _("Merged")
    ESCALATED = "escalated", _("Escalated")
    LINKED = "linked", _("Emergency linkage dispatched")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (no work)")
    WORKDAY = "workday", _("Make-up working day (调休)")
