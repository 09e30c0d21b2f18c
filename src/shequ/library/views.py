"""Pages of the library: the public catalogue, the librarian's desk, and a reader's own loans. Thin views."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from shequ.cards.models import Card
from shequ.cards.queries import DeskHolder
from shequ.core import actions as core_actions
from shequ.core.errors import DomainError, NotFound
from shequ.core.excel import personal_data_xlsx, xlsx_response
from shequ.core.http import AuthedRequest
from shequ.core.registry import Period
from shequ.core.scopes import can, get_visible
from shequ.library import actions, importing, queries, seams
from shequ.library.forms import (
    CatalogueSearchForm,
    CheckoutForm,
    CopyForm,
    HoldFilterForm,
    ImportForm,
    LoanFilterForm,
    ReaderSearchForm,
    ReturnForm,
    TitleForm,
)
from shequ.library.models import Copy, Hold, Loan, Title


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _require(request: AuthedRequest, model: type, action: str) -> None:
    if not can(request.user, model, action) or request.user.is_resident:
        raise NotFound()


def catalogue(request: HttpRequest) -> HttpResponse:
    """网上图书馆: anyone may search, on a phone too; no login."""
    form = CatalogueSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(queries.search_catalogue(query), 20).get_page(request.GET.get("page"))
    return render(request, "library/catalogue.html", {"form": form, "page": page, "query": query})


def title_detail(request: HttpRequest, pk: int) -> HttpResponse:
    title = queries.public_title(pk)
    if title is None:
        raise NotFound()
    user = request.user
    staff = bool(user.is_authenticated and not user.is_resident  # type: ignore[union-attr]
                 and can(user, Copy, "view") and user.subdistrict_id == title.subdistrict_id)  # type: ignore[union-attr]
    return render(request, "library/title_detail.html", {
        "title": title, "copies": title.copies.exclude(status="withdrawn").order_by("barcode"),
        "staff": staff, "can_change": staff and can(user, Title, "change"),
        "can_hold": bool(user.is_authenticated and user.is_resident),  # type: ignore[union-attr]
        "copy_form": CopyForm(),
    })


@login_required
@require_POST
def hold_place(request: AuthedRequest, pk: int) -> HttpResponse:
    title = queries.public_title(pk)
    if title is None:
        raise NotFound()
    try:
        actions.place_hold(actor=request.user, title=title)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("You are in the queue for this book; we will text you when it is ready."))
    return redirect("library:title_detail", pk=pk)


@login_required
def title_create(request: AuthedRequest) -> HttpResponse:
    _require(request, Title, "add")
    form = TitleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            title = actions.add_title(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("《%(title)s》 is in the catalogue; now add its copies.") % {"title": title})
            return redirect("library:title_detail", pk=title.pk)
    return render(request, "library/form.html", {"form": form, "title": _("Add a title")})


@login_required
def title_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    title = get_visible(Title.objects.all(), request.user, "change", pk=pk)
    form = TitleForm(request.POST or None, initial={"isbn": title.isbn, "title": title.title, "authors": title.authors,
                                                    "publisher": title.publisher, "year": title.year})
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_title(actor=request.user, title=title, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("library:title_detail", pk=title.pk)
    return render(request, "library/form.html", {"form": form, "title": _("Edit title")})


@login_required
@require_POST
def copy_add(request: AuthedRequest, pk: int) -> HttpResponse:
    title = get_visible(Title.objects.all(), request.user, "view", pk=pk)
    _require(request, Copy, "add")
    form = CopyForm(request.POST)
    if form.is_valid():
        try:
            copy = actions.add_copy(actor=request.user, title=title, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Copy %(barcode)s added.") % {"barcode": copy.barcode})
    else:
        messages.error(request, _("Scan or type the barcode."))
    return redirect("library:title_detail", pk=pk)


def _desk_reader(request: AuthedRequest, search: ReaderSearchForm) -> tuple[Card | None, list[DeskHolder]]:
    """The reader's card (picked by ?reader=, or presented) and the matches of a name search among card holders."""
    pick = str(request.GET.get("reader") or request.POST.get("reader") or "")
    if not pick and not search.is_valid():
        return None, []
    data = {} if pick else search.cleaned_data
    try:
        return seams.find_reader(actor=request.user, pick=pick, card=data.get("card", ""),
                                 query=data.get("reader_q", ""))
    except DomainError as error:
        if not pick:
            search.add_error("card" if error.field == "card" else "reader_q", str(error.message))
        return None, []


@login_required
def desk(request: AuthedRequest) -> HttpResponse:
    """The librarian's desk: find the reader (card, or name among card holders), scan books out; scan returns."""
    _require(request, Loan, "add")
    search = ReaderSearchForm(request.GET or None)
    card, matches = _desk_reader(request, search)
    reader = seams.holder(card) if card is not None else None
    checkout = CheckoutForm(request.POST or None, initial={"reader": reader.person_id if reader else None})
    if request.method == "POST" and checkout.is_valid():
        if card is None or reader is None:
            raise NotFound()
        try:
            loan = actions.lend(actor=request.user, barcode=checkout.cleaned_data["barcode"], reader=card.person)
        except DomainError as error:
            checkout.add_error("barcode", str(error.message))
        else:
            messages.success(request, _("《%(title)s》 lent to %(reader)s, due %(date)s.")
                             % {"title": loan.copy.title, "reader": reader.name, "date": loan.due_on})
            return redirect(f"{request.path}?reader={reader.person_id}&lent={loan.pk}")
    return render(request, "library/desk.html", {
        "search": search, "reader": reader, "matches": matches, "checkout": checkout,
        "return_form": ReturnForm(prefix="return"),
        **(_reader_context(request, reader.person_id) if reader else {}),
        "lent": str(request.GET.get("lent", "")),
        "summary": queries.desk_summary(request.user), "today": timezone.localdate(),
    })


def _reader_context(request: AuthedRequest, reader_id: int) -> dict[str, object]:
    """What the desk must see before lending: her books on loan (overdue ones first) and holds ready for her."""
    today = timezone.localdate()
    open_loans = list(queries.loans(request.user, open_only=True, reader_id=reader_id).order_by("due_on", "id"))
    return {"reader_loans": open_loans, "reader_overdue": [loan for loan in open_loans if loan.due_on < today],
            "reader_holds_ready": list(queries.holds(request.user, ready_only=True, reader_id=reader_id)),
            "max_open_loans": actions.MAX_OPEN_LOANS}


@login_required
def loan_slip(request: AuthedRequest, pk: int) -> HttpResponse:
    """借书凭条: the slip handed to the reader with her book (title, due date, library, masked card)."""
    _require(request, Loan, "view")
    loan = get_visible(queries.loans(request.user), request.user, pk=pk)
    return render(request, "library/loan_slip.html", {"loan": loan, "card_masked": seams.card_masked(loan.reader),
                                                      "library_name": loan.subdistrict.name})


@login_required
@require_POST
def desk_return(request: AuthedRequest) -> HttpResponse:
    _require(request, Loan, "change")
    form = ReturnForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            loan = actions.take_back(actor=request.user, barcode=form.cleaned_data["barcode"])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            loan.copy.refresh_from_db()
            note = _(" Keep it aside: a reader is waiting for it.") if loan.copy.status == "on_hold" else ""
            messages.success(request, _("《%(title)s》 returned by %(reader)s.")
                             % {"title": loan.copy.title, "reader": loan.reader} + note)
    return redirect("library:desk")


@login_required
def loan_list(request: AuthedRequest) -> HttpResponse:
    """Loan history for the librarian: every loan, open or returned, filterable, exportable."""
    _require(request, Loan, "view")
    form = LoanFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    exporting = request.GET.get("format") == "xlsx"
    reader_id = request.GET.get("reader", "")
    found = queries.loans(request.user, open_only=status == "open", overdue_only=status == "overdue",
                          due_soon_only=status == "due_soon",
                          reader_id=int(reader_id) if reader_id.isdigit() and len(reader_id) < 19 else None,
                          action="export" if exporting else "view")
    lent_in = Period.from_query(request.GET)  # ?start=&end=: the loans behind the dashboard's figure
    if lent_in is not None:
        found = found.filter(lent_in.within("borrowed_at", moment=True))
    if exporting:
        rows = ((loan.copy.barcode, loan.copy.title.title, loan.reader.name, _local(loan.borrowed_at), loan.due_on,
                 loan.renewals, _local(loan.returned_at)) for loan in found.iterator(chunk_size=2000))
        return personal_data_xlsx(actor=request.user, what="library.loan", filename="loans.xlsx", title=_("Loans"),
                                  rows=rows, filters={"status": status, "reader": reader_id}, headers=[
            _("Barcode"), _("Title"), _("Reader"), pgettext("library loan", "Borrowed"),
            pgettext("library loan", "Due"), _("Renewals"), pgettext("library loan", "Returned")])
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    return render(request, "library/loan_list.html", {"form": form, "page": page, "today": timezone.localdate()})


@login_required
def hold_list(request: AuthedRequest) -> HttpResponse:
    _require(request, Hold, "view")
    form = HoldFilterForm(request.GET or None)
    ready = form.is_valid() and form.cleaned_data["status"] == "ready"
    page = Paginator(queries.holds(request.user, ready_only=ready), 30).get_page(request.GET.get("page"))
    return render(request, "library/hold_list.html", {"page": page, "form": form})


@login_required
@require_POST
def loan_renew(request: AuthedRequest, pk: int) -> HttpResponse:
    loan = get_visible(Loan.objects.all(), request.user, "view", pk=pk)
    try:
        loan = actions.renew(actor=request.user, loan=loan)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Renewed: now due %(date)s.") % {"date": loan.due_on})
    return redirect("library:my_loans" if request.user.is_resident else "library:loan_list")


@login_required
@require_POST
def hold_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    hold = get_visible(Hold.objects.all(), request.user, "view", pk=pk)
    try:
        actions.cancel_hold(actor=request.user, hold=hold)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The hold is cancelled."))
    return redirect("library:my_loans" if request.user.is_resident else "library:hold_list")


@login_required
def my_loans(request: AuthedRequest) -> HttpResponse:
    """A resident's own books: on loan now (renew), holds (with place in the queue), and her history."""
    if not request.user.is_resident:
        raise NotFound()
    holds = list(queries.holds(request.user))
    for hold in holds:
        hold.position = queries.queue_position(hold)  # type: ignore[attr-defined]
    return render(request, "library/my_loans.html", {
        "open_loans": queries.loans(request.user, open_only=True), "holds": holds,
        "history": queries.loans(request.user).filter(returned_at__isnull=False)[:50],
        "today": timezone.localdate(), "max_renewals": actions.MAX_RENEWALS,
    })


IMPORT_TASK = "library.import_catalogue"


@login_required
def import_catalogue(request: AuthedRequest) -> HttpResponse:
    """Upload a catalogue spreadsheet. It is read and imported in the background (every row, or none); the task
    page follows it and then says how many titles came in or lists the rows in error."""
    _require(request, Title, "import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            form.add_error("file", _("The file is larger than %(mb)d MB; split it into smaller files.")
                           % {"mb": importing.MAX_BYTES // (1024 * 1024)})
        else:
            task = core_actions.start_task(actor=request.user, kind=IMPORT_TASK, payload=upload.read(),
                                           params={"filename": Path(upload.name).name})
            return redirect("core:task", pk=task.pk)
    return render(request, "library/import.html", {"form": form, "columns": importing.TEMPLATE_HEADERS})


@login_required
def import_template(request: AuthedRequest) -> HttpResponse:
    _require(request, Title, "import")
    return xlsx_response("catalogue-template.xlsx", title=_("Catalogue"), headers=importing.TEMPLATE_HEADERS,
                         rows=[])
