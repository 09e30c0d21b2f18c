"""Choices of the health app, and the chronic-disease schedule of China's basic public health service."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WorkerKind(models.TextChoices):
    FAMILY_DOCTOR = "family_doctor", _("Family doctor")
    CENTRE_STAFF = "centre_staff", _("Health-centre staff")


class ConditionCode(models.TextChoices):
    """Chronic conditions the registry keeps; the value is the ICD-10 category."""

    HYPERTENSION = "I10", _("Hypertension")
    TYPE2_DIABETES = "E11", _("Type 2 diabetes")
    SEVERE_MENTAL_DISORDER = "F20", _("Severe mental disorder")
    COPD = "J44", _("Chronic obstructive pulmonary disease")
    CORONARY_HEART_DISEASE = "I25", _("Coronary heart disease")
    STROKE_SEQUELAE = "I69", _("Sequelae of stroke")


@dataclass(frozen=True)
class Schedule:
    """How often the national basic public health service (国家基本公共卫生服务规范, 3rd ed.) wants a patient seen."""

    visits_per_year: int
    # Seen again within this many days when the last follow-up found the condition uncontrolled.
    uncontrolled_recall_days: int = 14

    @property
    def interval_months(self) -> int:
        return 12 // self.visits_per_year


# Hypertension and type 2 diabetes: at least four face-to-face follow-ups a year (quarterly), and a recall
# within two weeks when blood pressure or glucose is not under control. Severe mental disorders: at least
# four a year as well. COPD, coronary heart disease and stroke are registered and managed by the family
# doctor but the national service sets them no follow-up schedule, so none is generated.
SCHEDULES: dict[str, Schedule] = {
    ConditionCode.HYPERTENSION: Schedule(visits_per_year=4),
    ConditionCode.TYPE2_DIABETES: Schedule(visits_per_year=4),
    ConditionCode.SEVERE_MENTAL_DISORDER: Schedule(visits_per_year=4),
}

# ICD-10 codes an import may carry, by prefix, mapped to the registry's categories (I10–I15 are all
# hypertensive diseases; a clinic often sends the subcategory, e.g. E11.9).
ICD10_PREFIXES: dict[str, str] = {
    "I10": ConditionCode.HYPERTENSION, "I11": ConditionCode.HYPERTENSION, "I12": ConditionCode.HYPERTENSION,
    "I13": ConditionCode.HYPERTENSION, "I15": ConditionCode.HYPERTENSION,
    "E11": ConditionCode.TYPE2_DIABETES,
    "F20": ConditionCode.SEVERE_MENTAL_DISORDER, "F25": ConditionCode.SEVERE_MENTAL_DISORDER,
    "F31": ConditionCode.SEVERE_MENTAL_DISORDER,
    "J44": ConditionCode.COPD,
    "I25": ConditionCode.CORONARY_HEART_DISEASE,
    "I69": ConditionCode.STROKE_SEQUELAE,
}


def condition_for_icd10(code: str) -> str | None:
    return ICD10_PREFIXES.get(code.strip().upper()[:3])


class ConditionStatus(models.TextChoices):
    MANAGED = "managed", _("Under management")
    CLOSED = "closed", _("Closed")


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpMethod(models.TextChoices):
    CLINIC = "clinic", _("At the clinic")
    HOME = "home", _("Home visit")
    PHONE = "phone", _("By phone")


# Methods that count as face-to-face for the national schedule.
FACE_TO_FACE = frozenset({FollowUpMethod.CLINIC, FollowUpMethod.HOME})


class Source(models.TextChoices):
    STAFF = "staff", _("Entered by staff")
    RESIDENT = "resident", _("Resident's own entry")
    IMPORT = "import", pgettext_lazy("health record source", "Imported")


class AlertKind(models.TextChoices):
    BP_HIGH = "bp_high", _("Blood pressure very high")
    BP_LOW = "bp_low", _("Blood pressure very low")
    GLUCOSE_HIGH = "glucose_high", _("Blood glucose very high")
    GLUCOSE_LOW = "glucose_low", _("Blood glucose very low")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDLED = "handled", _("Handled")


# Referral thresholds of the national basic public health service (hypertension and type 2 diabetes
# guidelines): a reading at or beyond these needs the family doctor now, not at the next follow-up.
SYSTOLIC_HIGH = 180  # mmHg, or diastolic ≥ 110
DIASTOLIC_HIGH = 110
SYSTOLIC_LOW = 90  # mmHg, or diastolic ≤ 60: too low, e.g. over-treatment
DIASTOLIC_LOW = 60
GLUCOSE_HIGH = Decimal("16.7")  # mmol/L
GLUCOSE_LOW = Decimal("3.9")  # mmol/L, hypoglycaemia

# A follow-up reading above these means "not under control": recall within two weeks.
SYSTOLIC_CONTROLLED = 140
DIASTOLIC_CONTROLLED = 90
FASTING_GLUCOSE_CONTROLLED = Decimal("7.0")


def out_of_range(
    *, systolic: int | None, diastolic: int | None, glucose: Decimal | None
) -> list[str]:
    """The alert kinds a set of readings raises (empty when all are in range or missing)."""
    kinds: list[str] = []
    if (systolic is not None and systolic >= SYSTOLIC_HIGH) or (diastolic is not None and diastolic >= DIASTOLIC_HIGH):
        kinds.append(AlertKind.BP_HIGH)
    elif (systolic is not None and systolic <= SYSTOLIC_LOW) or (diastolic is not None and diastolic <= DIASTOLIC_LOW):
        kinds.append(AlertKind.BP_LOW)
    if glucose is not None and glucose >= GLUCOSE_HIGH:
        kinds.append(AlertKind.GLUCOSE_HIGH)
    elif glucose is not None and glucose <= GLUCOSE_LOW:
        kinds.append(AlertKind.GLUCOSE_LOW)
    return kinds
