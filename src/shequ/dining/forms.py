from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.models import Neighborhood, User
from shequ.core.roles import Role
from shequ.dining.choices import MealTime


class DinerSearchForm(forms.Form):
    """The till's first step: who is paying, by the card she shows or by her name."""

    card = forms.CharField(label=_("Card number or QR code"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "numeric",
                                                         "autocomplete": "off"}))
    q = forms.CharField(label=_("or diner's name or pinyin"), max_length=50, required=False,
                        widget=forms.TextInput(attrs={"autocomplete": "off"}))


class TillForm(forms.Form):
    diner = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    item = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Why is it voided?"), max_length=200,
                             initial=_("Rung up by mistake"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)


class MenuItemForm(forms.Form):
    name = forms.CharField(label=_("Dish or set meal"), max_length=100)
    price_yuan = forms.DecimalField(label=_("Price (yuan)"), min_value=0.01, max_value=1000, decimal_places=2)
    meal_time = forms.ChoiceField(label=_("Meal"), choices=MealTime.choices, initial=MealTime.LUNCH)


class CanteenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=150, required=False)
    neighborhood = forms.ModelChoiceField(label=_("Neighborhood"), queryset=Neighborhood.objects.none(),
                                          required=False)
    operator = forms.ModelChoiceField(label=_("Operator"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        subdistrict = user.subdistrict_id or 0
        self.fields["neighborhood"].queryset = Neighborhood.objects.filter(  # type: ignore[attr-defined]
            subdistrict_id=subdistrict)
        self.fields["operator"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            subdistrict_id=subdistrict, role=Role.CANTEEN, is_active=True, terminal__isnull=True)


class CanteenFilterForm(forms.Form):
    menu = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("", _("All canteens")), ("missing", _("No menu for today"))])


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"], required=False,
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
