from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.choices import TextSize
from shequ.portal.models import Notice


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ["title", "body", "publish_at", "expires_at", "pinned"]
        widgets = {
            "publish_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "body": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publish_at"].required = False
        self.fields["publish_at"].help_text = _("Leave empty to show it now.")


class PreferencesForm(forms.Form):
    elder = forms.BooleanField(label=_("Elder mode (large text, large buttons, simple menu)"), required=False)
    text_size = forms.ChoiceField(label=_("Text size"), choices=TextSize.choices, widget=forms.RadioSelect)
