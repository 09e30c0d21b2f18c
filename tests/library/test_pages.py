"""Library pages: the public catalogue on a phone, the librarian's desk, a reader's own loans, the import."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shequ.core.actions import PERSONAL_DATA_EXPORTED, run_next_task
from shequ.core.models import AuditEntry
from shequ.library import actions
from shequ.library.models import Copy, Loan, Title
from tests.core import hostile_files


def test_anyone_can_search_the_catalogue_without_signing_in(client, book):
    response = client.get("/library/", {"q": "hlm"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "红楼梦" in page and 'name="viewport"' in page
    assert client.get(f"/library/titles/{book.pk}/").status_code == 200


def test_the_public_title_page_hides_barcodes_from_visitors(client, book):
    assert "L0001" not in client.get(f"/library/titles/{book.pk}/").content.decode()


def test_a_librarian_finds_the_reader_and_lends_a_book_at_the_desk(client, librarian, book, resident_person,
                                                                    reader_card):
    client.force_login(librarian)
    found = client.get("/library/desk/", {"reader_q": "wxy"}).content.decode()
    assert f"?reader={resident_person.pk}" in found and f"**** {reader_card.number[-4:]}" in found
    assert "5678" not in found and reader_card.number not in found
    response = client.post(f"/library/desk/?reader={resident_person.pk}",
                           {"reader": resident_person.pk, "barcode": "l0001"})
    assert response.status_code == 302
    loan = Loan.objects.get()
    assert loan.reader == resident_person and loan.lent_by == librarian
    assert "红楼梦" in client.get(response["Location"]).content.decode()


def test_an_unknown_barcode_at_the_desk_is_shown_and_nothing_is_lent(client, librarian, book, resident_person,
                                                                      reader_card):
    client.force_login(librarian)
    response = client.post(f"/library/desk/?reader={resident_person.pk}",
                           {"reader": resident_person.pk, "barcode": "NOPE"})
    assert response.status_code == 200 and "NOPE" in response.content.decode()
    assert not Loan.objects.exists()


def test_an_unknown_card_number_is_refused_at_the_desk(client, librarian, book):
    client.force_login(librarian)
    response = client.get("/library/desk/", {"card": "8800000000000"})
    assert response.status_code == 200 and "8800000000000" in response.content.decode()


def test_a_librarian_takes_a_book_back_at_the_desk(client, librarian, book, resident_person):
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    client.force_login(librarian)
    assert client.post("/library/desk/return/", {"return-barcode": "L0001"}).status_code == 302
    assert Loan.objects.get().returned_at is not None


def test_a_resident_sees_her_loans_and_renews_one(client, librarian, book, resident, resident_person):
    loan = actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    client.force_login(resident)
    assert "红楼梦" in client.get("/library/mine/").content.decode()
    assert client.post(f"/library/loans/{loan.pk}/renew/").status_code == 302
    loan.refresh_from_db()
    assert loan.renewals == 1


def test_a_resident_reserves_a_book_from_the_catalogue(client, librarian, book, resident):
    client.force_login(resident)
    assert client.post(f"/library/titles/{book.pk}/hold/").status_code == 302
    assert book.holds.get().reader.user == resident


def test_a_resident_cannot_open_the_desk_or_the_loan_list(client, resident):
    client.force_login(resident)
    assert client.get("/library/desk/").status_code == 404
    assert client.get("/library/loans/").status_code == 404


def test_the_librarian_exports_the_loan_history_to_excel_and_the_export_is_audited(client, librarian, book,
                                                                                   resident_person):
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    client.force_login(librarian)
    response = client.get("/library/loans/", {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert b"".join(response.streaming_content)[:2] == b"PK"
    exported = AuditEntry.objects.get(event=PERSONAL_DATA_EXPORTED, actor=librarian)
    assert exported.after["what"] == "library.loan" and exported.after["rows"] == 1


def _workbook(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ISBN", "书名", "作者", "出版社", "出版年", "条码", "书架"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "catalogue.xlsx"
    return buffer


def _upload_and_run(client, upload):
    """Post the file as the librarian does, let the worker run the task, and open the task page she is sent to."""
    response = client.post("/library/import/", {"file": upload})
    assert response.status_code == 302
    task = run_next_task()
    assert task is not None and task.kind == "library.import_catalogue" and task.status == "succeeded"
    assert response["Location"] == f"/tasks/{task.pk}/"
    return client.get(response["Location"])


def test_a_catalogue_spreadsheet_is_imported_with_its_copies_in_the_background(client, librarian):
    client.force_login(librarian)
    upload = _workbook([["9787020002207", "红楼梦", "曹雪芹", "人民文学出版社", 1996, "A001, A002", "I242"],
                        ["0-306-40615-2", "Signals", "Smith", "", "", "A003", ""]])
    response = _upload_and_run(client, upload)
    assert response.status_code == 200 and response.context["result"]["created"] == 2
    assert Title.objects.count() == 2 and Copy.objects.count() == 3
    assert AuditEntry.objects.filter(event=actions.CATALOGUE_IMPORTED).exists()


def test_a_catalogue_with_a_bad_row_imports_nothing_and_names_the_row(client, librarian):
    client.force_login(librarian)
    upload = _workbook([["9787020002207", "红楼梦", "曹雪芹", "", "", "A001", ""],
                        ["9787020002208", "坏书号", "", "", "", "A002", ""]])
    response = _upload_and_run(client, upload)
    assert response.status_code == 200
    assert response.context["result"]["errors"][0][0] == 3 and "import-errors" in response.content.decode()
    assert not Title.objects.exists() and not Copy.objects.exists()


@pytest.mark.parametrize(("hostile", "message"), hostile_files.UPLOADS_AND_MESSAGES)
def test_a_hostile_catalogue_fails_the_import_with_a_clear_message_and_imports_nothing(
        client, librarian, settings, hostile, message):
    client.force_login(librarian)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = [["ISBN", "书名", "作者", "出版社", "出版年", "条码", "书架"],
            ["9787020002207", "红楼梦", "", "", "", "A001", ""]]
    upload = SimpleUploadedFile("catalogue.xlsx", hostile(rows))
    response = _upload_and_run(client, upload)
    result = response.context["result"]
    assert not result["ok"] and message in result["message"] and message in response.content.decode()
    assert not Title.objects.exists() and not AuditEntry.objects.filter(event=actions.CATALOGUE_IMPORTED).exists()


def test_the_librarian_sees_one_readers_loan_history(client, librarian, book, resident_person, make_person):
    actions.add_copy(actor=librarian, title=book, barcode="L0002")
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    actions.take_back(actor=librarian, barcode="L0001")
    actions.lend(actor=librarian, barcode="L0002", reader=make_person("李梅"))
    client.force_login(librarian)
    page = client.get("/library/loans/", {"reader": resident_person.pk}).content.decode()
    assert "王秀英" in page and "李梅" not in page
