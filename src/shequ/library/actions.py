"""Every write of the library: catalogue, copies, loans, renewals, returns, holds, overdue reminders.

Each action is keyword-only with an ``actor``, one durable transaction, and writes its audit row; texts to
readers are queued in the outbox in that transaction and sent by the worker.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import isbnlib
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, outbox
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import User
from shequ.core.scopes import can, get_visible
from shequ.library.choices import CopyStatus, HoldStatus
from shequ.library.models import Copy, Hold, Loan, Title
from shequ.population.models import Person
from shequ.population.queries import people_served_in

TITLE_ADDED = "library.title_added"
TITLE_CHANGED = "library.title_changed"
COPY_ADDED = "library.copy_added"
COPY_WITHDRAWN = "library.copy_withdrawn"
BOOK_LENT = "library.book_lent"
LOAN_RENEWED = "library.loan_renewed"
BOOK_RETURNED = "library.book_returned"
HOLD_PLACED = "library.hold_placed"
HOLD_READY = "library.hold_ready"
HOLD_CANCELLED = "library.hold_cancelled"
OVERDUE_REMINDED = "library.overdue_reminded"
HOLD_EXPIRED = "library.hold_expired"
CATALOGUE_IMPORTED = "library.catalogue_imported"

LOAN_DAYS = 30
RENEWAL_DAYS = 30
MAX_RENEWALS = 2
MAX_OPEN_LOANS = 10
HOLD_KEPT_DAYS = 7
REMIND_EVERY_DAYS = 7


def clean_isbn(raw: str) -> str:
    """An ISBN-10 or ISBN-13 with a correct check digit, as ISBN-13 digits (hyphens and spaces ignored)."""
    digits = isbnlib.canonical(raw or "")
    if isbnlib.is_isbn13(digits):
        return digits
    if isbnlib.is_isbn10(digits):
        return isbnlib.to_isbn13(digits)
    raise Invalid(_("%(isbn)s is not a valid ISBN (check the digits).") % {"isbn": raw}, field="isbn")


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def _home(actor: User) -> int:
    """The actor's sub-district: the library she works for."""
    if actor.subdistrict_id is None:
        raise NotFound()
    return actor.subdistrict_id


def _reader(actor: User, reader: Person) -> Person:
    """A reader must live in the actor's sub-district (the library serves its own residents)."""
    found = people_served_in(actor.subdistrict_id).filter(pk=reader.pk).first()
    if found is None:
        raise NotFound(_("This reader is not registered in the sub-district."), field="reader")
    return found


def _title_snapshot(title: Title) -> dict[str, Any]:
    return {"isbn": title.isbn, "title": title.title, "authors": title.authors, "publisher": title.publisher,
            "year": title.year}


def _add_title(*, actor: User, isbn: str, title: str, authors: str = "", publisher: str = "",
               year: int | None = None) -> Title:
    _require(actor, Title, "add")
    if not title.strip():
        raise Invalid(_("A title is required."), field="title")
    if year is not None and not 1400 <= year <= timezone.localdate().year + 1:
        raise Invalid(_("The year is not plausible."), field="year")
    isbn = clean_isbn(isbn)
    if Title.objects.filter(subdistrict_id=_home(actor), isbn=isbn).exists():
        raise Conflict(_("ISBN %(isbn)s is already in the catalogue.") % {"isbn": isbn}, field="isbn")
    made = Title.objects.create(subdistrict_id=_home(actor), isbn=isbn, title=title.strip(),
                                authors=authors.strip(), publisher=publisher.strip(), year=year)
    audit.record(actor=actor, event=TITLE_ADDED, obj=made, after=_title_snapshot(made))
    return made


@transaction.atomic(durable=True)
def add_title(*, actor: User, isbn: str, title: str, authors: str = "", publisher: str = "",
              year: int | None = None) -> Title:
    return _add_title(actor=actor, isbn=isbn, title=title, authors=authors, publisher=publisher, year=year)


@transaction.atomic(durable=True)
def change_title(*, actor: User, title: Title, **fields: Any) -> Title:
    title = get_visible(Title.objects.select_for_update(), actor, "change", pk=title.pk)
    before = _title_snapshot(title)
    if "isbn" in fields:
        fields["isbn"] = clean_isbn(fields["isbn"])
        if Title.objects.filter(subdistrict_id=title.subdistrict_id, isbn=fields["isbn"]).exclude(pk=title.pk).exists():
            raise Conflict(_("ISBN %(isbn)s is already in the catalogue.") % {"isbn": fields["isbn"]}, field="isbn")
    for name in ("isbn", "title", "authors", "publisher", "year"):
        if name in fields:
            setattr(title, name, fields[name].strip() if isinstance(fields[name], str) else fields[name])
    title.save()
    old, new = audit.changes(before, _title_snapshot(title))
    audit.record(actor=actor, event=TITLE_CHANGED, obj=title, before=old, after=new)
    return title


def _add_copy(*, actor: User, title: Title, barcode: str, shelf: str = "") -> Copy:
    barcode = barcode.strip().upper()
    if not barcode or not barcode.isalnum():
        raise Invalid(_("A barcode is letters and digits only."), field="barcode")
    if Copy.objects.filter(barcode=barcode).exists():
        raise Conflict(_("Barcode %(barcode)s is already in use.") % {"barcode": barcode}, field="barcode")
    copy = Copy.objects.create(title=title, subdistrict_id=title.subdistrict_id, barcode=barcode, shelf=shelf.strip())
    audit.record(actor=actor, event=COPY_ADDED, obj=copy, after={"barcode": barcode, "title": title.pk})
    return copy


@transaction.atomic(durable=True)
def add_copy(*, actor: User, title: Title, barcode: str, shelf: str = "") -> Copy:
    _require(actor, Copy, "add")
    title = get_visible(Title.objects.all(), actor, "view", pk=title.pk)
    return _add_copy(actor=actor, title=title, barcode=barcode, shelf=shelf)


@transaction.atomic(durable=True)
def withdraw_copy(*, actor: User, copy: Copy, reason: str) -> Copy:
    copy = get_visible(Copy.objects.select_for_update(), actor, "change", pk=copy.pk)
    if copy.status == CopyStatus.ON_LOAN:
        raise Conflict(_("The copy is on loan; take it back first."))
    before = copy.status
    copy.status = CopyStatus.WITHDRAWN
    copy.save(update_fields=["status"])
    audit.record(actor=actor, event=COPY_WITHDRAWN, obj=copy, before={"status": before},
                 after={"status": copy.status}, reason=reason)
    return copy


def _copy_by_barcode(actor: User, barcode: str) -> Copy:
    copy = (Copy.objects.select_for_update().filter(barcode=barcode.strip().upper(),
                                                    subdistrict_id=_home(actor)).first())
    if copy is None:
        raise NotFound(_("No copy with barcode %(barcode)s.") % {"barcode": barcode}, field="barcode")
    return copy


@transaction.atomic(durable=True)
def lend(*, actor: User, barcode: str, reader: Person, today: dt.date | None = None) -> Loan:
    """Check a copy out to a reader at the desk. A copy kept for a hold goes only to that hold's reader."""
    _require(actor, Loan, "add")
    reader = _reader(actor, reader)
    copy = _copy_by_barcode(actor, barcode)
    hold = None
    if copy.status == CopyStatus.ON_HOLD:
        hold = Hold.objects.select_for_update().filter(copy=copy, status=HoldStatus.READY).first()
        if hold is None or hold.reader_id != reader.pk:
            raise Conflict(_("This copy is kept for another reader's hold."), field="barcode")
    elif copy.status != CopyStatus.AVAILABLE:
        raise Conflict(_("This copy is not on the shelf (%(status)s).") % {"status": copy.get_status_display()},
                       field="barcode")
    if Loan.objects.filter(reader=reader, returned_at__isnull=True).count() >= MAX_OPEN_LOANS:
        raise Conflict(_("The reader already has %(n)d books on loan.") % {"n": MAX_OPEN_LOANS}, field="reader")
    now = timezone.now()
    today = today or timezone.localdate(now)
    try:
        with transaction.atomic():
            loan = Loan.objects.create(copy=copy, reader=reader, subdistrict_id=copy.subdistrict_id, borrowed_at=now,
                                       due_on=today + dt.timedelta(days=LOAN_DAYS), lent_by=actor)
    except IntegrityError as exc:
        raise Conflict(_("This copy is already on loan."), field="barcode") from exc
    copy.status = CopyStatus.ON_LOAN
    copy.save(update_fields=["status"])
    if hold is not None:
        hold.status = HoldStatus.FULFILLED
        hold.save(update_fields=["status"])
    audit.record(actor=actor, event=BOOK_LENT, obj=loan,
                 after={"copy": copy.barcode, "reader": reader.pk, "due_on": loan.due_on,
                        "hold": hold.pk if hold else None})
    return loan


@transaction.atomic(durable=True)
def renew(*, actor: User, loan: Loan, today: dt.date | None = None) -> Loan:
    """Another period from today; refused after MAX_RENEWALS, when overdue, or when others wait for the title."""
    loan = get_visible(Loan.objects.select_for_update().select_related("copy"), actor, "view", pk=loan.pk)
    if actor.is_resident:
        if loan.reader.user_id != actor.pk:
            raise NotFound()
    else:
        _require(actor, Loan, "change")
    today = today or timezone.localdate()
    if loan.returned_at is not None:
        raise Conflict(_("This book has been returned."))
    if loan.renewals >= MAX_RENEWALS:
        raise Conflict(_("A loan can be renewed at most %(n)d times.") % {"n": MAX_RENEWALS})
    if loan.due_on < today:
        raise Conflict(_("The book is overdue; please bring it back to the library."))
    if Hold.objects.filter(title_id=loan.copy.title_id, status=HoldStatus.WAITING).exists():
        raise Conflict(_("Other readers are waiting for this book; it cannot be renewed."))
    before = loan.due_on
    loan.due_on = max(loan.due_on, today + dt.timedelta(days=RENEWAL_DAYS))
    loan.renewals += 1
    loan.save(update_fields=["due_on", "renewals"])
    audit.record(actor=actor, event=LOAN_RENEWED, obj=loan, before={"due_on": before},
                 after={"due_on": loan.due_on, "renewals": loan.renewals}, subdistrict_id=loan.subdistrict_id)
    return loan


@transaction.atomic(durable=True)
def take_back(*, actor: User, barcode: str, today: dt.date | None = None) -> Loan:
    """Return a copy at the desk. If readers wait for the title, the copy is kept for the first and she is texted."""
    _require(actor, Loan, "change")
    copy = _copy_by_barcode(actor, barcode)
    loan = Loan.objects.select_for_update().filter(copy=copy, returned_at__isnull=True).first()
    if loan is None:
        raise Conflict(_("This copy is not on loan."), field="barcode")
    today = today or timezone.localdate()
    loan.returned_at = timezone.now()
    loan.received_by = actor
    loan.save(update_fields=["returned_at", "received_by"])
    hold = (Hold.objects.select_for_update().select_related("reader")
            .filter(title_id=copy.title_id, status=HoldStatus.WAITING).order_by("placed_at", "id").first())
    copy.status = CopyStatus.AVAILABLE
    if hold is not None:
        copy.status = CopyStatus.ON_HOLD
        _make_ready(actor=actor, hold=hold, copy=copy, today=today)
    copy.save(update_fields=["status"])
    audit.record(actor=actor, event=BOOK_RETURNED, obj=loan,
                 after={"copy": copy.barcode, "overdue_days": max(0, (today - loan.due_on).days),
                        "kept_for_hold": hold.pk if hold else None})
    return loan


def _make_ready(*, actor: User | None, hold: Hold, copy: Copy, today: dt.date) -> None:
    hold.status = HoldStatus.READY
    hold.copy = copy
    hold.ready_until = today + dt.timedelta(days=HOLD_KEPT_DAYS)
    hold.save(update_fields=["status", "copy", "ready_until"])
    audit.record(actor=actor, event=HOLD_READY, obj=hold, after={"copy": copy.barcode, "until": hold.ready_until},
                 subdistrict_id=hold.subdistrict_id)
    if hold.reader.phone:
        text = _("The book 《%(title)s》 you reserved is ready at the community library; please collect it by "
                 "%(date)s.") % {"title": hold.title.title, "date": hold.ready_until}
        outbox.enqueue(channel="sms", to=hold.reader.phone, text=text, event=HOLD_READY, obj=hold,
                       subdistrict_id=hold.subdistrict_id)


@transaction.atomic(durable=True)
def place_hold(*, actor: User, title: Title, reader: Person | None = None) -> Hold:
    """A reader (herself on the portal, or a librarian for her) queues for a title."""
    title = Title.objects.select_for_update().get(pk=title.pk)
    if actor.is_resident:
        reader = Person.objects.filter(user=actor).first()
        if reader is None or reader.subdistrict_id != title.subdistrict_id:
            raise NotFound()
    else:
        _require(actor, Hold, "add")
        title = get_visible(Title.objects.all(), actor, "view", pk=title.pk)
        if reader is None:
            raise Invalid(_("Choose the reader."), field="reader")
        reader = _reader(actor, reader)
    if Hold.objects.filter(title=title, reader=reader, status__in=[HoldStatus.WAITING, HoldStatus.READY]).exists():
        raise Conflict(_("This reader is already waiting for this book."))
    if Loan.objects.filter(copy__title=title, reader=reader, returned_at__isnull=True).exists():
        raise Conflict(_("This reader has this book on loan already."))
    hold = Hold.objects.create(title=title, reader=reader, subdistrict_id=title.subdistrict_id)
    audit.record(actor=actor, event=HOLD_PLACED, obj=hold, after={"title": title.pk, "reader": reader.pk},
                 subdistrict_id=title.subdistrict_id)
    # A copy on the shelf is set aside at once, so the reader is told to come.
    copy = Copy.objects.select_for_update().filter(title=title, status=CopyStatus.AVAILABLE).first()
    if copy is not None:
        copy.status = CopyStatus.ON_HOLD
        copy.save(update_fields=["status"])
        _make_ready(actor=actor, hold=hold, copy=copy, today=timezone.localdate())
    return hold


@transaction.atomic(durable=True)
def cancel_hold(*, actor: User, hold: Hold) -> Hold:
    hold = get_visible(Hold.objects.select_for_update(), actor, "view", pk=hold.pk)
    if not actor.is_resident:
        _require(actor, Hold, "change")
    if hold.status not in (HoldStatus.WAITING, HoldStatus.READY):
        raise Conflict(_("This hold is no longer active."))
    before = hold.status
    hold.status = HoldStatus.CANCELLED
    hold.save(update_fields=["status"])
    if hold.copy_id:
        copy = Copy.objects.select_for_update().get(pk=hold.copy_id)
        if copy.status == CopyStatus.ON_HOLD:
            copy.status = CopyStatus.AVAILABLE
            copy.save(update_fields=["status"])
    audit.record(actor=actor, event=HOLD_CANCELLED, obj=hold, before={"status": before},
                 after={"status": hold.status}, subdistrict_id=hold.subdistrict_id)
    return hold


@transaction.atomic(durable=True)
def remind_overdue(*, today: dt.date | None = None) -> int:
    """System task: text each reader of an overdue book, again every REMIND_EVERY_DAYS while it is out."""
    today = today or timezone.localdate()
    due = (Loan.objects.select_for_update().select_related("reader", "copy__title")
           .filter(returned_at__isnull=True, due_on__lt=today)
           .exclude(reminded_on__gt=today - dt.timedelta(days=REMIND_EVERY_DAYS)))
    reminded = 0
    for loan in due:
        loan.reminded_on = today
        loan.save(update_fields=["reminded_on"])
        audit.record(actor=None, event=OVERDUE_REMINDED, obj=loan, after={"due_on": loan.due_on},
                     subdistrict_id=loan.subdistrict_id)
        if loan.reader.phone:
            text = _("The book 《%(title)s》 was due back at the community library on %(date)s. Please return or "
                     "renew it.") % {"title": loan.copy.title.title, "date": loan.due_on}
            outbox.enqueue(channel="sms", to=loan.reader.phone, text=text, event=OVERDUE_REMINDED, obj=loan,
                           subdistrict_id=loan.subdistrict_id, dedupe_key=f"library.overdue:{loan.pk}:{today}")
        reminded += 1
    return reminded


@transaction.atomic(durable=True)
def expire_uncollected_holds(*, today: dt.date | None = None) -> int:
    """System task: a copy kept past its collect-by date goes to the next reader waiting, or back to the shelf."""
    today = today or timezone.localdate()
    expired = 0
    for hold in (Hold.objects.select_for_update(of=("self",)).select_related("copy", "title")
                 .filter(status=HoldStatus.READY, ready_until__lt=today).order_by("id")):
        hold.status = HoldStatus.EXPIRED
        hold.save(update_fields=["status"])
        audit.record(actor=None, event=HOLD_EXPIRED, obj=hold, after={"copy": hold.copy.barcode if hold.copy else None},
                     subdistrict_id=hold.subdistrict_id)
        expired += 1
        if hold.copy is None:
            continue
        copy = Copy.objects.select_for_update().get(pk=hold.copy.pk)
        following = (Hold.objects.select_for_update().select_related("reader", "title")
                     .filter(title_id=hold.title_id, status=HoldStatus.WAITING).order_by("placed_at", "id").first())
        if following is not None:
            _make_ready(actor=None, hold=following, copy=copy, today=today)
        else:
            copy.status = CopyStatus.AVAILABLE
            copy.save(update_fields=["status"])
    return expired


@transaction.atomic(durable=True)
def import_catalogue(*, actor: User, rows: list[dict[str, Any]], filename: str = "") -> int:
    """Titles and copies from spreadsheet rows (already parsed by :mod:`shequ.library.importing`): every row
    or none. Row errors are raised together as an Invalid with ``details`` = [(row number, message), ...]."""
    _require(actor, Title, "import")
    errors: list[tuple[int, str]] = []
    created = 0
    titles: dict[str, Title] = {}
    for row in rows:
        number = row["row"]
        try:
            with transaction.atomic():
                isbn = clean_isbn(row.get("isbn", ""))
                title = titles.get(isbn) or Title.objects.filter(subdistrict_id=_home(actor), isbn=isbn).first()
                if title is None:
                    title = _add_title(actor=actor, isbn=isbn, title=row.get("title", ""),
                                       authors=row.get("authors", ""), publisher=row.get("publisher", ""),
                                       year=row.get("year"))
                    created += 1
                titles[isbn] = title
                for barcode in row.get("barcodes", []):
                    _add_copy(actor=actor, title=title, barcode=barcode, shelf=row.get("shelf", ""))
        except (Invalid, Conflict) as error:
            errors.append((number, str(error.message)))
    if errors:
        raise Invalid(_("%(n)d rows have errors; nothing was imported.") % {"n": len(errors)}, details=errors)
    audit.record(actor=actor, event=CATALOGUE_IMPORTED, after={"titles": created, "rows": len(rows)},
                 reason=filename)
    return created
