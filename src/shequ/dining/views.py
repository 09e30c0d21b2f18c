"""Staff pages of elderly dining: canteens, the till (a tablet or phone at the counter) and the monthly
settlement with its Excel export. Thin — parse, call one action or query, render."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.cards import queries as card_queries
from shequ.cards.api import find_card
from shequ.core.errors import DomainError, NotFound
from shequ.core.excel import xlsx_response
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.dining import actions, queries
from shequ.dining.forms import CanteenForm, MenuItemForm, MonthForm, TillForm
from shequ.dining.models import Canteen, Meal, Menu


@login_required
def canteen_list(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Canteen, "view"):
        raise NotFound()
    return render(request, "dining/canteen_list.html", {
        "canteens": queries.canteens(request.user), "can_sell": can(request.user, Meal, "add"),
        "can_add": can(request.user, Canteen, "add"), "can_menu": can(request.user, Menu, "add")})


@login_required
def canteen_create(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Canteen, "add"):
        raise NotFound()
    form = CanteenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            canteen = actions.create_canteen(actor=request.user, name=data["name"], address=data["address"],
                                             neighborhood=data["neighborhood"])
            if data["operator"]:
                actions.add_operator(actor=request.user, canteen=canteen, user=data["operator"])
            messages.success(request, _("Canteen %(name)s opened.") % {"name": canteen.name})
            return redirect("dining:canteen_list")
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
    return render(request, "dining/canteen_form.html", {"form": form})


MenuItemFormSet = forms.formset_factory(MenuItemForm, extra=3)


@login_required
def menu_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Today's menu: dishes already on it stay (meals point to them); new ones are added."""
    if not can(request.user, Menu, "add"):
        raise NotFound()
    canteen = get_visible(queries.canteens(request.user), request.user, pk=pk)
    day = timezone.localdate()
    formset = MenuItemFormSet(request.POST or None)
    if request.method == "POST" and formset.is_valid():
        items = [(f.cleaned_data["name"], int(f.cleaned_data["price_yuan"] * 100), f.cleaned_data["meal_time"])
                 for f in formset.forms if f.cleaned_data]
        try:
            actions.set_menu(actor=request.user, canteen=canteen, day=day, items=items)
            messages.success(request, _("The menu is saved."))
            return redirect("dining:menu", pk=canteen.pk)
        except DomainError as error:
            messages.error(request, str(error.message))
    return render(request, "dining/menu_form.html", {"canteen": canteen, "menu": queries.menu_of(canteen, day),
                                                     "formset": formset, "day": day})


@login_required
def till(request: AuthedRequest, pk: int) -> HttpResponse:
    if not can(request.user, Meal, "add"):
        raise NotFound()
    canteen = get_visible(queries.canteens(request.user), request.user, pk=pk)
    menu = queries.menu_of(canteen, timezone.localdate())
    result: dict[str, Any] = {}
    form = TillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = queries.item_of(canteen, form.cleaned_data["item"])
        try:
            if item is None:
                raise NotFound(_("This dish is not on this canteen's menu."))
            card = find_card(form.cleaned_data["card"], request.user.subdistrict_id)
            meal = actions.buy_meal(actor=request.user, canteen=canteen, card=card, item=item,
                                    idempotency_key=form.cleaned_data["idempotency_key"])
            result = {"meal": meal, "balances": card_queries.balances(card)}
        except DomainError as error:
            result = {"error": str(error.message)}
    # A fresh key per screen: a double tap or a resent form is charged once.
    form = TillForm(initial={"idempotency_key": uuid.uuid4().hex})
    return render(request, "dining/till.html", {"canteen": canteen, "menu": menu, "form": form, **result})


@login_required
def settlement(request: AuthedRequest, pk: int) -> HttpResponse:
    exporting = request.GET.get("format") == "xlsx"
    if not can(request.user, Canteen, "export" if exporting else "view"):
        raise NotFound()
    canteen = get_visible(queries.canteens(request.user), request.user, pk=pk)
    form = MonthForm(request.GET or None)
    month = (form.cleaned_data.get("month") if form.is_valid() else None) or timezone.localdate()
    result = queries.settlement(canteen, month)
    if exporting:
        yuan = 100
        rows: list[list[Any]] = [[str(d.day), d.meals, d.price / yuan, d.subsidy / yuan, d.meal_wallet / yuan,
                                  d.cash / yuan] for d in result.days]
        rows.append([_("Total"), result.meals, result.price / yuan, result.subsidy / yuan, result.meal_wallet / yuan,
                     result.cash / yuan])
        rows.append([_("Ledger"), "", result.ledger / yuan, "", "",
                     _("Reconciled") if result.reconciled else _("NOT RECONCILED")])
        headers = [_("Day"), _("Meals"), _("Takings (yuan)"), _("Subsidy to claim (yuan)"),
                   _("From meal-subsidy wallets (yuan)"), _("Cash (yuan)")]
        name = f"settlement-{canteen.pk}-{result.month:%Y-%m}.xlsx"
        return xlsx_response(name, title=f"{canteen.name} {result.month:%Y-%m}", headers=headers, rows=rows)
    return render(request, "dining/settlement.html", {"canteen": canteen, "form": form, "s": result})
