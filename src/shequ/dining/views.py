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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.cards import queries as card_queries
from shequ.cards.models import Card
from shequ.cards.queries import DeskHolder
from shequ.cards.templatetags.money import yuan
from shequ.core.errors import DomainError, NotFound
from shequ.core.excel import xlsx_response
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.dining import actions, queries, seams
from shequ.dining.forms import (
    CanteenFilterForm,
    CanteenForm,
    DinerSearchForm,
    MenuItemForm,
    MonthForm,
    TillForm,
    VoidForm,
)
from shequ.dining.models import Canteen, Meal, Menu


@login_required
def canteen_list(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Canteen, "view"):
        raise NotFound()
    form = CanteenFilterForm(request.GET or None)
    missing = form.is_valid() and form.cleaned_data["menu"] == "missing"
    found = queries.canteens_without_menu(request.user) if missing else queries.canteens(request.user)
    return render(request, "dining/canteen_list.html", {
        "canteens": found, "form": form, "can_sell": can(request.user, Meal, "add"),
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


def _diner(request: AuthedRequest, search: DinerSearchForm) -> tuple[Card | None, list[DeskHolder]]:
    """The diner's card: picked (?diner=, or the till form's hidden diner), or presented (the card field, also
    posted with the dish in one step by a card reader); else the matches of a name search. On a sale a failed
    look-up is the sale's error; on the search step it is the search field's."""
    source = request.POST if request.method == "POST" else request.GET
    pick = str(source.get("diner") or request.GET.get("diner") or "")
    if not pick and not (search.is_valid() and (search.cleaned_data["card"] or search.cleaned_data["q"])):
        return None, []
    data = {} if pick else search.cleaned_data
    try:
        return seams.find_diner(actor=request.user, pick=pick, card=data.get("card", ""), query=data.get("q", ""))
    except DomainError as error:
        if pick or request.method == "POST":
            raise
        search.add_error("card" if error.field == "card" else "q", str(error.message))
        return None, []


def _diner_context(card: Card, menu: Menu | None) -> dict[str, Any]:
    """Who is paying and what this meal costs her: name, age band, the subsidy per meal, her balances."""
    today = timezone.localdate()
    share = queries.subsidy_share(card.person, today)
    dishes = [(item, share.for_price(item.price_fen), item.price_fen - share.for_price(item.price_fen))
              for item in menu.items.all()] if menu else []
    return {"diner": seams.holder(card, today), "share": share, "dishes": dishes,
            "balances": card_queries.balances(card),
            "meals_today": queries.meals_today(card.person, today), "daily_limit": queries.DAILY_LIMIT}


@login_required
def till(request: AuthedRequest, pk: int) -> HttpResponse:
    """The till: find who is paying (card or name), see her age band, subsidy and balances, tap the dish."""
    if not can(request.user, Meal, "add"):
        raise NotFound()
    canteen = get_visible(queries.canteens(request.user), request.user, pk=pk)
    menu = queries.menu_of(canteen, timezone.localdate())
    source = request.POST if request.method == "POST" else request.GET
    search = DinerSearchForm(source if source.get("card") or source.get("q") else None)
    result: dict[str, Any] = {}
    card: Card | None = None
    matches: list[DeskHolder] = []
    if request.method == "POST":
        try:
            card, matches = _diner(request, search)
            item = queries.item_of(canteen, int(request.POST.get("item", "0"))) \
                if request.POST.get("item", "").isdigit() and len(request.POST["item"]) < 19 else None
            if card is None:
                raise NotFound(_("Find the diner first."), field="card")
            if item is None:
                raise NotFound(_("This dish is not on this canteen's menu."))
            meal = actions.buy_meal(actor=request.user, canteen=canteen, card=card, item=item,
                                    idempotency_key=str(request.POST.get("idempotency_key", ""))[:100])
            result = {"meal": meal, "paid_balances": card_queries.balances(card)}
        except DomainError as error:
            result = {"error": str(error.message)}
    else:
        card, matches = _diner(request, search)
    context: dict[str, Any] = {"canteen": canteen, "menu": menu, "search": search, "matches": matches, **result}
    if card is not None:
        context.update(_diner_context(card, menu))
        # A fresh key per screen: a double tap or a resent form is charged once.
        context["form"] = TillForm(initial={"diner": card.person_id, "idempotency_key": uuid.uuid4().hex})
    context["voidable"] = queries.voidable_meal(request.user, canteen)
    return render(request, "dining/till.html", context)


@login_required
def till_void(request: AuthedRequest, pk: int) -> HttpResponse:
    """The second step of voiding the till's last meal: what will be undone, then the confirm button."""
    if not can(request.user, Meal, "add"):
        raise NotFound()
    canteen = get_visible(queries.canteens(request.user), request.user, pk=pk)
    meal = queries.last_meal_at_till(request.user, canteen)
    form = VoidForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST":
        if meal is None or str(meal.pk) != request.POST.get("meal", ""):
            # The till has rung up another meal since this page was shown: that one is the last now.
            messages.error(request, _("Another meal was rung up since; check which one to void."))
            return redirect("dining:till_void", pk=canteen.pk)
        if form.is_valid():
            try:
                voided = actions.void_meal(actor=request.user, canteen=canteen, meal=meal,
                                           reason=form.cleaned_data["reason"],
                                           idempotency_key=form.cleaned_data["idempotency_key"])
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                balances = card_queries.balances(voided.card)
                messages.success(request, _("Meal voided: ¥%(price)s refunded to %(name)s's card; cash on the card "
                                            "now ¥%(cash)s.") % {"price": yuan(voided.price_fen - voided.subsidy_fen),
                                                                 "name": voided.person.name,
                                                                 "cash": yuan(balances["cash"])})
                return redirect(f"{reverse('dining:till', args=[canteen.pk])}?diner={voided.person_id}")
    return render(request, "dining/till_void.html", {
        "canteen": canteen, "meal": meal, "form": form,
        "diner": seams.holder(meal.card) if meal is not None else None})


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
