import datetime as dt

import pytest
from django.utils import translation

from shequ.core import idnumbers


def test_a_published_example_number_is_valid_and_yields_birth_date_and_sex():
    parsed = idnumbers.parse("11010519491231002X")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.division_code == "110105"


def test_a_lower_case_x_and_full_width_digits_from_a_phone_keyboard_are_accepted():
    assert idnumbers.parse("１１０１０５１９４９１２３１００２ｘ").value == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("11010519491231002", "18 characters"),
        ("110105194912310021", "check character"),
        ("110105194913310029", "not a date"),
        ("11010519491231A02X", "17 digits"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason_a_clerk_can_act_on(raw, why):
    with translation.override("en"), pytest.raises(idnumbers.InvalidIdNumber) as caught:
        idnumbers.parse(raw)
    assert why in str(caught.value)


def test_made_numbers_are_valid_and_carry_the_requested_sex():
    for sequence in range(0, 40):
        for sex in ("M", "F"):
            number = idnumbers.make("310105", dt.date(1988, 2, 29), sequence, sex)
            assert idnumbers.parse(number).sex == sex


def test_the_reason_is_given_in_chinese_by_default():
    with pytest.raises(idnumbers.InvalidIdNumber) as caught:
        idnumbers.parse("110105194912310021")
    assert "校验" in str(caught.value)
