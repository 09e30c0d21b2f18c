"""Forms of the owners' votes pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.models import Compound
from shequ.sites.choices import Choice, MatterCategory
from shequ.sites.importing import MAX_BYTES
from shequ.sites.models import Elector

_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class VoteForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    title = forms.CharField(label=_("Matter"), max_length=200)
    category = forms.ChoiceField(label=_("Category (Civil Code art. 278)"), choices=MatterCategory.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    secret = forms.BooleanField(label=_("Secret ballot"), required=False,
                                help_text=_("Nobody sees who voted what; totals are shown once the vote closes."))
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=_LOCAL)
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=_LOCAL)

    def __init__(self, *args: Any, compounds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]


class BallotForm(forms.Form):
    choice = forms.ChoiceField(label=_("Your vote"), choices=Choice.choices, widget=forms.RadioSelect)


class PaperBallotForm(forms.Form):
    elector = forms.ModelChoiceField(label=_("Owner"), queryset=Elector.objects.none())
    choice = forms.ChoiceField(label=_("Choice on the paper ballot"), choices=Choice.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, electors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["elector"].queryset = electors  # type: ignore[attr-defined]


class RollImportForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    file = forms.FileField(label=_("Owners' roll (.xlsx)"),
                           help_text=_("Columns: 楼号, 室号, 业主, 证件号码, 建筑面积, 开发商 (mark unsold units)."))
    as_of = forms.DateField(label=_("Owners of record from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, compounds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB; split it into smaller files.")
                                        % {"mb": MAX_BYTES // (1024 * 1024)})
        return upload
