"""Each threshold of Civil Code art. 278 from hand-made figures, with the edges on both sides."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from shequ.sites.tally import Count, Holding, Verdict, centi, electorate, judge, total


def verdict(*, of: Count, took_part: Count, yes: Count, special: bool = False) -> Verdict:
    return judge(electorate=of, participating=took_part, yes=yes, special=special)


def test_exactly_two_thirds_of_area_and_heads_taking_part_makes_the_vote_valid() -> None:
    result = verdict(of=Count(9, 900_00), took_part=Count(6, 600_00), yes=Count(6, 600_00))
    assert result.valid and result.passed


def test_one_hundredth_of_a_square_metre_under_two_thirds_of_area_makes_it_invalid() -> None:
    result = verdict(of=Count(9, 900_00), took_part=Count(9, 599_99), yes=Count(9, 599_99))
    assert not result.checks[0].met and result.checks[1].met
    assert not result.valid and not result.passed


def test_one_owner_under_two_thirds_of_heads_makes_it_invalid_whatever_the_area() -> None:
    result = verdict(of=Count(9, 900_00), took_part=Count(5, 900_00 - 1), yes=Count(5, 800_00))
    assert result.checks[0].met and not result.checks[1].met
    assert not result.valid


def test_exactly_half_of_the_participating_area_fails_a_simple_majority() -> None:
    result = verdict(of=Count(4, 400_00), took_part=Count(4, 400_00), yes=Count(3, 200_00))
    assert result.valid and result.checks[3].met and not result.checks[2].met
    assert not result.passed


def test_exactly_half_of_the_participating_heads_fails_a_simple_majority() -> None:
    result = verdict(of=Count(4, 400_00), took_part=Count(4, 400_00), yes=Count(2, 300_00))
    assert result.checks[2].met and not result.checks[3].met and not result.passed


def test_just_over_half_of_both_passes_a_simple_majority() -> None:
    result = verdict(of=Count(5, 400_00), took_part=Count(5, 400_00), yes=Count(3, 200_01))
    assert result.passed


def test_exactly_three_quarters_of_both_passes_a_special_item() -> None:
    result = verdict(of=Count(8, 800_00), took_part=Count(8, 800_00), yes=Count(6, 600_00), special=True)
    assert result.passed
    assert result.checks[2].threshold == Fraction(3, 4) and not result.checks[2].strict


def test_just_under_three_quarters_of_the_area_fails_a_special_item_that_a_simple_majority_would_pass() -> None:
    figures = {"of": Count(8, 800_00), "took_part": Count(8, 800_00), "yes": Count(6, 599_99)}
    assert not verdict(**figures, special=True).passed
    assert verdict(**figures, special=False).passed


def test_abstentions_take_part_but_do_not_count_as_yes() -> None:
    # 6 of 9 take part (valid); 3 for, 3 abstain: exactly half of the participants, so it fails.
    result = verdict(of=Count(9, 900_00), took_part=Count(6, 600_00), yes=Count(3, 300_00))
    assert result.valid and not result.passed


def test_an_owner_of_three_units_counts_once_by_head_with_all_her_area() -> None:
    owners = electorate([Holding("wang", 80_00), Holding("wang", 90_50), Holding("wang", 60_00),
                         Holding("li", 100_00)])
    assert owners["wang"] == Count(1, 230_50)
    assert total(owners.values()) == Count(2, 330_50)


def test_the_developers_ten_unsold_units_are_one_owner() -> None:
    owners = electorate([Holding("developer", 70_00) for _ in range(10)] + [Holding("li", 100_00)])
    assert owners["developer"] == Count(1, 700_00)
    assert total(owners.values()).heads == 2


def test_nobody_taking_part_is_neither_valid_nor_passed_and_no_division_by_zero() -> None:
    result = verdict(of=Count(3, 300_00), took_part=Count(), yes=Count())
    assert not result.valid and not result.passed
    assert result.checks[2].share is None


def test_areas_are_exact_hundredths_never_floats() -> None:
    assert centi(Decimal("88.15")) == 8815
    with pytest.raises(ValueError):
        centi(Decimal("88.155"))


def test_inconsistent_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        verdict(of=Count(3, 300_00), took_part=Count(2, 200_00), yes=Count(3, 100_00))
