from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.cards.choices import CancelReason, CardStatus


class CardSearchForm(forms.Form):
    q = forms.CharField(label=_("Card number or name"), max_length=50, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *CardStatus.choices])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[c for c in CancelReason.choices
                                                          if c[0] != CancelReason.REPLACED])


class TopUpForm(forms.Form):
    amount_yuan = forms.DecimalField(label=_("Amount (yuan)"), min_value=0.01, max_value=100000, decimal_places=2)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
