from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.volunteers.models import Volunteer

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Resident: name or pinyin"), max_length=50, required=False)


class RegisterForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False,
                             help_text=_("e.g. 理发, 电器维修, 陪聊"))


class ActivityForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("volunteer activity", "Title"), max_length=100)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL, input_formats=LOCAL_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LOCAL, input_formats=LOCAL_FORMATS)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)


class CoordinatorSignUpForm(forms.Form):
    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none())

    def __init__(self, *args: Any, volunteers: QuerySet[Volunteer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers  # type: ignore[attr-defined]


class TapForm(forms.Form):
    card = forms.CharField(label=_("Tap or type the resident card number"), max_length=32,
                           widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}))
    direction = forms.ChoiceField(choices=[("in", _("Check in")), ("out", _("Check out"))], initial="in",
                                  widget=forms.RadioSelect, label=_("Tap for"))


class SpendForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes used"), min_value=1, max_value=100_000)
    service = forms.CharField(label=_("Service received"), max_length=200)


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
