"""Importing residents from a clerk's spreadsheet, all rows or none, and exporting them masked."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from shequ.core.actions import run_next_task
from shequ.core.errors import NotFound
from shequ.core.models import AuditEntry, Task, User
from shequ.core.spreadsheet_child import decode_text
from shequ.population.actions import PEOPLE_IMPORTED
from shequ.population.choices import Relationship, ResidenceType
from shequ.population.importing import import_people
from shequ.population.models import Household, LifeEvent, Person, Residence
from tests.conftest import id_number, login
from tests.core import hostile_files

HEADERS = ["姓名", "证件号码", "性别", "手机", "居住类型", "小区", "楼号", "室号", "标签", "入住日期", "与户主关系"]
ID_1 = id_number(dt.date(1948, 5, 1), "M", 301)
ID_2 = id_number(dt.date(1952, 7, 9), "F", 302)
ID_3 = id_number(dt.date(1990, 1, 20), "M", 303)


def good_rows() -> list[list[Any]]:
    return [
        ["张建国", ID_1, "男", "13800001111", "户籍", "华山小区", "1号", "201", "独居老人,党员", "2001-05-01", "户主"],
        ["李桂芬", ID_2, "女", "", "户籍", "华山小区", "1号", "201", "", dt.date(2001, 5, 1), "配偶"],
        ["王强", ID_3, "", "021-62345678", "来沪", "华山小区", "2号", "102", "", "2023/9/1", ""],
    ]


def xlsx(rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headers, *rows])  # as Excel writes it: a cell with a comma is quoted
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    """The messages are checked in English; zh-Hans is the platform's default."""
    with translation.override("en"):
        yield


def test_a_good_workbook_imports_every_row_with_households_and_one_audit_entry(alice: User, org: Any) -> None:
    result = import_people(actor=alice, file=xlsx(good_rows()), filename="华山.xlsx")

    assert result.ok, result.errors
    assert (result.created, result.households) == (3, 2)
    zhang = Person.objects.get(name="张建国")
    li = Person.objects.get(name="李桂芬")
    wang = Person.objects.get(name="王强")
    assert zhang.id_number == ID_1 and zhang.sex == "M" and zhang.birth_date == dt.date(1948, 5, 1)
    assert zhang.phone == "13800001111"
    assert sorted(zhang.tags.values_list("code", flat=True)) == ["elder_alone", "party_member"]
    assert zhang.household == li.household and zhang.relationship == Relationship.HEAD
    assert li.relationship == Relationship.SPOUSE
    assert wang.residence_type == ResidenceType.MIGRANT and wang.relationship == Relationship.HEAD
    for household in (zhang.household, wang.household):  # 户号: the neighborhood's code and the row's own id
        assert household.number == f"{household.neighborhood.code}-{household.pk:07d}"
    assert wang.dwelling.label.endswith("2号102室") and wang.phone == "02162345678"
    assert Residence.objects.get(person=zhang).started_on == dt.date(2001, 5, 1)
    assert LifeEvent.objects.filter(person__in=[zhang, li, wang]).count() == 3
    entry = AuditEntry.objects.get(event=PEOPLE_IMPORTED)
    assert entry.actor == alice
    assert entry.after["people"] == 3 and entry.after["households_created"] == 2
    assert entry.after["filename"] == "华山.xlsx"
    assert ID_1 not in str(entry.after)


def test_people_at_an_address_with_a_household_join_it(alice: User, org: Any, make_person: Callable) -> None:
    existing = make_person("赵老伯", dwelling=org.huashan_dwellings[2])  # 1号 201, with its own household
    result = import_people(actor=alice, file=xlsx(good_rows()[1:2]), filename="one.xlsx")

    assert result.ok, result.errors
    assert result.households == 0
    assert Person.objects.get(name="李桂芬").household == existing.household


def test_a_gbk_csv_from_chinese_excel_imports(alice: User, org: Any) -> None:
    data = csv_text(good_rows()).encode("gb18030")

    result = import_people(actor=alice, file=data, filename="华山.csv")

    assert result.ok, result.errors
    assert Person.objects.filter(name__in=["张建国", "李桂芬", "王强"]).count() == 3


def test_a_utf8_csv_with_english_headers_imports(alice: User, org: Any) -> None:
    headers = ["Name", "ID number", "Sex", "Phone", "Residence type", "Compound", "Building", "Room", "Tags",
               "Living here since", "Relationship"]
    data = ("\ufeff" + csv_text(good_rows(), headers)).encode("utf-8")

    result = import_people(actor=alice, file=data, filename="people.csv")

    assert result.ok, result.errors
    assert result.created == 3


def test_a_bad_id_checksum_writes_nothing_and_the_report_names_row_and_column(alice: User, org: Any) -> None:
    rows = good_rows()
    bad = ID_3[:-1] + ("0" if ID_3[-1] != "0" else "1")
    rows[2][1] = bad

    result = import_people(actor=alice, file=xlsx(rows), filename="bad.xlsx")

    assert not result.ok
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    assert not AuditEntry.objects.filter(event=PEOPLE_IMPORTED).exists()
    [error] = result.errors
    assert (error.row, error.column) == (4, "证件号码")  # the header is row 1, so the third person is row 4
    assert "check character" in error.message
    assert bad not in error.value and error.value.startswith("310105") and "*" in error.value


def test_every_bad_row_is_reported_not_only_the_first(alice: User, org: Any) -> None:
    rows = good_rows()
    rows[0][3] = "12345"  # phone
    rows[1][9] = "去年"  # date
    rows[2][4] = "外星"  # residence type

    result = import_people(actor=alice, file=xlsx(rows), filename="bad.xlsx")

    assert [(e.row, e.column) for e in result.errors] == [(2, "手机"), (3, "入住日期"), (4, "居住类型")]
    assert result.errors[0].value == "*****"  # phones are shown masked
    assert Person.objects.count() == 0


def test_the_same_id_twice_in_the_file_is_refused(alice: User, org: Any) -> None:
    rows = good_rows()
    rows[2][1] = ID_1
    rows[2][2] = "男"

    result = import_people(actor=alice, file=xlsx(rows), filename="dup.xlsx")

    assert [(e.row, e.column) for e in result.errors] == [(4, "证件号码")]
    assert "row 2" in result.errors[0].message
    assert Person.objects.count() == 0


def test_an_id_already_on_the_registry_is_refused(alice: User, org: Any, make_person: Callable) -> None:
    someone = make_person("钱阿姨", dwelling=org.yuyuan_dwellings[0])  # registered elsewhere, out of alice's area
    rows = good_rows()
    rows[1][1] = someone.id_number
    rows[1][2] = ""

    result = import_people(actor=alice, file=xlsx(rows), filename="dup.xlsx")

    assert [(e.row, e.column) for e in result.errors] == [(3, "证件号码")]
    assert "already registered" in result.errors[0].message
    assert Person.objects.count() == 1


def test_a_missing_required_column_is_one_clear_error(alice: User, org: Any) -> None:
    headers = [h for h in HEADERS if h != "居住类型"]
    rows = [[cell for i, cell in enumerate(row) if HEADERS[i] != "居住类型"] for row in good_rows()]

    result = import_people(actor=alice, file=xlsx(rows, headers), filename="short.xlsx")

    [error] = result.errors
    assert error.column == "居住类型" and "居住类型" in error.message and "missing" in error.message
    assert Person.objects.count() == 0


@pytest.mark.parametrize("data", [
    bytes(range(128, 256)) * 4,
    csv_text(good_rows()).encode("utf-16-le"),
])
def test_a_csv_in_an_unreadable_encoding_is_a_clear_error(alice: User, org: Any, data: bytes) -> None:
    result = import_people(actor=alice, file=data, filename="people.csv")

    [error] = result.errors
    assert error.row is None and "encoding" in error.message and "CSV UTF-8" in error.message
    assert Person.objects.count() == 0


def test_decoding_prefers_utf8_and_falls_back_to_gb18030() -> None:
    assert decode_text("姓名".encode()) == "姓名"
    assert decode_text("\ufeff姓名".encode()) == "姓名"
    assert decode_text("姓名,楼号".encode("gbk")) == "姓名,楼号"


def test_an_address_outside_the_importers_area_is_refused(alice: User, org: Any) -> None:
    rows = good_rows()
    rows[2][5] = "愚园新村"  # bob's compound, not alice's

    result = import_people(actor=alice, file=xlsx(rows), filename="yuyuan.xlsx")

    assert [(e.row, e.column, e.value) for e in result.errors] == [(4, "小区", "愚园新村")]
    assert Person.objects.count() == 0


def test_an_unknown_room_is_reported_on_the_room_column(alice: User, org: Any) -> None:
    rows = good_rows()
    rows[0][7] = "909"

    result = import_people(actor=alice, file=xlsx(rows), filename="room.xlsx")

    assert [(e.row, e.column) for e in result.errors] == [(2, "室号")]


def test_only_staff_who_may_import_can(org: Any, make_staff: Callable) -> None:
    clerk = make_staff("clerk", neighborhood=org.huashan)

    with pytest.raises(NotFound):
        import_people(actor=clerk, file=xlsx(good_rows()), filename="x.xlsx")


def upload_and_run(client: Any, data: bytes, *, name: str = "华山.xlsx", **form: Any) -> Any:
    """Post the file as the clerk does, let the worker run the task, and open the task page she is sent to."""
    response = client.post(reverse("population:import"), {"file": SimpleUploadedFile(name, data), **form})
    assert response.status_code == 302
    task = run_next_task()
    assert task is not None and task.status in ("succeeded", "failed")
    assert response["Location"] == reverse("core:task", args=[task.pk])
    return client.get(response["Location"])


def test_the_import_page_shows_alice_every_error_and_writes_nothing(client: Any, alice: User, org: Any) -> None:
    rows = good_rows()
    bad = ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1")
    rows[0][1] = bad
    rows[2][5] = "愚园新村"

    response = upload_and_run(login(client, alice), xlsx(rows))

    assert response.status_code == 200
    page = response.content.decode()
    assert "import-errors" in page and "愚园新村" in page and "小区" in page
    assert bad not in page and bad[:6] + "*" * 12 in page
    assert Person.objects.count() == 0


@pytest.mark.parametrize(("hostile", "message"), [
    (lambda rows: hostile_files.huge_dimension([HEADERS, *rows]), "declares 1,048,576 rows × 16,384 columns"),
    (lambda rows: hostile_files.far_corner([HEADERS, *rows]), "reaches 1,048,576 rows × 16,384 columns"),
    (lambda rows: hostile_files.zip_bomb([HEADERS, *rows]), "packed suspiciously tightly"),
    (lambda rows: hostile_files.corrupt([HEADERS, *rows]), "not an Excel workbook"),
    (lambda rows: hostile_files.NOT_A_WORKBOOK, "not an Excel workbook"),
])
def test_a_hostile_workbook_is_reported_by_the_background_import_and_writes_nothing(
        client: Any, alice: User, org: Any, hostile: Callable, message: str, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = upload_and_run(login(client, alice), hostile(good_rows()))

    assert response.status_code == 200
    [error] = response.context["result"]["errors"]
    assert message in error["message"] and error["row"] is None
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    assert not AuditEntry.objects.filter(event=PEOPLE_IMPORTED).exists()


def test_the_import_page_imports_a_good_file_and_says_how_many(client: Any, alice: User, org: Any) -> None:
    response = upload_and_run(login(client, alice), xlsx(good_rows()))

    assert response.status_code == 200
    assert Person.objects.count() == 3
    assert response.context["result"]["created"] == 3 and 'id="import-result"' in response.content.decode()
    assert "华山.xlsx" in login(client, alice).get(reverse("population:import")).content.decode()


def test_only_checking_a_file_in_the_background_writes_nothing(client: Any, alice: User, org: Any) -> None:
    with translation.override("en"):
        response = upload_and_run(login(client, alice), xlsx(good_rows()), check_only="on")

    assert Person.objects.count() == 0
    assert response.context["result"]["ok"] and response.context["result"]["rows"] == 3


def test_the_uploaded_file_is_kept_encrypted_and_dropped_once_imported(client: Any, alice: User, org: Any) -> None:
    login(client, alice).post(reverse("population:import"), {"file": SimpleUploadedFile("华山.xlsx",
                                                                                         csv_text(good_rows()).encode())})
    task = Task.objects.get()
    assert task.payload is not None and ID_1.encode() not in bytes(task.payload)

    run_next_task()

    task.refresh_from_db()
    assert task.payload is None and task.status == "succeeded"


def test_another_user_cannot_see_alices_import_task(client: Any, alice: User, bob: User, org: Any) -> None:
    login(client, alice).post(reverse("population:import"), {"file": SimpleUploadedFile("华山.xlsx",
                                                                                         xlsx(good_rows()))})
    task = Task.objects.get()

    login(client, bob)
    assert client.get(reverse("core:task", args=[task.pk])).status_code == 404
    assert client.get(reverse("core:task_status", args=[task.pk])).status_code == 404


def test_the_import_page_and_template_are_not_for_anonymous_visitors_or_clerks(
    client: Any, org: Any, make_staff: Callable
) -> None:
    assert client.get(reverse("population:import")).status_code == 302
    login(client, make_staff("clerk", neighborhood=org.huashan))
    assert client.get(reverse("population:import")).status_code == 404
    assert client.get(reverse("population:import_template")).status_code == 404


def test_the_template_workbook_has_the_import_headers(client: Any, alice: User) -> None:
    response = login(client, alice).get(reverse("population:import_template"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    headers = [cell.value for cell in next(sheet.iter_rows())]
    assert headers[:3] == ["姓名", "证件类型", "证件号码"]


def test_the_commands_import_and_export_with_ids_and_phones_masked(alice: User, org: Any, tmp_path: Path) -> None:
    source = tmp_path / "华山.xlsx"
    source.write_bytes(xlsx(good_rows()))
    call_command("import_people", str(source), "--as", "alice", stdout=io.StringIO())
    target = tmp_path / "export.xlsx"

    call_command("export_people", str(target), "--as", "alice", stdout=io.StringIO())

    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "证件类型", "证件号码")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"张建国", "李桂芬", "王强"}
    zhang = by_name["张建国"]
    assert zhang[2] == ID_1[:6] + "*" * 12 and zhang[4] == ID_1[6:10]  # the year of birth, not the date
    assert zhang[5] == "138****1111"
    assert zhang[6] == "户籍" and zhang[7] == "华山小区" and zhang[12] == "独居老人、党员"
    text = str(rows)
    assert ID_1 not in text and "13800001111" not in text
    exported = AuditEntry.objects.get(event="core.personal_data_exported")
    assert exported.actor == alice and exported.after["rows"] == 3


def test_the_import_command_reports_bad_rows_and_fails(alice: User, org: Any, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    rows = good_rows()
    rows[2][5] = "愚园新村"
    source = tmp_path / "bad.csv"
    source.write_bytes(csv_text(rows).encode("gb18030"))
    errors = io.StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_people", str(source), "--as", "alice", stderr=errors)

    assert "row 4\t小区" in errors.getvalue()
    assert Person.objects.count() == 0


def test_the_cli_accepts_dashed_command_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from shequ import cli

    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    cli.main(["import-people", "x.xlsx", "--as", "alice"])

    assert seen == [["shequ", "import_people", "x.xlsx", "--as", "alice"]]


def test_checking_only_reports_a_good_file_and_writes_nothing(alice: User, org: Any) -> None:
    result = import_people(actor=alice, file=xlsx(good_rows()), filename="华山.xlsx", dry_run=True)

    assert result.ok and result.rows == 3 and result.created == 0
    assert Person.objects.count() == 0 and not AuditEntry.objects.filter(event=PEOPLE_IMPORTED).exists()
