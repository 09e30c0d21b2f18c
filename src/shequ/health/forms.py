"""Forms of the health pages: they parse input; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.models import User
from shequ.core.roles import Role
from shequ.health.choices import ConditionCode, FollowUpMethod, WorkerKind

_DATE = forms.DateInput(attrs={"type": "date"})
_NUMBER = {"inputmode": "decimal"}


class RecordForm(forms.Form):
    blood_type = forms.CharField(label=_("Blood type"), max_length=10, required=False)
    allergies = forms.CharField(label=_("Allergies"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    past_history = forms.CharField(label=_("Past medical history"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    family_history = forms.CharField(label=_("Family history"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    lifestyle = forms.CharField(label=_("Lifestyle (smoking, drinking, exercise)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("Reason for the change"), max_length=200, required=False)


class ConditionForm(forms.Form):
    code = forms.ChoiceField(label=_("Condition"), choices=ConditionCode.choices)
    diagnosed_on = forms.DateField(label=_("Diagnosed on"), required=False, widget=_DATE)
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=_DATE,
                                    help_text=_("Today if left empty; the first follow-up is due one interval later."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EncounterForm(forms.Form):
    occurred_on = forms.DateField(label=_("Date"), widget=_DATE, initial=timezone.localdate)
    facility = forms.CharField(label=_("Facility"), max_length=100)
    reason = forms.CharField(label=_("Reason for the visit"), required=False)
    diagnosis = forms.CharField(label=_("Diagnosis"), required=False)
    diagnosis_code = forms.CharField(label=_("Diagnosis code (ICD-10)"), max_length=10, required=False)


def _doctors(user: User) -> Any:
    return User.objects.filter(role=Role.HEALTH, is_active=True, subdistrict=user.subdistrict_id,
                               health_worker__kind=WorkerKind.FAMILY_DOCTOR).order_by("full_name")


class ContractForm(forms.Form):
    doctor = forms.ModelChoiceField(label=_("Family doctor"), queryset=User.objects.none())
    team = forms.CharField(label=_("Team"), max_length=60, required=False)
    started_on = forms.DateField(label=_("From"), widget=_DATE, initial=timezone.localdate)
    ends_on = forms.DateField(label=_("Until"), widget=_DATE, required=False,
                              help_text=_("One year after the start if left empty."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = _doctors(user)  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=_DATE, initial=timezone.localdate)
    method = forms.ChoiceField(label=_("How"), choices=FollowUpMethod.choices)
    systolic = forms.IntegerField(label=_("Systolic (mmHg)"), required=False, min_value=40, max_value=300,
                                  widget=forms.NumberInput(attrs=_NUMBER))
    diastolic = forms.IntegerField(label=_("Diastolic (mmHg)"), required=False, min_value=20, max_value=200,
                                   widget=forms.NumberInput(attrs=_NUMBER))
    glucose = forms.DecimalField(label=_("Fasting glucose (mmol/L)"), required=False, max_digits=4,
                                 decimal_places=1, widget=forms.NumberInput(attrs={**_NUMBER, "step": "0.1"}))
    weight = forms.DecimalField(label=_("Weight (kg)"), required=False, max_digits=4, decimal_places=1,
                                widget=forms.NumberInput(attrs={**_NUMBER, "step": "0.1"}))
    findings = forms.CharField(label=_("Findings and advice"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))


class DiaryForm(forms.Form):
    """Large fields, numeric keyboards: made for a phone and for elders."""

    systolic = forms.IntegerField(label=_("Blood pressure, upper number (mmHg)"), required=False,
                                  widget=forms.NumberInput(attrs={**_NUMBER, "inputmode": "numeric"}))
    diastolic = forms.IntegerField(label=_("Blood pressure, lower number (mmHg)"), required=False,
                                   widget=forms.NumberInput(attrs={**_NUMBER, "inputmode": "numeric"}))
    glucose = forms.DecimalField(label=_("Blood glucose (mmol/L)"), required=False, max_digits=4, decimal_places=1,
                                 widget=forms.NumberInput(attrs={**_NUMBER, "step": "0.1"}))
    weight = forms.DecimalField(label=_("Weight (kg)"), required=False, max_digits=4, decimal_places=1,
                                widget=forms.NumberInput(attrs={**_NUMBER, "step": "0.1"}))
    note = forms.CharField(label=_("How do you feel?"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class HandleAlertForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=500)


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class WorkerForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Health worker"), queryset=User.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkerKind.choices,
                             help_text=_("A family doctor sees her contracted people only; centre staff see "
                                         "everyone in their area."))
    team = forms.CharField(label=_("Team"), max_length=60, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=Role.HEALTH, is_active=True, subdistrict=user.subdistrict_id).order_by("full_name", "username")
