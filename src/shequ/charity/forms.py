from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.charity.choices import ELIGIBLE_TAGS, MovementKind
from shequ.charity.models import StockItem

LINES = 5


class StockItemForm(forms.Form):
    name = forms.CharField(label=_("Goods"), max_length=100)
    unit = forms.CharField(label=_("Unit"), max_length=10, initial="件")
    price_fen = forms.IntegerField(label=_("Price (fen)"), min_value=0, max_value=10_000_000, initial=0,
                                   help_text=_("1 charity point pays 1 fen"))


class LinesForm(forms.Form):
    """Up to LINES rows of goods and quantities, read back as ``cleaned_data['lines']``."""

    def __init__(self, *args: Any, items: QuerySet[StockItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, LINES + 1):
            self.fields[f"item_{n}"] = forms.ModelChoiceField(label=_("Goods"), queryset=items, required=False)
            self.fields[f"quantity_{n}"] = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100_000,
                                                              required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = []
        for n in range(1, LINES + 1):
            item, quantity = data.get(f"item_{n}"), data.get(f"quantity_{n}")
            if item and quantity:
                lines.append((item, quantity))
            elif item or quantity:
                raise forms.ValidationError(_("Each line needs both the goods and the quantity."))
        if not lines:
            raise forms.ValidationError(_("Add at least one item."))
        data["lines"] = lines
        return data


class DonationForm(LinesForm):
    donor_name = forms.CharField(label=_("Donor"), max_length=100)
    donor_phone = forms.CharField(label=_("Donor phone"), max_length=20, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "tel"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    field_order = ["donor_name", "donor_phone", "note"]


class SaleForm(LinesForm):
    buyer = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    points = forms.IntegerField(label=_("Points to use"), min_value=0, max_value=10_000_000, initial=0)
    # One per till screen: a double tap or a resent form sells once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)


class BuyerSearchForm(forms.Form):
    reader_q = forms.CharField(label=_("Resident: name or pinyin"), max_length=50, required=False)
    card = forms.CharField(label=_("or resident card number"), max_length=32, required=False)


class AdjustForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(MovementKind.ADJUSTMENT, MovementKind.ADJUSTMENT.label),
                                                        (MovementKind.WRITE_OFF, MovementKind.WRITE_OFF.label)])
    quantity = forms.IntegerField(label=_("Change (+ or −)"), min_value=-100_000, max_value=100_000)
    reason = forms.CharField(label=_("Reason"), max_length=200)


TAG_LABELS = {"subsistence": _("Subsistence allowance"), "low_income": _("Low income"), "disability": _("Disability"),
              "bereaved_parents": _("Parents who lost their only child"), "special_care": _("Special care recipient")}


class AllowanceForm(forms.Form):
    month = forms.DateField(label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}),
                            input_formats=["%Y-%m", "%Y-%m-%d"])
    points_per_household = forms.IntegerField(label=_("Points per household"), min_value=1, max_value=1_000_000)
    tags = forms.MultipleChoiceField(label=_("Eligible households"), widget=forms.CheckboxSelectMultiple,
                                     choices=[(code, TAG_LABELS[code]) for code in ELIGIBLE_TAGS],
                                     initial=["subsistence"])


class ReportForm(forms.Form):
    stock = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("", _("All goods")), ("out", _("Out of stock"))])
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class VoidSaleForm(forms.Form):
    reason = forms.CharField(label=_("Why is it voided?"), max_length=200, initial=_("Rung up by mistake"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
