"""Pure dose calculations: a regimen card, a patient's weight and what-if options give the figures.

Every function takes and returns pint quantities. A weight may be a scalar quantity (one patient) or a
quantity wrapping a numpy array (a cohort): the same formulas serve both, so a cohort row always equals
the table row for the same patient.

Formulas (canonical units in brackets):

* uncapped rate [mg/h]: ``rate`` (fixed-rate); ``rate_per_kg x weight`` (weight-based-rate);
  ``total_dose / duration`` (fixed-total); ``total_dose_per_kg x weight / duration`` (weight-based-total)
* rate [mg/h] = min(uncapped rate, cap); the cap binds when the uncapped rate is above it
* total dose [mg] = rate x duration (the documented total, exactly, for total kinds when no cap binds)
* per-kg figures = figure / weight; course total [mg] = total dose x sessions
* pump rate [mL/h] = rate / concentration; volume [mL] = total dose / concentration
* drip rate [gtt/min] = pump rate x drop factor
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .errors import RegimenError
from .regimens import Card, documented_dose
from .units import Q_, Concentration, Quantity

__all__ = ["REFERENCE_PATIENT", "DoseFigures", "Patient", "Plan", "WhatIf", "calculate", "make_plan"]

#: Reference adult used when no weight is given, so that a new user sees the main job at once.
REFERENCE_WEIGHT = Q_(70.0, "kg")


class Patient(NamedTuple):
    """The patient a table is for: the weight, the text it was given as, and whether it is the default."""

    weight: Quantity
    given: str | None = None

    @property
    def is_reference(self) -> bool:
        return self.given is None


REFERENCE_PATIENT = Patient(REFERENCE_WEIGHT)


class WhatIf(NamedTuple):
    """Options that change a regimen from what its card documents (all optional)."""

    duration: Quantity | None = None
    concentration: Concentration | None = None
    drop_factor: Quantity | None = None
    sessions: int | None = None
    max_rate: Quantity | None = None
    no_cap: bool = False


class Plan(NamedTuple):
    """A card with the what-if options resolved: everything about a regimen except the patient."""

    card: Card
    duration: Quantity
    sessions: int
    cap: Quantity | None
    concentration: Concentration | None
    concentration_from_card: bool
    drop_factor: Quantity | None
    what_if: WhatIf = WhatIf()

    @property
    def duration_is_what_if(self) -> bool:
        return bool(self.duration.to("h").magnitude != self.card.duration.to("h").magnitude)

    @property
    def sessions_is_what_if(self) -> bool:
        return self.sessions != self.card.sessions


def make_plan(card: Card, what_if: WhatIf) -> Plan:
    """Resolve the what-if options against a card; refuse a duration below the card's minimum."""
    duration = card.duration if what_if.duration is None else what_if.duration
    minimum = card.minimum_duration
    if minimum is not None and duration < minimum:
        raise RegimenError(
            f"{_hours(duration)} is shorter than the minimum of {_hours(minimum)} for {card.id}; "
            f"give {_hours(minimum)} or more",
            field="--duration",
        )
    if what_if.no_cap:
        cap = None
    elif what_if.max_rate is not None:
        cap = what_if.max_rate
    else:
        cap = card.max_rate
    concentration = what_if.concentration
    from_card = False
    if concentration is None and card.preparation is not None:
        prep = card.preparation
        concentration = Concentration(prep.concentration, prep.amount, prep.volume)
        from_card = True
    return Plan(
        card=card,
        duration=duration.to("h"),
        sessions=card.sessions if what_if.sessions is None else what_if.sessions,
        cap=None if cap is None else cap.to("mg/h"),
        concentration=concentration,
        concentration_from_card=from_card,
        drop_factor=what_if.drop_factor,
        what_if=what_if,
    )


def _hours(q: Quantity) -> str:
    return f"{q.to('h').magnitude:g} h"


class DoseFigures(NamedTuple):
    """Every figure for one patient (scalar quantities) or a cohort (array quantities)."""

    plan: Plan
    weight: Quantity
    rate: Quantity
    uncapped_rate: Quantity
    cap_binds: Any  # bool, or a numpy bool array for a cohort
    rate_per_kg: Quantity
    duration: Quantity
    total_dose: Quantity
    planned_total_dose: Quantity
    total_dose_per_kg: Quantity
    course_total_dose: Quantity
    concentration: Quantity | None
    pump_rate: Quantity | None
    volume: Quantity | None
    drip_rate: Quantity | None

    @property
    def sessions(self) -> int:
        return self.plan.sessions


def _uncapped(plan: Plan, weight: Quantity) -> tuple[Quantity, Quantity]:
    """Uncapped rate (mg/h) and planned total per session (mg) for the card's kind."""
    card, duration = plan.card, plan.duration
    dose = documented_dose(card)
    ones = np.ones_like(weight.magnitude, dtype=float)
    if card.kind == "fixed-rate":
        rate = dose * ones
        return rate.to("mg/h"), (rate * duration).to("mg")
    if card.kind == "weight-based-rate":
        rate = dose * weight
        return rate.to("mg/h"), (rate * duration).to("mg")
    total = dose * ones if card.kind == "fixed-total" else dose * weight
    return (total / duration).to("mg/h"), total.to("mg")


def calculate(plan: Plan, weight: Quantity) -> DoseFigures:
    """All figures for a patient weight (kg, scalar or array) under a resolved plan."""
    weight = weight.to("kg")
    uncapped, planned_total = _uncapped(plan, weight)
    binds: Any
    if plan.cap is None:
        rate, binds, total = uncapped, np.zeros_like(uncapped.magnitude, dtype=bool), planned_total
    else:
        binds = uncapped.magnitude > plan.cap.magnitude
        rate = Q_(np.where(binds, plan.cap.magnitude, uncapped.magnitude), "mg/h")
        total = Q_(np.where(binds, (plan.cap * plan.duration).to("mg").magnitude, planned_total.magnitude), "mg")
    if np.ndim(binds) == 0:  # one patient: plain Python scalars, not 0-d arrays
        binds = bool(binds)
        rate, total = Q_(float(rate.magnitude), "mg/h"), Q_(float(total.magnitude), "mg")
    concentration = pump_rate = volume = drip_rate = None
    if plan.concentration is not None:
        concentration = plan.concentration.value.to("mg/mL")
        pump_rate = (rate / concentration).to("mL/h")
        volume = (total / concentration).to("mL")
        if plan.drop_factor is not None:
            drip_rate = (pump_rate * plan.drop_factor).to("gtt/min")
    return DoseFigures(
        plan=plan,
        weight=weight,
        rate=rate,
        uncapped_rate=uncapped,
        cap_binds=binds,
        rate_per_kg=(rate / weight).to("mg/kg/h"),
        duration=plan.duration,
        total_dose=total,
        planned_total_dose=planned_total,
        total_dose_per_kg=(total / weight).to("mg/kg"),
        course_total_dose=(total * plan.sessions).to("mg"),
        concentration=concentration,
        pump_rate=pump_rate,
        volume=volume,
        drip_rate=drip_rate,
    )
