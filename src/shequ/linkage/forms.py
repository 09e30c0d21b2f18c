from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.linkage.choices import SourceKind


class BatchForm(forms.Form):
    kind = forms.ChoiceField(label=_("Source"), choices=SourceKind.choices)
    file = forms.FileField(label=_("File (CSV or Excel)"))


class DecisionForm(forms.Form):
    is_match = forms.TypedChoiceField(label=_("Decision"), choices=[("1", _("Same person")), ("0", _("Not the same"))],
                                      coerce=lambda value: value == "1")
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class UnmergeForm(forms.Form):
    reason = forms.CharField(label=_("Why is the record not this person?"), max_length=200)
