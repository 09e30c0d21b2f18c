"""The fixed vocabularies of the eldercare app: why someone is on the care roll, how consent was given, care grades,
why an elder is away, who an emergency contact is."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RollReason(models.TextChoices):
    """Why someone is on the care roll. Each is found by a rule on the registry, or added by hand."""

    LIVING_ALONE = "living_alone", _("Living alone")
    AGED_80 = "aged_80", _("Aged 80 or over")
    DISABILITY = "disability", _("Disability")
    BEREAVED = "bereaved", _("Lost an only child")


class ReasonSource(models.TextChoices):
    """Where a reason on the roll came from: a rule refreshes it, a hand-added one stays until removed by hand."""

    RULE = "rule", _("By rule")
    HAND = "hand", _("By hand")


# The registry's tag (population.Tag.code) behind each reason found by a tag; AGED_80 is found by birth date.
REASON_TAGS: dict[str, str] = {
    RollReason.LIVING_ALONE: "elder_alone",
    RollReason.DISABILITY: "disability",
    RollReason.BEREAVED: "bereaved_parents",
}
ROLL_AGE = 80


class ConsentForm(models.TextChoices):
    PAPER = "paper", _("Signed on paper")
    VERBAL = "verbal", _("Given verbally")


class CareGrade(models.IntegerChoices):
    """Shanghai's unified care-needs assessment (老年照护统一需求评估): normal, or grades 1 to 6."""

    NORMAL = 0, pgettext_lazy("care grade", "Normal")
    GRADE_1 = 1, _("Grade 1")
    GRADE_2 = 2, _("Grade 2")
    GRADE_3 = 3, _("Grade 3")
    GRADE_4 = 4, _("Grade 4")
    GRADE_5 = 5, _("Grade 5")
    GRADE_6 = 6, _("Grade 6")


# Home-care visits a week that a grade implies (long-term care insurance covers grades 2–6).
VISITS_PER_WEEK: dict[int, int] = {2: 3, 3: 3, 4: 5, 5: 7, 6: 7}
ASSESSMENT_VALID_YEARS = 2
REASSESSMENT_NOTICE_DAYS = 30


def visits_per_week(grade: int | None) -> int:
    """Home-care visits a week for a care grade: grades 2–3: 3, 4: 5, 5–6: 7, otherwise none."""
    return VISITS_PER_WEEK.get(grade or 0, 0)


class AwayReason(models.TextChoices):
    WITH_FAMILY = "family", _("Staying with family")
    HOSPITAL = "hospital", _("In hospital")
    TRAVELLING = "travelling", _("Travelling")
    OTHER = "other", pgettext_lazy("away reason", "Other")


class ContactRelationship(models.TextChoices):
    CHILD = "child", _("Son or daughter")
    SPOUSE = "spouse", _("Spouse")
    SIBLING = "sibling", _("Brother or sister")
    GRANDCHILD = "grandchild", _("Grandchild")
    RELATIVE = "relative", _("Other relative")
    NEIGHBOUR = "neighbour", _("Neighbour")
    FRIEND = "friend", _("Friend")
    OTHER = "other", pgettext_lazy("relationship", "Other")


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert", "Open")
    CLOSED = "closed", pgettext_lazy("alert", "Closed")


class LadderStep(models.TextChoices):
    """The rungs of the alert ladder, in order; an alarm that cannot wait (smoke, the one-button call) starts at
    EMERGENCY, and a door visit that finds no answer ends there."""

    CALL_ELDER = "call_elder", _("Automatic call and SMS to her")
    CONTACT = "contact", _("Her emergency contact")
    WORKER = "worker", _("The committee worker")
    DOOR_VISIT = "door_visit", _("A visit to her door")
    EMERGENCY = "emergency", _("Emergency request")


LADDER = [LadderStep.CALL_ELDER, LadderStep.CONTACT, LadderStep.WORKER, LadderStep.DOOR_VISIT, LadderStep.EMERGENCY]


class StepEnd(models.TextChoices):
    """How a rung of the ladder ended."""

    ACKNOWLEDGED = "acknowledged", _("Taken on")
    TIMED_OUT = "timed_out", _("No answer in time")
    PASSED_ON = "passed_on", _("Passed on")
    SKIPPED = "skipped", _("Skipped")
    CLOSED = "closed", pgettext_lazy("alert step", "Closed")


class AlertOutcome(models.TextChoices):
    FINE = "fine", _("She is fine")
    HELPED = "helped", _("Helped at home")
    HOSPITAL = "hospital", _("Taken to hospital")
    FALSE_ALARM = "false_alarm", _("False alarm")


class FalseAlarmCause(models.TextChoices):
    """Why a false alarm went off: each cause suggests its own change (docs/eldercare-alerts.md)."""

    AWAY_UNMARKED = "away", _("She was away and not marked away")
    HABIT = "habit", _("Her habits differ (little water, seldom out)")
    VISITOR = "visitor", _("Family or a carer used the flat")
    SENSOR = "sensor", _("Sensor fault, battery or badly placed")
    PRESSED_BY_MISTAKE = "mistake", _("Button pressed by mistake")
    OTHER = "other", pgettext_lazy("false alarm cause", "Other")


class CheckInMethod(models.TextChoices):
    """How a visitor showed she was at the elder's door: her own resident card, the signed QR code on the door,
    or by hand with a reason (the card forgotten, the QR code torn off)."""

    CARD = "card", _("Resident card")
    DOOR_QR = "door_qr", _("QR code on the door")
    HAND = "hand", _("By hand")
