"""Counting an owners' vote under Civil Code art. 278, in exact integers (pure: no database, no clock).

Who counts (the Supreme People's Court's interpretation on building division ownership, arts. 8-9):

- area: the registered area of each owner's units (here in hundredths of a square metre, an integer);
- heads: one per owner, however many units she holds; all the developer's unsold units together are one owner.

Thresholds ("以上" includes the figure itself, "过半数" is more than half):

- the vote is **valid** when owners holding at least 2/3 of the area AND at least 2/3 of the owners take part;
- a matter **passes** with more than 1/2 of the participating area AND of the participating owners, or, for items
  6-8 (raise maintenance funds, rebuild, change the use of common parts), at least 3/4 of both.

An abstention is participation: it counts towards validity and in the denominator of the majority, never as a yes
(so abstaining weighs like voting against). Every comparison is cross-multiplied integers; no float is involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

QUORUM = Fraction(2, 3)
SIMPLE = Fraction(1, 2)
SPECIAL = Fraction(3, 4)


def centi(area: Decimal | int | str) -> int:
    """An area in m² (Decimal with at most two places) as an integer of 0.01 m²; refuses finer fractions."""
    value = Decimal(area) * 100
    if value != value.to_integral_value():
        raise ValueError(f"area {area} has more than two decimal places")
    return int(value)


@dataclass(frozen=True)
class Count:
    heads: int = 0
    area: int = 0  # 0.01 m²

    def __add__(self, other: Count) -> Count:
        return Count(self.heads + other.heads, self.area + other.area)


@dataclass(frozen=True)
class Holding:
    """One unit on the roll: whose (the owner key) and its registered area in 0.01 m²."""

    owner_key: str
    area: int


def electorate(holdings: Iterable[Holding]) -> dict[str, Count]:
    """Owners by head: the units of one owner key together (the developer has one key for all unsold units)."""
    owners: dict[str, Count] = {}
    for holding in holdings:
        if holding.area <= 0:
            raise ValueError("a unit's area must be positive")
        owners[holding.owner_key] = owners.get(holding.owner_key, Count()) + Count(0, holding.area)
    return {key: Count(1, count.area) for key, count in owners.items()}


def total(counts: Iterable[Count]) -> Count:
    result = Count()
    for count in counts:
        result += count
    return result


@dataclass(frozen=True)
class Check:
    """One of the four figures against its threshold: ``part / whole`` must reach ``threshold`` (exceed if strict)."""

    key: str  # quorum_area, quorum_heads, majority_area, majority_heads
    part: int
    whole: int
    threshold: Fraction
    strict: bool

    @property
    def met(self) -> bool:
        if self.whole <= 0:
            return False
        left, right = self.part * self.threshold.denominator, self.whole * self.threshold.numerator
        return left > right if self.strict else left >= right

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.part, self.whole) if self.whole > 0 else None


@dataclass(frozen=True)
class Verdict:
    electorate: Count
    participating: Count
    yes: Count
    special: bool
    checks: tuple[Check, Check, Check, Check]

    @property
    def valid(self) -> bool:
        return self.checks[0].met and self.checks[1].met

    @property
    def passed(self) -> bool:
        return self.valid and self.checks[2].met and self.checks[3].met


def judge(*, electorate: Count, participating: Count, yes: Count, special: bool) -> Verdict:
    """The four figures of a vote against the thresholds of art. 278, and whether it is valid and passed."""
    if not (0 <= yes.heads <= participating.heads <= electorate.heads
            and 0 <= yes.area <= participating.area <= electorate.area):
        raise ValueError("inconsistent counts: yes ⊆ participating ⊆ electorate")
    majority, strict = (SPECIAL, False) if special else (SIMPLE, True)
    checks = (
        Check("quorum_area", participating.area, electorate.area, QUORUM, strict=False),
        Check("quorum_heads", participating.heads, electorate.heads, QUORUM, strict=False),
        Check("majority_area", yes.area, participating.area, majority, strict=strict),
        Check("majority_heads", yes.heads, participating.heads, majority, strict=strict),
    )
    return Verdict(electorate, participating, yes, special, checks)
