"""Importing the owners' roll: all or nothing with row numbers, history kept, limits, scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from shequ.core.errors import Invalid, NotFound
from shequ.core.models import AuditEntry, User
from shequ.population.models import Person
from shequ.sites.actions import roll as actions
from shequ.sites.models import Ownership
from tests.conftest import Org
from tests.sites.conftest import ZHANG_ID, roll_rows, xlsx


def test_the_roll_is_imported_with_the_registry_person_linked_by_id_number(
        roll: dict[str, int], resident: User, org: Org) -> None:
    assert roll == {"rows": 8, "added": 8, "ended": 0, "kept": 0}
    mine = Ownership.objects.get(dwelling=org.huashan_dwellings[0])
    assert mine.person == Person.objects.get(user=resident) and mine.area == Decimal("80.00")
    assert Ownership.objects.filter(is_developer=True, id_number_index="").count() == 4
    assert AuditEntry.objects.filter(event=actions.ROLL_IMPORTED).count() == 1


def test_one_bad_row_rejects_the_whole_file_naming_the_row(
        property_company: User, resident: User, org: Org) -> None:
    rows = roll_rows(Person.objects.get(user=resident).id_number)
    rows[2][3] = "310105196204020312"  # wrong check digit: spreadsheet row 4 (after the header)
    rows[5][4] = "-3"  # row 7
    with pytest.raises(Invalid) as caught:
        actions.import_roll(actor=property_company, compound=org.huashan_compound, data=xlsx(rows),
                            filename="roll.xlsx", as_of=dt.date(2026, 1, 1))
    assert [number for number, _ in caught.value.details] == [4, 7]
    assert "310105196204020312" not in str(caught.value.details)  # the ID number is masked in the report
    assert not Ownership.objects.exists()


def test_an_unknown_dwelling_and_a_dwelling_twice_are_row_errors(property_company: User, org: Org) -> None:
    rows = [["1号", "101", "张建国", ZHANG_ID, 80, ""], ["1号", "101", "张建国", ZHANG_ID, 80, ""],
            ["9号", "999", "张建国", ZHANG_ID, 80, ""]]
    with pytest.raises(Invalid) as caught:
        actions.import_roll(actor=property_company, compound=org.huashan_compound, data=xlsx(rows),
                            filename="roll.xlsx")
    assert [number for number, _ in caught.value.details] == [3, 4]


def test_a_new_roll_ends_the_changed_ownerships_and_keeps_their_history(
        roll: dict[str, int], property_company: User, resident: User, org: Org) -> None:
    rows = roll_rows(Person.objects.get(user=resident).id_number)
    rows[4] = ["2号", "101", "张建国", ZHANG_ID, 70, ""]  # the developer sold 2号101 to 张建国
    rows.pop()  # 2号202 is missing from the new file
    result = actions.import_roll(actor=property_company, compound=org.huashan_compound, data=xlsx(rows),
                                 filename="roll-2.xlsx", as_of=dt.date(2026, 2, 1))
    assert result == {"rows": 7, "added": 1, "ended": 2, "kept": 6}
    sold = org.huashan_dwellings[4]
    assert Ownership.objects.filter(dwelling=sold).on(dt.date(2026, 1, 15)).get().is_developer
    assert Ownership.objects.filter(dwelling=sold).on(dt.date(2026, 2, 1)).get().owner_name == "张建国"
    assert not Ownership.objects.filter(dwelling=org.huashan_dwellings[7]).on(dt.date(2026, 2, 1)).exists()


def test_a_file_missing_a_column_is_refused_whole(property_company: User, org: Org) -> None:
    with pytest.raises(Invalid):
        actions.import_roll(actor=property_company, compound=org.huashan_compound,
                            data=xlsx([["1号", "101", "x"]], headers=["楼号", "室号", "业主"]), filename="r.xlsx")


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(property_company: User, org: Org) -> None:
    with pytest.raises(Invalid):
        actions.import_roll(actor=property_company, compound=org.huashan_compound,
                            data=b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024), filename="big.xlsx")


def test_another_compounds_property_company_and_a_committee_worker_may_not_import(
        make_staff: Callable[..., User], alice: User, org: Org) -> None:
    other = make_staff("property", "yuyuan-property", compound=org.yuyuan_compound)
    for actor in (other, alice):
        with pytest.raises(NotFound):
            actions.import_roll(actor=actor, compound=org.huashan_compound,
                                data=xlsx([["1号", "101", "张建国", ZHANG_ID, 80, ""]]), filename="r.xlsx")
