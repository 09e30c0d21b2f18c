from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

SCAN = {"autofocus": True, "autocomplete": "off", "inputmode": "text"}


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("Title, author, pinyin or ISBN"), max_length=100, required=False,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("e.g. 红楼梦, hlm, hongloumeng")}))


class TitleForm(forms.Form):
    isbn = forms.CharField(label=_("ISBN"), max_length=20)
    title = forms.CharField(label=_("Title"), max_length=200)
    authors = forms.CharField(label=_("Authors"), max_length=200, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=100, required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1400, max_value=2100)


class CopyForm(forms.Form):
    barcode = forms.CharField(label=_("Barcode"), max_length=32, widget=forms.TextInput(attrs=SCAN))
    shelf = forms.CharField(label=_("Shelf"), max_length=40, required=False)


class ReaderSearchForm(forms.Form):
    reader_q = forms.CharField(label=_("Reader: name or pinyin"), max_length=50, required=False)
    card = forms.CharField(label=_("or resident card number"), max_length=32, required=False)


class CheckoutForm(forms.Form):
    reader = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    barcode = forms.CharField(label=_("Barcode of the book"), max_length=32, widget=forms.TextInput(attrs=SCAN))


class ReturnForm(forms.Form):
    barcode = forms.CharField(label=_("Barcode of the returned book"), max_length=32,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))


class LoanFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("", _("All loans")), ("open", _("On loan")), ("due_soon", _("Due within 3 days")),
        ("overdue", _("Overdue"))])


class HoldFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("", _("All active holds")), ("ready", _("Ready to collect"))])


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
