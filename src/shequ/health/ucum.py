"""UCUM units of the readings the health diary keeps, and exact conversions into the unit each is stored in.

A reading from outside (a FHIR Observation) is a number and a unit; the diary stores a bare number in one
unit per kind (``DiaryEntry``: mm[Hg], mmol/L, kg) and raises alerts on it. A number stored in the wrong unit
is a wrong clinical value: 154 [lb_av] read as 154 kg, or 1.1 g/L glucose read as 1.1 mmol/L, which is below
the hypoglycaemia threshold and pages a doctor for nothing. So every quantity is checked here: the unit must
be a UCUM code (``system`` http://unitsofmeasure.org) this table knows for the kind, and is converted by an
exact factor, or the reading is refused.

A small explicit table rather than a general UCUM library: the diary keeps four readings, each with two to
four units a device or clinic really sends, and every factor must be checked by a person against its
definition. A general parser (pint, ucumvert) would also accept units that are dimensionally right but
clinically wrong here (``mol/m3`` for glucose, ``[psi]`` for blood pressure) and, for glucose, cannot convert
between mass and substance concentration at all without the molar mass, which is the one factor that matters.

Definitions the factors come from:

- mass: [lb_av] = 0.45359237 kg exactly (international avoirdupois pound, UCUM and SI), g = 0.001 kg;
- pressure: UCUM defines m[Hg] = 133.3220 kPa, so mm[Hg] = 133.3220 Pa and 1 kPa = 1000/133.3220 mm[Hg]
  (7.500638…; the conventional 133.322387 Pa differs by 3 ppm, far below a millimetre at any pressure);
- glucose (C6H12O6): molar mass 180.156 g/mol (6 × 12.011 + 12 × 1.008 + 6 × 15.999), so 1 mmol/L is
  180.156 mg/L = 18.0156 mg/dL: mg/dL × 10/180.156, g/L × 1000/180.156, umol/L × 0.001.

UCUM codes are case-sensitive; ``L`` and ``l`` are both the litre, so both spellings are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from shequ.core.errors import Invalid

UCUM = "http://unitsofmeasure.org"
GLUCOSE_MOLAR_MASS = Decimal("180.156")  # g/mol
MM_HG_IN_PA = Decimal("133.3220")  # UCUM: m[Hg] = 133.3220 kPa
LB_AV_IN_KG = Decimal("0.45359237")


@dataclass(frozen=True)
class Measure:
    """One kind of reading: the UCUM unit it is stored in, its step, and each accepted unit's factor to it."""

    unit: str
    step: Decimal  # a converted value is rounded to this (a value sent in ``unit`` is kept as sent)
    factors: dict[str, Decimal]


def _litres(factors: dict[str, Decimal]) -> dict[str, Decimal]:
    both = dict(factors)
    for code, factor in factors.items():
        both[code.replace("/L", "/l").replace("dL", "dl")] = factor
    return both


PRESSURE = Measure("mm[Hg]", Decimal(1), {"mm[Hg]": Decimal(1), "kPa": Decimal(1000) / MM_HG_IN_PA})
GLUCOSE = Measure("mmol/L", Decimal("0.1"), _litres({
    "mmol/L": Decimal(1),
    "umol/L": Decimal("0.001"),
    "mg/dL": Decimal(10) / GLUCOSE_MOLAR_MASS,
    "g/L": Decimal(1000) / GLUCOSE_MOLAR_MASS,
}))
MASS = Measure("kg", Decimal("0.01"), {"kg": Decimal(1), "g": Decimal("0.001"), "[lb_av]": LB_AV_IN_KG})

# Diary fields and the measure each is kept in.
MEASURES: dict[str, Measure] = {"systolic": PRESSURE, "diastolic": PRESSURE, "glucose": GLUCOSE, "weight": MASS}
LARGEST = Decimal(10) ** 6  # no reading of any kind comes near this in any accepted unit


def to_stored(quantity: object, reading: str, where: str) -> Decimal:
    """The value of a FHIR Quantity in the unit ``reading`` is stored in; Invalid if it cannot be trusted.

    ``where`` is the FHIRPath of the quantity, so the error names the entry and element that is wrong.
    """
    measure = MEASURES[reading]
    if not isinstance(quantity, dict):
        raise Invalid(_("%(where)s needs a valueQuantity.") % {"where": where}, field=where)
    if quantity.get("comparator"):
        raise Invalid(_("%(where)s is a limit (%(comparator)s), not a measured value.")
                      % {"where": where, "comparator": quantity["comparator"]}, field=f"{where}.comparator")
    if quantity.get("system") != UCUM:
        raise Invalid(_("%(where)s must give its unit as a UCUM code (system %(system)s).")
                      % {"where": where, "system": UCUM}, field=f"{where}.system")
    code = str(quantity.get("code") or "")
    factor = measure.factors.get(code)
    if factor is None:
        raise Invalid(_("%(where)s: the unit “%(code)s” is not accepted here; send one of %(accepted)s.")
                      % {"where": where, "code": code or "?", "accepted": ", ".join(sorted(measure.factors))},
                      field=f"{where}.code")
    try:
        value = Decimal(str(quantity["value"]))
    except (KeyError, InvalidOperation) as exc:
        raise Invalid(_("%(where)s needs a value.") % {"where": where}, field=f"{where}.value") from exc
    if not value.is_finite() or abs(value) > LARGEST:
        raise Invalid(_("%(where)s: %(value)s is not a possible reading.")
                      % {"where": where, "value": quantity["value"]}, field=f"{where}.value")
    if code == measure.unit:
        return value
    return (value * factor).quantize(measure.step)
