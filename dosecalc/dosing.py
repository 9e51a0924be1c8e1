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
    #: The weight in the unit it was typed in (154 lb), for the worked conversion step.
    as_typed: Quantity | None = None

    @property
    def is_reference(self) -> bool:
        return self.given is None

    @property
    def typed(self) -> Quantity:
        """The weight as typed (154 lb), or in kg when it was not typed."""
        return self.weight if self.as_typed is None else self.as_typed


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
            field="duration",
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
    steps: tuple[Step, ...] = ()

    @property
    def sessions(self) -> int:
        return self.plan.sessions

    @property
    def regimen(self) -> str:
        """The id of the regimen card."""
        return self.plan.card.id


class Step(NamedTuple):
    """One factor-label step of a calculation: operands joined by operators, giving a result.

    Recorded by the arithmetic that computes the figure (see :func:`calculate`), so a worked step
    can never disagree with the figure it explains.
    """

    figure: str  # the figure computed: "weight", "rate", "total_dose", ...
    terms: tuple[Quantity, ...]
    operators: tuple[str, ...]  # one fewer than terms: "x" or "/"
    result: Quantity
    comment: str = ""


Trace = list[Step] | None
RATE_KINDS = ("fixed-rate", "weight-based-rate")


def _mul(trace: Trace, figure: str, a: Quantity, b: Quantity, unit: str) -> Quantity:
    result: Quantity = (a * b).to(unit)
    if trace is not None:
        trace.append(Step(figure, (a, b), ("x",), result))
    return result


def _div(trace: Trace, figure: str, a: Quantity, b: Quantity, unit: str) -> Quantity:
    result: Quantity = (a / b).to(unit)
    if trace is not None:
        trace.append(Step(figure, (a, b), ("/",), result))
    return result


def _convert(trace: Trace, figure: str, q: Quantity, unit: str) -> Quantity:
    """``q`` in ``unit``; the step shows the conversion factor (154 lb x 0.45359237 kg/lb = 69.85 kg)."""
    result: Quantity = q.to(unit)
    if trace is not None and q.units != result.units:
        ratio = Q_(1.0, unit) / Q_(1.0, q.units)  # e.g. kg/lb, or h/min for gtt/h -> gtt/min
        factor = float(Q_(1.0, q.units).to(unit).magnitude)
        if factor >= 1 or (1 / factor) % 1:
            step = Step(figure, (q, Q_(factor, ratio.units)), ("x",), result)
        else:  # dividing by a whole number reads better: 244.5 gtt/h / 60 min/h
            step = Step(figure, (q, Q_(1 / factor, (1 / ratio).units)), ("/",), result)
        trace.append(step)
    return result


def _uncapped(plan: Plan, weight: Quantity, trace: Trace) -> tuple[Quantity, Quantity]:
    """Uncapped rate (mg/h) and planned total per session (mg) for the card's kind."""
    card, duration = plan.card, plan.duration
    dose = documented_dose(card)
    ones = np.ones_like(weight.magnitude, dtype=float)
    if card.kind == "fixed-rate":
        rate = (dose * ones).to("mg/h")
        if trace is not None:
            trace.append(Step("rate", (dose,), (), rate, "fixed rate: the same for every patient"))
        return rate, (rate * duration).to("mg")
    if card.kind == "weight-based-rate":
        rate = _mul(trace, "rate", dose, weight, "mg/h")
        return rate, (rate * duration).to("mg")
    if card.kind == "fixed-total":
        total = (dose * ones).to("mg")
        if trace is not None:
            trace.append(Step("planned_total", (dose,), (), total, "a fixed total for every patient"))
    else:
        total = _mul(trace, "planned_total", dose, weight, "mg")
    return _div(trace, "rate", total, duration, "mg/h"), total


def calculate(plan: Plan, weight: Quantity, explain: bool = False) -> DoseFigures:
    """All figures for a patient weight (any mass unit; scalar or array) under a resolved plan.

    With ``explain`` (one patient), each step of the arithmetic is recorded as it is done, in
    ``figures.steps``: the worked steps of ``explain`` and of exercise answer keys.
    """
    trace: Trace = [] if explain else None
    weight = _convert(trace, "weight", weight, "kg")
    uncapped, planned_total = _uncapped(plan, weight, trace)
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
    if trace is not None:
        if plan.cap is not None:
            verdict = "the cap binds, so the rate is the cap" if binds else "the cap does not bind"
            trace.append(Step("cap", (uncapped, plan.cap), (">" if binds else "<=",), rate, verdict))
        if plan.card.kind in RATE_KINDS or binds:
            total = _mul(trace, "total_dose", rate, plan.duration, "mg")  # the same value, now as a step
        else:
            trace.append(Step("total_dose", (total,), (), total, "the planned total, spread evenly"))
    concentration = pump_rate = volume = drip_rate = None
    if plan.concentration is not None:
        conc = plan.concentration
        if trace is not None and conc.amount is not None and conc.volume is not None:
            concentration = _div(trace, "concentration", conc.amount, conc.volume, "mg/mL")
        else:
            concentration = conc.value.to("mg/mL")
        pump_rate = _div(trace, "pump_rate", rate, concentration, "mL/h")
        volume = _div(trace, "volume", total, concentration, "mL")
        if plan.drop_factor is not None:
            drops = _mul(trace, "drip_rate", pump_rate, plan.drop_factor, "gtt/h")
            drip_rate = _convert(trace, "drip_rate", drops, "gtt/min")
    figures = DoseFigures(
        plan=plan,
        weight=weight,
        rate=rate,
        uncapped_rate=uncapped,
        cap_binds=binds,
        rate_per_kg=_div(trace, "rate_per_kg", rate, weight, "mg/kg/h"),
        duration=plan.duration,
        total_dose=total,
        planned_total_dose=planned_total,
        total_dose_per_kg=_div(trace, "total_dose_per_kg", total, weight, "mg/kg"),
        course_total_dose=_mul(trace, "course_total_dose", total, Q_(float(plan.sessions), ""), "mg"),
        concentration=concentration,
        pump_rate=pump_rate,
        volume=volume,
        drip_rate=drip_rate,
    )
    return figures if trace is None else figures._replace(steps=tuple(trace))
