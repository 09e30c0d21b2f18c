"""The library's actions: catalogue with checked ISBNs, loans, renewals, returns, holds and reminders."""

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.library import actions, queries
from shequ.library.choices import CopyStatus, HoldStatus
from shequ.library.models import Copy, Loan, Title
from tests.library.conftest import HONGLOUMENG


def test_an_isbn10_is_checked_and_stored_as_isbn13():
    assert actions.clean_isbn("0-306-40615-2") == "9780306406157"
    assert actions.clean_isbn("978 7 02 000220 7") == HONGLOUMENG


@pytest.mark.parametrize("bad", ["978-7-02-000220-8", "0-306-40615-3", "12345", "", "abcdefghij"])
def test_an_isbn_with_a_wrong_check_digit_is_refused(bad):
    with pytest.raises(Invalid) as caught:
        actions.clean_isbn(bad)
    assert caught.value.field == "isbn"


def test_adding_a_title_keeps_its_pinyin_for_search_and_audits_it(librarian):
    title = actions.add_title(actor=librarian, isbn=HONGLOUMENG, title="红楼梦", authors="曹雪芹")
    assert (title.title_pinyin, title.title_initials, title.authors_pinyin) == ("hongloumeng", "hlm", "caoxueqin")
    entry = AuditEntry.objects.get(event=actions.TITLE_ADDED, object_id=str(title.pk))
    assert entry.actor == librarian and entry.after["isbn"] == HONGLOUMENG


def test_the_same_isbn_cannot_be_catalogued_twice_in_one_library(librarian, book):
    with pytest.raises(Conflict):
        actions.add_title(actor=librarian, isbn="9787020002207", title="红楼梦（第二版）")


def test_a_committee_worker_cannot_add_to_the_catalogue(alice):
    with pytest.raises(NotFound):
        actions.add_title(actor=alice, isbn=HONGLOUMENG, title="红楼梦")
    assert not Title.objects.exists()


def test_a_barcode_is_used_once(librarian, book):
    with pytest.raises(Conflict):
        actions.add_copy(actor=librarian, title=book, barcode="l0001")


def test_lending_a_copy_sets_the_due_date_marks_it_on_loan_and_audits_it(librarian, book, resident_person):
    loan = actions.lend(actor=librarian, barcode="l0001", reader=resident_person, today=dt.date(2026, 3, 1))
    assert loan.due_on == dt.date(2026, 3, 31)
    assert Copy.objects.get(barcode="L0001").status == CopyStatus.ON_LOAN
    entry = AuditEntry.objects.get(event=actions.BOOK_LENT, object_id=str(loan.pk))
    assert entry.actor == librarian and entry.after["reader"] == resident_person.pk


def test_a_copy_on_loan_cannot_be_lent_again(librarian, book, resident_person, make_person):
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    with pytest.raises(Conflict):
        actions.lend(actor=librarian, barcode="L0001", reader=make_person("李梅"))
    assert Loan.objects.count() == 1


def test_a_librarian_of_another_subdistrict_cannot_lend_this_librarys_books_or_to_its_readers(
        outside_librarian, book, resident_person):
    with pytest.raises(NotFound):
        actions.lend(actor=outside_librarian, barcode="L0001", reader=resident_person)
    assert not Loan.objects.exists()


def test_a_reader_may_renew_twice_then_must_return(librarian, book, resident, resident_person):
    loan = actions.lend(actor=librarian, barcode="L0001", reader=resident_person, today=dt.date(2026, 3, 1))
    today = dt.date(2026, 3, 20)
    loan = actions.renew(actor=resident, loan=loan, today=today)
    assert loan.due_on == dt.date(2026, 4, 19) and loan.renewals == 1
    actions.renew(actor=librarian, loan=loan, today=today)
    with pytest.raises(Conflict):
        actions.renew(actor=resident, loan=loan, today=today)
    entry = AuditEntry.objects.filter(event=actions.LOAN_RENEWED, object_id=str(loan.pk)).first()
    assert entry is not None and entry.after["renewals"] == 2


def test_an_overdue_book_cannot_be_renewed(librarian, book, resident, resident_person):
    loan = actions.lend(actor=librarian, barcode="L0001", reader=resident_person, today=dt.date(2026, 3, 1))
    with pytest.raises(Conflict):
        actions.renew(actor=resident, loan=loan, today=dt.date(2026, 4, 2))


def test_a_resident_cannot_renew_someone_elses_loan(librarian, book, resident, make_person):
    other = make_person("李梅")
    loan = actions.lend(actor=librarian, barcode="L0001", reader=other)
    with pytest.raises(NotFound):
        actions.renew(actor=resident, loan=loan)


def test_returning_puts_the_copy_back_on_the_shelf_and_keeps_the_history(librarian, book, resident_person):
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    loan = actions.take_back(actor=librarian, barcode="L0001")
    assert loan.returned_at is not None and loan.received_by == librarian
    assert Copy.objects.get(barcode="L0001").status == CopyStatus.AVAILABLE
    assert list(queries.loans(librarian)) == [loan]
    assert AuditEntry.objects.filter(event=actions.BOOK_RETURNED, object_id=str(loan.pk)).exists()
    with pytest.raises(Conflict):
        actions.take_back(actor=librarian, barcode="L0001")


def test_a_returned_copy_is_kept_for_the_first_hold_who_is_texted_and_only_she_may_borrow_it(
        librarian, book, resident, resident_person, make_person, sms):
    first = make_person("李梅")
    actions.lend(actor=librarian, barcode="L0001", reader=first)
    hold = actions.place_hold(actor=resident, title=book)
    second = actions.place_hold(actor=librarian, title=book, reader=make_person("张伟", sex="M",
                                                                                birth=dt.date(1980, 1, 1)))
    assert hold.status == HoldStatus.WAITING
    assert queries.queue_position(hold) == 1 and queries.queue_position(second) == 2
    actions.take_back(actor=librarian, barcode="L0001")
    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY and hold.copy is not None and hold.copy.status == CopyStatus.ON_HOLD
    assert [(phone, "红楼梦" in text) for phone, text in sms] == [("13812345678", True)]
    with pytest.raises(Conflict):
        actions.lend(actor=librarian, barcode="L0001", reader=first)
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.FULFILLED
    assert AuditEntry.objects.filter(event=actions.HOLD_READY, object_id=str(hold.pk)).exists()


def test_a_loan_cannot_be_renewed_while_others_wait_for_the_title(librarian, book, resident, make_person):
    loan = actions.lend(actor=librarian, barcode="L0001", reader=make_person("李梅"))
    actions.place_hold(actor=resident, title=book)
    with pytest.raises(Conflict):
        actions.renew(actor=librarian, loan=loan)


def test_a_hold_on_a_book_on_the_shelf_sets_a_copy_aside_at_once(librarian, book, resident):
    hold = actions.place_hold(actor=resident, title=book)
    assert hold.status == HoldStatus.READY
    cancelled = actions.cancel_hold(actor=resident, hold=hold)
    assert cancelled.status == HoldStatus.CANCELLED
    assert Copy.objects.get(barcode="L0001").status == CopyStatus.AVAILABLE
    assert AuditEntry.objects.filter(event=actions.HOLD_CANCELLED, object_id=str(hold.pk)).exists()


def test_a_reader_cannot_queue_twice_for_the_same_title(librarian, book, resident, make_person):
    actions.lend(actor=librarian, barcode="L0001", reader=make_person("李梅"))
    actions.place_hold(actor=resident, title=book)
    with pytest.raises(Conflict):
        actions.place_hold(actor=resident, title=book)


def test_overdue_readers_are_texted_once_a_week_until_they_return(librarian, book, resident_person, sms):
    loan = actions.lend(actor=librarian, barcode="L0001", reader=resident_person, today=dt.date(2026, 3, 1))
    assert actions.remind_overdue(today=dt.date(2026, 3, 31)) == 0
    assert actions.remind_overdue(today=dt.date(2026, 4, 1)) == 1
    assert actions.remind_overdue(today=dt.date(2026, 4, 3)) == 0
    assert actions.remind_overdue(today=dt.date(2026, 4, 8)) == 1
    assert [phone for phone, _ in sms] == ["13812345678", "13812345678"]
    assert AuditEntry.objects.filter(event=actions.OVERDUE_REMINDED, object_id=str(loan.pk), actor=None).count() == 2


def test_the_overdue_reminder_runs_as_a_periodic_job(librarian, book, resident_person):
    from shequ.core.tasks import PERIODIC_JOBS

    job = next(job for job in PERIODIC_JOBS if job.function == "shequ.library.tasks.remind_overdue")
    Loan.objects.create(copy=book.copies.get(), reader=resident_person, subdistrict=book.subdistrict,
                        borrowed_at=timezone.now() - dt.timedelta(days=40), due_on=dt.date(2020, 1, 1))
    assert job.load()() == 1


@pytest.mark.parametrize("query", ["红楼", "hongloumeng", "honglou", "hlm", "曹雪芹", "caoxueqin", "9787020002207"])
def test_the_public_catalogue_finds_a_book_by_characters_pinyin_initials_author_or_isbn(book, query):
    found = list(queries.search_catalogue(query))
    assert [t.title for t in found] == ["红楼梦"]
    assert (found[0].copies_total, found[0].copies_available) == (1, 1)


def test_the_public_catalogue_does_not_find_what_does_not_match(book):
    assert not queries.search_catalogue("西游记").exists()
    assert not queries.search_catalogue("xyj").exists()


def test_a_residents_loans_are_her_own(librarian, book, resident, resident_person, make_person):
    actions.add_copy(actor=librarian, title=book, barcode="L0002")
    mine = actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    actions.lend(actor=librarian, barcode="L0002", reader=make_person("李梅", new_household=True))
    assert list(queries.loans(resident)) == [mine]


def test_a_hold_not_collected_in_time_passes_the_copy_to_the_next_reader(
        librarian, book, resident, make_person, sms):
    first = actions.place_hold(actor=resident, title=book)
    second = actions.place_hold(actor=librarian, title=book, reader=make_person("李梅", phone="13700001234"))
    assert first.status == HoldStatus.READY and second.status == HoldStatus.WAITING
    assert actions.expire_uncollected_holds(today=first.ready_until) == 0
    assert actions.expire_uncollected_holds(today=first.ready_until + dt.timedelta(days=1)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == HoldStatus.EXPIRED and second.status == HoldStatus.READY
    # 王秀英 was told when her copy was set aside; 李梅 when it passed to her.
    assert second.copy == first.copy and [phone for phone, _ in sms] == ["13812345678", "13700001234"]
    assert AuditEntry.objects.filter(event=actions.HOLD_EXPIRED, object_id=str(first.pk), actor=None).exists()
    actions.expire_uncollected_holds(today=second.ready_until + dt.timedelta(days=1))
    assert Copy.objects.get(barcode="L0001").status == CopyStatus.AVAILABLE
