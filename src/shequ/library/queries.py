"""Reads of the library. The public catalogue is open to all; everything else goes through ``restrict``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.core.models import Subdistrict, User
from shequ.core.registry import TileLine, per_period
from shequ.core.scopes import restrict
from shequ.core.text import looks_like_pinyin
from shequ.library.choices import CopyStatus, HoldStatus
from shequ.library.models import Copy, Hold, Loan, Title


def search_catalogue(query: str, *, subdistrict: Subdistrict | None = None) -> QuerySet[Title]:
    """The public catalogue (OPAC): no login. Characters match the title, author or publisher anywhere; Latin
    letters match the start of the title's full pinyin or initials, or the author's pinyin; digits an ISBN.
    Each title carries how many copies exist and how many are on the shelf."""
    found = Title.objects.all()
    if subdistrict is not None:
        found = found.filter(subdistrict=subdistrict)
    text = query.strip()
    if text:
        letters = text.replace(" ", "").replace("-", "").lower()
        if letters.isdigit() or (letters[:-1].isdigit() and letters[-1:] == "x"):
            found = found.filter(isbn__contains=letters.upper())
        elif looks_like_pinyin(text):
            found = found.filter(Q(title_pinyin__startswith=letters) | Q(title_initials__startswith=letters)
                                 | Q(authors_pinyin__contains=letters))
        else:
            found = found.filter(Q(title__contains=text) | Q(authors__contains=text) | Q(publisher__contains=text))
    return found.annotate(
        copies_total=Count("copies", filter=~Q(copies__status=CopyStatus.WITHDRAWN)),
        copies_available=Count("copies", filter=Q(copies__status=CopyStatus.AVAILABLE)),
    ).order_by("title_pinyin", "id")


def public_title(pk: int) -> Title | None:
    return search_catalogue("").filter(pk=pk).first()


def titles(user: User, action: str = "view") -> QuerySet[Title]:
    return restrict(Title.objects.all(), user, action)


def copies(user: User, action: str = "view") -> QuerySet[Copy]:
    return restrict(Copy.objects.select_related("title"), user, action)


DUE_SOON_DAYS = 3  # a loan due within this many days (and not yet overdue) is "due soon"


def loans(user: User, *, open_only: bool = False, overdue_only: bool = False, due_soon_only: bool = False,
          reader_id: int | None = None, action: str = "view", today: dt.date | None = None) -> QuerySet[Loan]:
    """Loan history: a librarian's of the whole library, a resident's of her own books."""
    found = restrict(Loan.objects.select_related("copy__title", "reader"), user, action)
    today = today or timezone.localdate()
    if open_only or overdue_only or due_soon_only:
        found = found.filter(returned_at__isnull=True)
    if overdue_only:
        found = found.filter(due_on__lt=today)
    if due_soon_only:
        found = found.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    if reader_id:
        found = found.filter(reader_id=reader_id)
    return found.order_by("-borrowed_at", "-id")


def holds(user: User, *, active_only: bool = True, ready_only: bool = False,
          reader_id: int | None = None) -> QuerySet[Hold]:
    found = restrict(Hold.objects.select_related("title", "reader", "copy"), user)
    if active_only:
        found = found.filter(status__in=[HoldStatus.WAITING, HoldStatus.READY])
    if ready_only:
        found = found.filter(status=HoldStatus.READY)
    if reader_id:
        found = found.filter(reader_id=reader_id)
    return found.order_by("placed_at", "id")


def queue_position(hold: Hold) -> int:
    """1 for the first reader waiting for the title."""
    return Hold.objects.filter(title_id=hold.title_id, status=HoldStatus.WAITING, placed_at__lte=hold.placed_at,
                               id__lte=hold.pk).count()


def desk_summary(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    open_loans = loans(user, open_only=True)
    return {"on_loan": open_loans.count(), "overdue": open_loans.filter(due_on__lt=today).count(),
            "holds_waiting": holds(user).filter(status=HoldStatus.WAITING).count(),
            "holds_ready": holds(user).filter(status=HoldStatus.READY).count()}


# Workbench counts


def overdue_loans_count(user: User) -> int:
    return loans(user, overdue_only=True).count()


def due_soon_loans_count(user: User) -> int:
    return loans(user, due_soon_only=True).count()


def holds_ready_count(user: User) -> int:
    return holds(user, ready_only=True).count()


# Dashboard figures


def loans_by_period(user: User, periods: list[Any]) -> list[int]:
    """Loans made (books lent) in each period, counted by the time of lending."""
    return per_period(restrict(Loan.objects.all(), user), periods, "borrowed_at", moment=True)


# Portal tiles


def my_loans_tile(user: User, today: dt.date | None = None) -> list[Any]:
    """Her books on loan, the nearest due date, and how many are overdue (drawn as needing action)."""
    month_day = pgettext("month and day on a portal tile", "M j")
    today = today or timezone.localdate()
    found = loans(user, open_only=True).order_by().aggregate(
        on_loan=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)), nearest=Min("due_on"))
    if not found["on_loan"]:
        lines = [TileLine(_("On loan"), _("none"))]
    else:
        lines = [TileLine(_("On loan"), str(found["on_loan"])),
                 TileLine(_("Next due"), date_format(found["nearest"], month_day),
                          warn=found["nearest"] < today)]
        if found["overdue"]:
            lines.append(TileLine(_("Overdue"), str(found["overdue"]), warn=True))
    ready = holds(user).filter(status=HoldStatus.READY).count()
    if ready:
        lines.append(TileLine(_("Ready to collect"), str(ready)))
    return lines
