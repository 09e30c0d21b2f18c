"""Pages of the charity shop: stock and its report, donations with printable receipts, the till, allowances."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.cards.models import Card
from shequ.cards.queries import DeskHolder
from shequ.charity import actions, queries, seams
from shequ.charity.forms import (
    AdjustForm,
    AllowanceForm,
    BuyerSearchForm,
    DonationForm,
    ReportForm,
    SaleForm,
    StockItemForm,
    VoidSaleForm,
)
from shequ.charity.models import Allowance, AllowanceRun, Donation, Sale, StockItem
from shequ.core.errors import DomainError, NotFound
from shequ.core.excel import personal_data_xlsx, xlsx_response
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible


def _require(request: AuthedRequest, model: type, action: str = "view") -> None:
    if not can(request.user, model, action) or request.user.is_resident:
        raise NotFound()


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@login_required
def stock(request: AuthedRequest) -> HttpResponse:
    """Stock levels, and the stock report for a period (received, sold, adjusted; reconciled to movements)."""
    _require(request, StockItem)
    form = ReportForm(request.GET or None)
    period = form.cleaned_data if form.is_valid() else {}
    exporting = request.GET.get("format") == "xlsx"
    if exporting:
        _require(request, StockItem, "export")
    rows = queries.stock_report(request.user, since=period.get("since"), until=period.get("until"),
                                out_only=period.get("stock") == "out")
    if exporting:
        return xlsx_response("charity-stock.xlsx", title=_("Stock"), headers=[
            _("Goods"), _("Unit"), _("Price (fen)"), pgettext("charity stock", "Received"), _("Sold"), _("Adjusted"),
            _("In stock"), _("Reconciles")],
            rows=((r.item.name, r.item.unit, r.item.price_fen, r.received, r.sold, r.adjusted,
                   r.item.on_hand, _("yes") if r.reconciles else _("NO")) for r in rows))
    return render(request, "charity/stock.html", {"rows": rows, "form": form, "item_form": StockItemForm(),
                                                  "can_add": can(request.user, StockItem, "add")})


@login_required
def item_create(request: AuthedRequest) -> HttpResponse:
    _require(request, StockItem, "add")
    form = StockItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_item(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("charity:stock")
    return render(request, "charity/form.html", {"form": form, "title": _("New stock item")})


@login_required
def item_adjust(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_visible(StockItem.objects.all(), request.user, "change", pk=pk)
    form = AdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.adjust_stock(actor=request.user, item=item, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("charity:stock")
    return render(request, "charity/form.html", {"form": form, "title": _("Adjust stock: %(item)s") % {"item": item}})


@login_required
def donation_list(request: AuthedRequest) -> HttpResponse:
    _require(request, Donation)
    page = Paginator(queries.donations(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "charity/donation_list.html", {"page": page})


@login_required
def donation_create(request: AuthedRequest) -> HttpResponse:
    _require(request, Donation, "add")
    form = DonationForm(request.POST or None, items=queries.items(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            donation = actions.receive_donation(actor=request.user, donor_name=data["donor_name"],
                                                donor_phone=data["donor_phone"], note=data["note"],
                                                lines=data["lines"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Donation received; receipt %(number)s.") % {"number": donation.receipt_number})
            return redirect("charity:donation_receipt", pk=donation.pk)
    return render(request, "charity/lines_form.html", {"form": form, "title": _("Receive a donation")})


@login_required
def donation_receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    """捐赠收据: a page to print and hand to the donor (the phone is masked)."""
    donation = get_visible(Donation.objects.prefetch_related("lines__item"), request.user, "view", pk=pk)
    from shequ.core.crypto import mask_phone

    return render(request, "charity/receipt.html", {"donation": donation,
                                                    "donor_phone": mask_phone(donation.donor_phone or "")})


@login_required
def sale_list(request: AuthedRequest) -> HttpResponse:
    _require(request, Sale)
    page = Paginator(queries.sales(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "charity/sale_list.html", {"page": page})


def _buyer(request: AuthedRequest, search: BuyerSearchForm) -> tuple[Card | None, list[DeskHolder]]:
    pick = str(request.GET.get("buyer") or request.POST.get("buyer") or "")
    if not pick and not search.is_valid():
        return None, []
    data = {} if pick else search.cleaned_data
    try:
        return seams.find_buyer(actor=request.user, pick=pick, card=data.get("card", ""),
                                query=data.get("reader_q", ""))
    except DomainError as error:
        if not pick:
            search.add_error("card" if error.field == "card" else "reader_q", str(error.message))
        return None, []


@login_required
def sale_create(request: AuthedRequest) -> HttpResponse:
    """The till: find the resident, enter the goods and the points she uses; the rest is paid in cash."""
    _require(request, Sale, "add")
    search = BuyerSearchForm(request.GET or None)
    card, matches = _buyer(request, search)
    buyer = seams.till_holder(card) if card is not None else None
    form = SaleForm(request.POST or None, items=queries.items(request.user),
                    initial={"buyer": buyer.person_id if buyer else None, "idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        if card is None or buyer is None:
            raise NotFound()
        try:
            sale = actions.sell(actor=request.user, buyer=card.person, lines=form.cleaned_data["lines"],
                                points=form.cleaned_data["points"],
                                idempotency_key=form.cleaned_data["idempotency_key"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Sold to %(buyer)s: %(points)d points and ¥%(cash).2f cash.")
                             % {"buyer": buyer.name, "points": sale.points_paid, "cash": sale.cash_fen / 100})
            return redirect(f"{request.path}?buyer={buyer.person_id}")
    return render(request, "charity/till.html", {
        "search": search, "buyer": buyer, "matches": matches, "form": form,
        "balance": seams.points_balance(card.person) if card is not None else None,
        "voidable": queries.voidable_sale(request.user),
    })


@login_required
def sale_void(request: AuthedRequest) -> HttpResponse:
    """The second step of voiding the till's last sale: what will be undone, then the confirm button."""
    _require(request, Sale, "add")
    sale = queries.last_sale_at_till(request.user)
    form = VoidSaleForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST":
        if sale is None or str(sale.pk) != request.POST.get("sale", ""):
            messages.error(request, _("Another sale was made since; check which one to void."))
            return redirect("charity:sale_void")
        if form.is_valid():
            try:
                voided = actions.void_sale(actor=request.user, sale=sale, reason=form.cleaned_data["reason"],
                                           idempotency_key=form.cleaned_data["idempotency_key"])
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("Sale voided: %(points)d points back on %(buyer)s's card, goods back in "
                                            "stock; hand back ¥%(cash).2f cash.")
                                 % {"points": voided.points_paid, "buyer": voided.buyer.name,
                                    "cash": voided.cash_fen / 100})
                return redirect(f"{reverse('charity:sale_create')}?buyer={voided.buyer_id}")
    return render(request, "charity/sale_void.html", {"sale": sale, "form": form})


@login_required
def allowance_list(request: AuthedRequest) -> HttpResponse:
    _require(request, AllowanceRun)
    form = AllowanceForm(request.POST or None, initial={"month": timezone.localdate().replace(day=1)})
    if request.method == "POST":
        _require(request, AllowanceRun, "add")
        if form.is_valid():
            try:
                run = actions.grant_monthly_allowance(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Allowance for %(month)s granted.") % {"month": f"{run.month:%Y-%m}"})
                return redirect("charity:allowance_detail", pk=run.pk)
    pending = request.GET.get("pending") == "1"
    return render(request, "charity/allowance_list.html", {
        "runs": queries.unfinished_allowance_runs(request.user) if pending else queries.allowance_runs(request.user),
        "pending": pending, "form": form,
        "can_add": can(request.user, AllowanceRun, "add")})


@login_required
def allowance_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The allowance report of one month: which households got how many points, to whose card."""
    run = get_visible(AllowanceRun.objects.all(), request.user, "view", pk=pk)
    _require(request, Allowance)
    rows = queries.allowances(request.user, run).order_by("household__number")
    if request.GET.get("format") == "xlsx":
        _require(request, Allowance, "export")
        return personal_data_xlsx(actor=request.user, what="charity.allowance", filters={"month": run.month},
                                  filename=f"charity-allowance-{run.month:%Y-%m}.xlsx", title=_("Allowance"),
                                  headers=[_("Household"), _("Recipient"), _("Points")],
                                  rows=((a.household.number, a.recipient.name, a.points or _("No card"))
                                        for a in rows.iterator()))
    return render(request, "charity/allowance_detail.html", {"run": run, "rows": rows})


@login_required
def my_charity(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_resident:
        raise NotFound()
    _person, balance = queries.my_points(request.user)
    return render(request, "charity/mine.html", {
        "balance": balance, "sales": queries.sales(request.user)[:50],
        "allowances": queries.allowances(request.user)[:24]})
