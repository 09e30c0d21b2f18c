"""The living page of the design system (/ui/): every component of ``shequ.css`` with sample data.

The page is public: it shows made-up sample rows only and reads nothing from the database, so anyone building
a page — a resident-side one included — can check a component in both modes without an account. The markup
here is the markup documented in ``docs/ui.md``; a component that changes changes in both places.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.context_processors import html_classes

# The CSS class of every component the page shows, in the order of docs/ui.md (tests check each is shown).
COMPONENTS = (
    "page-header", "breadcrumbs", "page-actions", "button", "primary", "danger", "badge", "data-table",
    "card-list", "filter-bar", "field", "check-row", "choice", "count-tile", "portal-tile", "empty-state",
    "pager", "messages", "printable", "no-print", "print-only",
)

MODES = {"standard": (False, False), "elder": (True, False), "elder-larger": (True, True)}


class SampleForm(forms.Form):
    """A form with one field of every kind the platform uses, to show how ``core/_form.html`` lays them out."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=[
        ("registered", "户籍"), ("separated", "人户分离"), ("migrant", "来沪"), ("foreign", "境外")])
    sex = forms.ChoiceField(label=_("Sex"), choices=[("F", "女"), ("M", "男")], widget=forms.RadioSelect)
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple,
                                     choices=[("alone", "独居老人"), ("allowance", "低保"), ("disabled", "残疾")])
    expiring = forms.BooleanField(label=_("Expiring within 30 days"), required=False,
                                  help_text=_("A single box sits on the row of its label."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


SAMPLE_ROWS = [
    {"name": "王秀英", "sex": "女", "year": "1950", "id": "310105**********22", "type": "户籍",
     "address": "华山小区 3号楼 502室", "status": ("ok", _("In force")), "balance": "¥128.50"},
    {"name": "张伟", "sex": "男", "year": "1990", "id": "310105**********17", "type": "来沪",
     "address": "愚园小区 12号楼 1101室", "status": ("warn", _("Expiring soon")), "balance": "¥0.00"},
    {"name": "欧阳春花", "sex": "女", "year": "1938", "id": "310105**********4X", "type": "人户分离",
     "address": "江苏路 480弄 7号 201室", "status": ("danger", _("Overdue")), "balance": "¥5.00"},
]


def ui(request: HttpRequest) -> HttpResponse:
    """Every component with sample data; ``?mode=elder`` or ``?mode=elder-larger`` shows 长辈版 on this page only."""
    mode = request.GET.get("mode", "")
    context: dict[str, Any] = {
        "components": COMPONENTS,
        "mode": mode if mode in MODES else "",
        "rows": SAMPLE_ROWS,
        "form": SampleForm(data={"residence_type": "registered", "sex": "F", "tags": ["alone"], "expiring": "on"}),
        "page": Paginator(range(123), 10).page(5),
    }
    if mode in MODES:
        context["large_text"] = MODES[mode][0]
        context["html_classes"] = html_classes(*MODES[mode])
    return render(request, "core/ui.html", context)
