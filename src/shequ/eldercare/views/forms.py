"""Forms of the eldercare pages; they parse input, the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.models import User
from shequ.core.roles import Role
from shequ.eldercare.choices import AwayReason, CareGrade, ConsentForm, ContactRelationship, RollReason
from shequ.safety.choices import HOME_SENSOR_KINDS, DeviceKind
from shequ.volunteers.models import Volunteer

_SENSOR_CHOICES = [(kind.value, kind.label) for kind in DeviceKind if kind in HOME_SENSOR_KINDS]
_DATE = forms.DateInput(attrs={"type": "date"})


class RollFilterForm(forms.Form):
    q = forms.CharField(label=pgettext_lazy("person", "Name"), required=False, max_length=50)
    reason = forms.ChoiceField(label=_("Reason"), required=False,
                               choices=[("", _("Any reason")), *RollReason.choices])
    grade = forms.TypedChoiceField(label=_("Care grade"), required=False, coerce=int, empty_value=None,
                                   choices=[("", _("Any grade")), *CareGrade.choices])
    worker = forms.ModelChoiceField(label=_("Responsible worker"), required=False, queryset=User.objects.none(),
                                    empty_label=_("Any worker"))
    away_now = forms.BooleanField(label=_("Away now"), required=False)
    reassessment_due = forms.BooleanField(label=_("Re-assessment due"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = committee_workers(user)  # type: ignore[attr-defined]


def committee_workers(user: User) -> Any:
    return User.objects.filter(role=Role.COMMITTEE, is_active=True, subdistrict_id=user.subdistrict_id or 0) \
        .order_by("full_name", "pk")


class AddToRollForm(forms.Form):
    reasons = forms.MultipleChoiceField(label=_("Reasons"), choices=RollReason.choices,
                                        widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ConsentFormForm(forms.Form):
    sensors = forms.MultipleChoiceField(label=_("Sensors she agrees to"), required=False, choices=_SENSOR_CHOICES,
                                        widget=forms.CheckboxSelectMultiple)
    tell_family = forms.BooleanField(label=_("Her family contacts may be told of an alert"), required=False)
    form = forms.ChoiceField(label=_("Given"), choices=ConsentForm.choices)
    given_on = forms.DateField(label=_("Given on"), widget=_DATE)


class ContactForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    relationship = forms.ChoiceField(label=_("Relationship"), choices=ContactRelationship.choices)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    order = forms.IntegerField(label=_("Order of calling"), min_value=1, max_value=9, initial=1)
    may_be_told = forms.BooleanField(label=_("May be told of alerts"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class AssessmentForm(forms.Form):
    grade = forms.TypedChoiceField(label=_("Care grade"), coerce=int, choices=CareGrade.choices)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=_DATE)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=_DATE,
                                  help_text=_("Leave empty for the usual two years."))
    assessor = forms.CharField(label=_("Assessed by"), required=False, max_length=100)


class AwayForm(forms.Form):
    starts_on = forms.DateField(label=pgettext_lazy("period", "From"), widget=_DATE)
    until = forms.DateField(label=pgettext_lazy("period", "Until"), required=False, widget=_DATE,
                            help_text=_("Leave empty if not known yet; mark her back when she returns."))
    reason = forms.ChoiceField(label=_("Why she is away"), choices=AwayReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class PairingForm(forms.Form):
    worker = forms.ModelChoiceField(label=_("Responsible committee worker"), required=False,
                                    queryset=User.objects.none())
    volunteer = forms.ModelChoiceField(label=_("Paired volunteer"), required=False,
                                       queryset=Volunteer.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = committee_workers(user)  # type: ignore[attr-defined]
        self.fields["volunteer"].queryset = Volunteer.objects.filter(  # type: ignore[attr-defined]
            subdistrict_id=user.subdistrict_id or 0, active=True).select_related("person").order_by("person__name")
        self.fields["volunteer"].label_from_instance = lambda volunteer: volunteer.person.name  # type: ignore[attr-defined]
