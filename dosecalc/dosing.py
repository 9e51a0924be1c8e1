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

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

import numpy as np

from .errors import RegimenError
from .regimens import BolusPhase, Card, InfusionPhase, PhasedCard, TitrationPhase, documented_dose
from .units import (
    Q_,
    Concentration,
    Quantity,
    attach,
    magnitude_in,
    product,
    quantity,
    quotient,
    reduced_product,
    summed,
    to,
    units_of,
)

if TYPE_CHECKING:
    from .drugs import Drug, Limit

__all__ = ["REFERENCE_PATIENT", "DoseFigures", "Patient", "Plan", "WhatIf", "calculate", "make_plan"]

#: Reference adult used when no weight is given, so that a new user sees the main job at once.
REFERENCE_WEIGHT = Q_(70.0, "kg")
T = TypeVar("T")


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
    #: The card's drug file (its model cards and limits), when the card names a drug dosecalc has a file for.
    drug: Drug | None = None

    @property
    def duration_is_what_if(self) -> bool:
        return bool(magnitude_in(self.duration, "h") != magnitude_in(self.card.duration, "h"))

    @property
    def sessions_is_what_if(self) -> bool:
        return self.sessions != self.card.sessions


def find_drug(card: Card, drugs: Mapping[str, Drug] | None = None) -> Drug | None:
    """The drug file of the card's drug: a teacher's (``drugs``) or a built-in one; None when it names none."""
    if card.drug is None:
        return None
    from .drugs import builtin_drugs, drug_key

    key = drug_key(card.drug)
    return (drugs or {}).get(key) or builtin_drugs().get(key)


def make_plan(card: Card, what_if: WhatIf, drugs: Mapping[str, Drug] | None = None) -> Plan:
    """Resolve the what-if options against a card; refuse a duration below the card's minimum, or one too short
    for a phased card's phases. ``drugs`` are a teacher's drug files, besides the built-in ones.

    The same card, drug files and what-if values (each magnitude and unit the same) give the same plan object,
    kept from an earlier call: what is worked out once per plan (:class:`PlanCache`) then serves them all."""
    return _kept_plan(card, what_if, drugs, _what_if_key(what_if))


def make_plans(cards: Iterable[Card], what_if: WhatIf, drugs: Mapping[str, Drug] | None = None) -> list[Plan]:
    """:func:`make_plan` for each card, with the what-if's part of the key worked out once for them all."""
    what_if_key = _what_if_key(what_if)
    return [_kept_plan(card, what_if, drugs, what_if_key) for card in cards]


def _kept_plan(
    card: Card, what_if: WhatIf, drugs: Mapping[str, Drug] | None, what_if_key: tuple[Any, ...] | None
) -> Plan:
    """The plan kept for the card, drug files and what-if (:func:`_what_if_key`), made and kept if there is none;
    made afresh when the what-if cannot be keyed."""
    if what_if_key is None:
        return _make_plan(card, what_if, drugs)
    key = (id(card), id(drugs), *what_if_key)
    entry = _PLANS.get(key)
    if entry is not None and entry[0] is card and entry[1] is drugs:
        return entry[2]
    plan = _make_plan(card, what_if, drugs)
    if len(_PLANS) >= _PLANS_KEPT:
        _PLANS.clear()
    _PLANS[key] = (card, drugs, plan)
    return plan


#: Plans made, by the ids of card and drug files and :func:`_what_if_key`, with the card and drug files they were
#: made from (held, so that the ids in the key cannot be reused while the entry is here).
_PLANS: dict[tuple[Any, ...], tuple[Card, Mapping[str, Drug] | None, Plan]] = {}
_PLANS_KEPT = 512


def _value_key(q: Any) -> Any:
    """A what-if value as a key: its magnitude's type, the magnitude and the units; False for one that has none
    to key on (an array)."""
    if q is None:
        return None
    magnitude = getattr(q, "_magnitude", q)
    if type(magnitude) not in (float, int):
        return False
    return (type(magnitude), magnitude, getattr(q, "_units", None))


def _what_if_key(what_if: WhatIf) -> tuple[Any, ...] | None:
    """What a plan depends on besides its card and drug files, as a key; None when a value cannot be keyed (then
    the plan is made afresh)."""
    conc = what_if.concentration
    values = (
        what_if.duration,
        what_if.drop_factor,
        what_if.max_rate,
        what_if.sessions,
        *((None, None, None) if conc is None else (conc.value, conc.amount, conc.volume)),
    )
    keys = tuple(_value_key(value) for value in values)
    if any(key is False for key in keys):
        return None
    return (conc is None, bool(what_if.no_cap), type(what_if.no_cap), *keys)


def _make_plan(card: Card, what_if: WhatIf, drugs: Mapping[str, Drug] | None = None) -> Plan:
    duration = card.duration if what_if.duration is None else what_if.duration
    if isinstance(card, PhasedCard) and what_if.duration is not None:
        fixed = sum(float(magnitude_in(p.length, "h")) for p in card.phases if p.length is not None)
        if float(magnitude_in(duration, "h")) < fixed * (1 - 1e-12):
            raise RegimenError(
                f"{_hours(duration)} is shorter than the {fixed:g} h the phases of {card.id} take; "
                f"give {fixed:g} h or more",
                field="duration",
            )
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
        duration=to(duration, "h"),
        sessions=card.sessions if what_if.sessions is None else what_if.sessions,
        cap=None if cap is None else to(cap, "mg/h"),
        concentration=concentration,
        concentration_from_card=from_card,
        drop_factor=what_if.drop_factor,
        what_if=what_if,
        drug=find_drug(card, drugs),
    )


def _hours(q: Quantity) -> str:
    return f"{magnitude_in(q, 'h'):g} h"


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
    #: A phased card's phases, in order (empty for a single-phase card).
    phases: tuple[PhaseFigures, ...] = ()
    #: The drug's limits this patient's figures cross, with the figure that crosses each (one patient only).
    crossings: tuple[Crossing, ...] = ()
    #: Whether the patient is outside the population the card's sources studied (one patient only).
    outside_population: bool = False

    @property
    def sessions(self) -> int:
        return self.plan.sessions

    @property
    def regimen(self) -> str:
        """The id of the regimen card."""
        return self.plan.card.id

    def __repr__(self) -> str:
        """The regimen and the main figures in their canonical units, at six significant figures (the whole
        tuple, plan and card included, ran to thousands of characters)."""
        figures = [f"regimen={self.regimen!r}", f"weight={_shown(self.weight, 'kg')}"]
        rate = _shown(self.rate, "mg/h")
        figures.append(f"rate={rate} (capped)" if np.all(self.cap_binds) else f"rate={rate}")
        figures += [f"duration={_shown(self.duration, 'h')}", f"total_dose={_shown(self.total_dose, 'mg')}"]
        sessions = f"{self.sessions} session{'' if self.sessions == 1 else 's'}"
        figures.append(f"course_total_dose={_shown(self.course_total_dose, 'mg')} ({sessions})")
        for key, unit in (("pump_rate", "mL/h"), ("volume", "mL"), ("drip_rate", "gtt/min")):
            value = getattr(self, key)
            if value is not None:
                figures.append(f"{key}={_shown(value, unit)}")
        return f"DoseFigures({', '.join(figures)})"


def _shown(q: Quantity, unit: str) -> str:
    """A figure for a repr: ``24.4486 mg/h``; for a cohort's array, its count and range."""
    values = np.asarray(q.to(unit).magnitude, dtype=float)
    if values.ndim == 0:
        return f"{float(values):.6g} {unit}"
    if values.size == 0:
        return f"[no values] {unit}"
    return f"[{values.size:,} values, {float(values.min()):.6g} to {float(values.max()):.6g}] {unit}"


class PhaseFigures(NamedTuple):
    """One phase of a phased regimen for a patient: when it runs, what it gives, and at what rate.

    ``pieces`` are its constant-rate stretches, (start h, end h, rate mg/h) from the start of the session; a
    bolus at once has none and gives its ``amount`` at ``start``."""

    number: int
    phase: Any  # BolusPhase | InfusionPhase | TitrationPhase
    start: Quantity
    end: Quantity
    amount: Quantity
    rate: Quantity | None  # the rate at the end of the phase (None for a bolus at once)
    pieces: tuple[tuple[float, float, Quantity], ...]

    @property
    def kind(self) -> str:
        return str(self.phase.type)

    @property
    def at_once(self) -> bool:
        return not self.pieces


class Crossing(NamedTuple):
    """A drug limit crossed: the limit, the figure that crosses it, and the phase (None: the whole regimen)."""

    limit: Limit
    value: Quantity
    phase: int | None = None


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
    result = product(a, b, unit)
    if trace is not None:
        trace.append(Step(figure, (a, b), ("x",), result))
    return result


def _div(trace: Trace, figure: str, a: Quantity, b: Quantity, unit: str) -> Quantity:
    result = quotient(a, b, unit)
    if trace is not None:
        trace.append(Step(figure, (a, b), ("/",), result))
    return result


def _convert(trace: Trace, figure: str, q: Quantity, unit: str) -> Quantity:
    """``q`` in ``unit``; the step shows the conversion factor (154 lb x 0.45359237 kg/lb = 69.85 kg)."""
    result = to(q, unit)
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
    if card.kind == "fixed-rate":
        rate = _for_every(dose, weight, "mg/h")
        if trace is not None:
            trace.append(Step("rate", (dose,), (), rate, "fixed rate: the same for every patient"))
        return rate, product(rate, duration, "mg")
    if card.kind == "weight-based-rate":
        rate = _mul(trace, "rate", dose, weight, "mg/h")
        return rate, product(rate, duration, "mg")
    if card.kind == "fixed-total":
        total = _for_every(dose, weight, "mg")
        if trace is not None:
            trace.append(Step("planned_total", (dose,), (), total, "a fixed total for every patient"))
    else:
        total = _mul(trace, "planned_total", dose, weight, "mg")
    return _div(trace, "rate", total, duration, "mg/h"), total


def calculate(plan: Plan, weight: Quantity, explain: bool = False) -> DoseFigures:
    """All figures for a patient weight (any mass unit; scalar or array) under a resolved plan.

    With ``explain`` (one patient), each step of the arithmetic is recorded as it is done, in
    ``figures.steps``: the worked steps of ``explain`` and of exercise answer keys.

    One patient without ``explain`` takes :func:`_one_patient`, the same arithmetic on floats with the plan's
    conversion factors worked out once; the figures are the same floats (a property test holds the two paths
    together).
    """
    if not explain and type(getattr(weight, "_magnitude", None)) in (float, int):
        return _one_patient(plan, weight)
    return _calculate_quantities(plan, weight, explain)


def _calculate_quantities(plan: Plan, weight: Quantity, explain: bool = False) -> DoseFigures:
    """:func:`calculate` on quantities throughout: for a cohort's arrays, for worked steps, and the reference the
    one-patient path is tested against."""
    trace: Trace = [] if explain else None
    weight = _convert(trace, "weight", weight, "kg")
    phases: tuple[PhaseFigures, ...] = ()
    binds: Any
    if isinstance(plan.card, PhasedCard):
        phases, rate, uncapped, total, planned_total, binds = _phased(plan, weight, trace)
    else:
        uncapped, planned_total = _uncapped(plan, weight, trace)
        if plan.cap is None:
            rate, binds, total = uncapped, np.zeros_like(uncapped.magnitude, dtype=bool), planned_total
        else:
            binds = uncapped.magnitude > plan.cap.magnitude
            rate = quantity(np.where(binds, plan.cap.magnitude, uncapped.magnitude), "mg/h")
            at_cap = product(plan.cap, plan.duration, "mg").magnitude
            total = quantity(np.where(binds, at_cap, planned_total.magnitude), "mg")
    if np.ndim(binds) == 0:  # one patient: plain Python scalars, not 0-d arrays
        binds = bool(binds)
        rate, total = quantity(float(rate.magnitude), "mg/h"), quantity(float(total.magnitude), "mg")
    if trace is not None and not phases:
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
            concentration = to(conc.value, "mg/mL")
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
        course_total_dose=_mul(trace, "course_total_dose", total, quantity(float(plan.sessions), ""), "mg"),
        concentration=concentration,
        pump_rate=pump_rate,
        volume=volume,
        drip_rate=drip_rate,
        phases=phases,
    )
    if np.ndim(weight.magnitude) == 0:  # limits and the population are checked for one patient
        figures = figures._replace(
            crossings=_crossings(figures), outside_population=outside_population(plan.card, weight)
        )
        _refuse_hard_limits(figures)
    return figures if trace is None else figures._replace(steps=tuple(trace))


class PlanCache(Generic[T]):
    """Values worked out once for each plan and reused while the plan is in use, found by the plan's identity
    (the plan is held beside its value, so that its id cannot be reused by another object while it is here).
    Bounded: emptied when full. Safe across threads: at worst a value is worked out twice."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._values: dict[int, tuple[Plan, T]] = {}

    def get(self, plan: Plan, build: Callable[[], T]) -> T:
        entry = self._values.get(id(plan))
        if entry is not None and entry[0] is plan:
            return entry[1]
        value = build()
        if len(self._values) >= self._size:
            self._values.clear()
        self._values[id(plan)] = (plan, value)
        return value


class _Factors(NamedTuple):
    """A plan's constants for :func:`_one_patient`: magnitudes as the quantity path holds them, and the factor of
    each step of that path, worked out by pint once per pair of units (through :func:`product`,
    :func:`quotient` and :func:`magnitude_in`, so that both paths multiply by the very same floats)."""

    phased: bool
    #: A phased card's phases for :func:`_phases_on_floats` (None: through :func:`_phased`, as with a cap or a
    #: titration): (phase, start h, stop h, magnitude, per kg, factor to mg or mg/h, factor over its time).
    phase_steps: tuple[tuple[Any, float, float, Any, bool, float, Any], ...] | None
    runs_to_end: bool
    dose: Any  # the documented dose's magnitude, in the card's own unit
    dose_factor: float  # dose -> mg/h (fixed rate) or mg (fixed total); dose x kg -> mg/h or mg (per kg)
    per_weight: bool
    rate_kind: bool
    duration: Any  # h
    spread: float  # rate kinds: mg/h x h -> mg; total kinds: mg / h -> mg/h
    cap: Any  # mg/h, or None
    at_cap: Any  # the cap x the duration, mg
    concentration: Quantity | None  # mg/mL
    pump: float  # mg/h / (mg/mL) -> mL/h
    volume: float  # mg / (mg/mL) -> mL
    drop: Any  # the drop factor's magnitude, or None
    drops: float  # mL/h x the drop factor -> gtt/h
    per_minute: float  # gtt/h -> gtt/min
    rate_per_kg: float  # mg/h / kg -> mg/kg/h
    total_per_kg: float  # mg / kg -> mg/kg
    sessions: float
    course: float  # mg x 1 -> mg
    #: The drug's limits on the rate (0) and the rate per kg (1), in :func:`_crossings`' order: (figure, limit,
    #: factor from mg/h or mg/kg/h to the limit's unit, the value it must be above); None: worked out per patient.
    limits: tuple[tuple[int, Limit, float, float], ...] | None
    lightest: float | None  # kg: the population's bounds (:func:`outside_population`)
    heaviest: float | None


_STEP_FACTORS: dict[tuple[Any, Any, Any, bool], float] = {}


def _step_factor(a: Any, b: Any, unit: Any, divide: bool = False) -> float:
    """The factor :func:`product` (or :func:`quotient`) multiplies by for pint units ``a`` by ``b`` in ``unit``:
    (1 x 1) x factor is the factor itself. ``b`` None: :func:`magnitude_in`'s factor from ``a`` to ``unit``."""
    key = (a, b, unit, divide)
    factor = _STEP_FACTORS.get(key)
    if factor is None:
        one = Q_(1.0, a)
        if b is None:
            factor = float(magnitude_in(one, unit))
        else:
            factor = float((quotient if divide else product)(one, Q_(1.0, b), unit).magnitude)
        _STEP_FACTORS[key] = factor
    return factor


_UNITS = {unit: units_of(unit) for unit in ("kg", "mg", "h", "mg/h", "mg/mL", "", "gtt/h", "mL/h")}
_KG, _MG, _HOUR, _MG_H, _MG_ML, _NO_UNIT, _GTT_H, _ML_H = _UNITS.values()
_MG_KG_H, _MG_KG, _ML, _GTT_MIN = (units_of(unit) for unit in ("mg/kg/h", "mg/kg", "mL", "gtt/min"))


def _work_out(plan: Plan) -> _Factors:
    """The constants of :func:`_one_patient` for ``plan``."""
    card = plan.card
    phased = isinstance(card, PhasedCard)
    rate_kind = card.kind in RATE_KINDS
    per_weight = card.kind in ("weight-based-rate", "weight-based-total")
    dose: Any = None
    dose_factor = spread = 1.0
    limits: tuple[tuple[int, Limit, float, float], ...] | None = None
    if not phased:
        documented = documented_dose(card)
        dose = documented._magnitude
        unit = "mg/h" if rate_kind else "mg"
        dose_factor = _step_factor(documented._units, _KG if per_weight else None, unit)
        hours = plan.duration._units  # h from make_plan; a plan made otherwise keeps the quantity path's units
        spread = _step_factor(_MG_H, hours, "mg") if rate_kind else _step_factor(_MG, hours, "mg/h", True)
        drug_limits = () if plan.drug is None else plan.drug.limits
        limits = tuple(
            (index, limit, _step_factor(units, None, limit.above._units), _above(limit))
            for index, (figure, units) in enumerate((("rate", _MG_H), ("rate_per_kg", _MG_KG_H)))
            for limit in drug_limits
            if limit.figure == figure
        )
    population = card.population
    low = high = None
    if population is not None:
        low = None if population.lightest is None else float(magnitude_in(population.lightest, "kg"))
        high = None if population.max_weight is None else float(magnitude_in(population.max_weight, "kg"))
    concentration = None if plan.concentration is None else to(plan.concentration.value, "mg/mL")
    drop = plan.drop_factor
    return _Factors(
        phased=phased,
        phase_steps=_phase_steps(plan) if phased else None,
        runs_to_end=phased and _runs_to_end(plan),
        dose=dose,
        dose_factor=dose_factor,
        per_weight=per_weight,
        rate_kind=rate_kind,
        duration=plan.duration._magnitude,
        spread=spread,
        cap=None if plan.cap is None else plan.cap._magnitude,
        at_cap=None if plan.cap is None else product(plan.cap, plan.duration, "mg")._magnitude,
        concentration=concentration,
        pump=_step_factor(_MG_H, _MG_ML, "mL/h", True),
        volume=_step_factor(_MG, _MG_ML, "mL", True),
        drop=None if drop is None else drop._magnitude,
        drops=1.0 if drop is None else _step_factor(_ML_H, drop._units, "gtt/h"),
        per_minute=_step_factor(_GTT_H, None, "gtt/min"),
        rate_per_kg=_step_factor(_MG_H, _KG, "mg/kg/h", True),
        total_per_kg=_step_factor(_MG, _KG, "mg/kg", True),
        sessions=float(plan.sessions),
        course=_step_factor(_MG, _NO_UNIT, "mg"),
        limits=limits,
        lightest=low,
        heaviest=high,
    )


def _phase_steps(plan: Plan) -> tuple[tuple[Any, float, float, Any, bool, float, Any], ...] | None:
    """The constants of each phase of a phased plan without a cap or a titration, as :func:`_phased` works them:
    its start and stop (h), its dose or rate magnitude, whether per kg, the factor to mg (bolus) or mg/h
    (infusion), and a bolus's time to run over (its magnitude and factor) or an infusion's factor from mg/h x h
    to mg."""
    card: PhasedCard = plan.card  # type: ignore[assignment]
    if plan.cap is not None or any(isinstance(phase, TitrationPhase) for phase in card.phases):
        return None
    end = float(magnitude_in(plan.duration, "h"))
    start = 0.0
    steps = []
    for phase in card.phases:
        length = phase.length
        stop = end if length is None else start + float(magnitude_in(length, "h"))
        over: Any
        if isinstance(phase, BolusPhase):
            fixed, per_kg, unit = phase.dose, phase.dose_per_kg, "mg"
            if phase.over is not None:  # the bolus's rate: its dose / its time, in mg/h
                over = (phase.over._magnitude, _step_factor(_MG, phase.over._units, "mg/h", True))
            else:
                over = None
        else:
            assert isinstance(phase, InfusionPhase)
            fixed, per_kg, unit = phase.rate, phase.rate_per_kg, "mg/h"
            over = _step_factor(_MG_H, _HOUR, "mg")  # its dose: its rate x its time
        value: Quantity = per_kg if fixed is None else fixed  # type: ignore[assignment]
        factor = _step_factor(value._units, _KG if fixed is None else None, unit)
        steps.append((phase, start, stop, value._magnitude, fixed is None, factor, over))
        start = stop
    return tuple(steps)


def _runs_to_end(plan: Plan) -> bool:
    """Whether a phased plan's last stretch at a rate ends with the session (as :func:`_phased` tells it)."""
    end = float(magnitude_in(plan.duration, "h"))
    steps = _phase_steps(plan) or ()
    last = [stop for phase, _, stop, *_rest in steps if not (isinstance(phase, BolusPhase) and phase.over is None)]
    return bool(last) and math.isclose(last[-1], end, rel_tol=1e-12, abs_tol=1e-12)


def _phases_on_floats(f: _Factors, kg: float, weight: Quantity) -> tuple[tuple[PhaseFigures, ...], Any, Any, Any, Any]:
    """:func:`_phased` for one patient, a plan without a cap or a titration: the same steps on floats."""
    assert f.phase_steps is not None
    zero = 0.0 * _ones(weight)
    out = []
    total: Any = None
    planned = zero * 1.0
    last_rate = None
    for number, (phase, start, stop, value, per_kg, factor, over) in enumerate(f.phase_steps, 1):
        figure = (value * kg) * factor if per_kg else value * factor
        rate = None
        pieces: tuple[tuple[float, float, Quantity], ...] = ()
        if isinstance(phase, BolusPhase):
            amount = figure
            if over is not None:
                rate = attach((amount / over[0]) * over[1], _MG_H)
                pieces = ((start, stop, rate),)
        else:
            rate = attach(figure, _MG_H)
            pieces = ((start, stop, rate),)
            amount = (figure * (stop - start)) * over
        if rate is not None:
            last_rate = rate
        out.append(
            PhaseFigures(number, phase, attach(start, _HOUR), attach(stop, _HOUR), attach(amount, _MG), rate, pieces)
        )
        total = amount * 1.0 if total is None else total + amount * 1.0
        planned = planned + amount * 1.0
    if f.runs_to_end and last_rate is not None:
        rate_at_end = attach(last_rate._magnitude * 1.0, _MG_H)
        uncapped_at_end = attach(last_rate._magnitude * 1.0, _MG_H)
    else:
        rate_at_end = uncapped_at_end = attach(zero, _MG_H)
    return tuple(out), rate_at_end, uncapped_at_end, attach(total, _MG), attach(planned, _MG)


def _above(limit: Limit) -> float:
    """The value a figure must be above to cross ``limit``, as :func:`dosecalc.drugs.crossed` compares it."""
    from .drugs import LIMIT_NOISE

    return float(limit.above.magnitude) * (1 + LIMIT_NOISE)


_PLAN_FACTORS: PlanCache[_Factors] = PlanCache()


def _one_patient(plan: Plan, weight: Quantity) -> DoseFigures:
    """:func:`calculate` for one patient without worked steps: each step of :func:`_calculate_quantities` done on
    floats, in the same order, with the same factors (:func:`_work_out`), units attached at the end."""
    f = _PLAN_FACTORS.get(plan, lambda: _work_out(plan))
    kg = magnitude_in(weight, "kg")
    weight = attach(kg, _KG)
    phases: tuple[PhaseFigures, ...] = ()
    if f.phase_steps is not None:
        phases, rate_q, uncapped_q, total_q, planned_q = _phases_on_floats(f, kg, weight)
        rate, total, binds = float(rate_q.magnitude), float(total_q.magnitude), False
    elif f.phased:
        phases, rate_q, uncapped_q, total_q, planned_q, binds_any = _phased(plan, weight, None)
        rate, total, binds = float(rate_q.magnitude), float(total_q.magnitude), bool(binds_any)
    else:
        base = (f.dose * kg) * f.dose_factor if f.per_weight else f.dose * f.dose_factor
        if f.rate_kind:
            uncapped, planned = base, (base * f.duration) * f.spread
        else:
            uncapped, planned = (base / f.duration) * f.spread, base
        if f.cap is None:
            rate, binds, total = uncapped, False, planned
        else:
            binds = bool(uncapped > f.cap)
            rate, total = (f.cap, f.at_cap) if binds else (uncapped, planned)
        rate, total = float(rate), float(total)
        uncapped_q, planned_q = attach(uncapped, _MG_H), attach(planned, _MG)
    pump_rate = volume = drip_rate = None
    if f.concentration is not None:
        conc = f.concentration._magnitude
        pump = (rate / conc) * f.pump
        pump_rate, volume = attach(pump, _ML_H), attach((total / conc) * f.volume, _ML)
        if f.drop is not None:
            drip_rate = attach(((pump * f.drop) * f.drops) * f.per_minute, _GTT_MIN)
    rate_q = attach(rate, _MG_H)
    per_kg = (rate / kg) * f.rate_per_kg
    rate_per_kg = attach(per_kg, _MG_KG_H)
    kg_shown = kg * 1.0  # outside_population's magnitude_in of a weight in kg
    figures = DoseFigures(
        plan,
        weight,
        rate_q,
        uncapped_q,
        binds,
        rate_per_kg,
        plan.duration,
        attach(total, _MG),
        planned_q,
        attach((total / kg) * f.total_per_kg, _MG_KG),
        attach((total * f.sessions) * f.course, _MG),
        f.concentration,
        pump_rate,
        volume,
        drip_rate,
        (),
        phases,
        (),
        (f.lightest is not None and kg_shown < f.lightest) or (f.heaviest is not None and kg_shown > f.heaviest),
    )
    if f.limits is None:
        crossings = _crossings(figures)
    else:
        values = (rate_q, rate_per_kg)
        crossings = tuple(
            Crossing(limit, values[index], None)
            for index, limit, factor, above in f.limits
            if float((rate, per_kg)[index] * factor) > above
        )
    if crossings:
        figures = figures._replace(crossings=crossings)
        _refuse_hard_limits(figures)
    return figures


def outside_population(card: Card, weight: Quantity) -> bool:
    """Whether a weight is outside the population a card's sources studied: lighter than its stated minimum (or,
    for adults with no stated range, than :data:`dosecalc.regimens.ADULT_LIGHTEST`) or heavier than its maximum.
    A weight on a boundary is inside."""
    population = card.population
    if population is None:
        return False
    kg = float(magnitude_in(weight, "kg"))
    low, high = population.lightest, population.max_weight
    return (low is not None and kg < float(magnitude_in(low, "kg"))) or (
        high is not None and kg > float(magnitude_in(high, "kg"))
    )


def limited_figures(figures: DoseFigures) -> list[tuple[str, Quantity, int | None]]:
    """The figures a drug's limits bound, as (figure, value, phase): the infusion rate (mg/h) and rate per kg
    (mg/kg/h) of a single-phase regimen or of each infusing phase (its highest stretch), and the dose (mg) and
    dose per kg (mg/kg) of each bolus. Scalar for one patient, arrays for a cohort."""
    weight = figures.weight
    if not figures.phases:
        return [("rate", figures.rate, None), ("rate_per_kg", figures.rate_per_kg, None)]
    found: list[tuple[str, Quantity, int | None]] = []
    for ph in figures.phases:
        if ph.kind == "bolus":
            found += [("dose", ph.amount, ph.number), ("dose_per_kg", quotient(ph.amount, weight, "mg/kg"), ph.number)]
        else:
            top = quantity(np.max([magnitude_in(piece[2], "mg/h") for piece in ph.pieces], axis=0), "mg/h")
            found += [("rate", top, ph.number), ("rate_per_kg", quotient(top, weight, "mg/kg/h"), ph.number)]
    return found


def _crossings(figures: DoseFigures) -> tuple[Crossing, ...]:
    """The drug limits crossed by one patient's figures (:func:`limited_figures`); a figure equal to a limit
    does not cross it."""
    from .drugs import crossed

    drug = figures.plan.drug
    if drug is None or not drug.limits:
        return ()
    return tuple(
        Crossing(limit, value, phase)
        for figure, value, phase in limited_figures(figures)
        for limit in crossed(drug.limits, figure, value)
    )


#: The unit each limited figure is written in, in a refusal.
LIMIT_UNITS = {"dose_per_kg": "mg/kg", "dose": "mg", "rate_per_kg": "mg/kg/h", "rate": "mg/h"}


def _refuse_hard_limits(figures: DoseFigures) -> None:
    """A hard limit crossed refuses the figures, naming the limit and its source."""
    hard = [c for c in figures.crossings if c.limit.level == "hard"]
    if not hard:
        return
    first = hard[0]
    limit, drug = first.limit, figures.plan.drug
    unit = LIMIT_UNITS[limit.figure]
    value = float(magnitude_in(first.value, unit))
    where = "" if first.phase is None else f" in phase {first.phase}"
    raise RegimenError(
        f"under {figures.regimen} the {limit.words}{where} is {value:.4g} {unit} for "
        f"{float(magnitude_in(figures.weight, 'kg')):g} kg, above the hard limit of "
        f"{float(magnitude_in(limit.above, unit)):g} {unit} for {drug.name if drug else 'this drug'} "
        f"({limit.source.citation}: {limit.source.says})",
        field="weight" if limit.figure.endswith("per_kg") else "regimen",
    )


def _ones(weight: Quantity) -> Any:
    return np.ones_like(weight.magnitude, dtype=float)


def _for_every(fixed: Quantity, weight: Quantity, unit: str) -> Quantity:
    """A figure the same for every patient, in ``unit``: one value for one patient, an array of the weights'
    shape for a cohort."""
    if np.ndim(weight.magnitude) == 0:
        return to(fixed, unit)
    return product(fixed, quantity(_ones(weight), ""), unit)


def _capped(rate: Quantity, cap: Quantity | None) -> tuple[Quantity, Any]:
    """``rate`` (mg/h) no higher than ``cap``, and where the cap binds."""
    if cap is None:
        return rate, np.zeros_like(rate.magnitude, dtype=bool)
    binds = rate.magnitude > cap.magnitude
    return quantity(np.where(binds, cap.magnitude, rate.magnitude), "mg/h"), binds


#: Most constant-rate stretches one titration may have.
MAX_TITRATION_STEPS = 1000


def _phased(plan: Plan, weight: Quantity, trace: Trace) -> tuple[tuple[PhaseFigures, ...], Any, Any, Any, Any, Any]:
    """Each phase of a phased card for ``weight``, with the rate at the end of the session, its uncapped value,
    the session's total and planned total, and whether a what-if cap binds anywhere.

    * bolus [mg]: dose, or dose per kg [mg/kg] x weight [kg]; given at once, or at dose / over [mg/h]
    * infusion [mg/h]: rate, or rate per kg [mg/kg/h] x weight [kg]; dose [mg] = rate x its time [h]
    * titration [mg/h]: start + k x step in its k-th interval of ``every``, never above its maximum
    * total [mg] = sum of the phases' doses
    """
    card: PhasedCard = plan.card  # type: ignore[assignment]
    ones = _ones(weight)
    end = float(magnitude_in(plan.duration, "h"))
    start = 0.0
    out: list[PhaseFigures] = []
    binds_any: Any = np.zeros_like(ones, dtype=bool)
    uncapped_amounts: list[Quantity] = [quantity(0.0 * ones, "mg")]
    uncapped_pieces: list[tuple[float, float, Quantity]] = []  # the stretches as they would run with no cap
    for number, phase in enumerate(card.phases, 1):
        length = phase.length
        stop = end if length is None else start + float(magnitude_in(length, "h"))
        pieces: list[tuple[float, float, Quantity]] = []
        rate: Quantity | None = None
        if isinstance(phase, BolusPhase):
            amount = _fixed_or_per_kg(trace, "bolus", phase.dose, phase.dose_per_kg, weight, "mg", number)
            uncapped_amount = amount
            if phase.over is not None:
                rate = _div(trace, "bolus_rate", amount, phase.over, "mg/h")
                pieces.append((start, stop, rate))
            uncapped_pieces += pieces
        elif isinstance(phase, InfusionPhase):
            raw = _fixed_or_per_kg(trace, "rate", phase.rate, phase.rate_per_kg, weight, "mg/h", number)
            rate, binds = _capped(raw, plan.cap)
            binds_any = binds_any | binds
            pieces.append((start, stop, rate))
            uncapped_pieces.append((start, stop, raw))
            amount = _mul(trace, "phase_dose", rate, quantity(stop - start, "h"), "mg")
            uncapped_amount = product(raw, quantity(stop - start, "h"), "mg")
        else:
            pieces, raw_pieces = _titration(phase, start, stop, ones, plan.cap)
            for (_, _, capped), (_, _, raw) in zip(pieces, raw_pieces, strict=True):
                binds_any = binds_any | (raw.magnitude > capped.magnitude)
            amount = _piece_sum(pieces, ones)
            uncapped_amount = _piece_sum(raw_pieces, ones)
            uncapped_pieces += raw_pieces
            rate = pieces[-1][2]
            if trace is not None:
                trace.append(
                    Step("phase_dose", (amount,), (), amount, f"phase {number}: the sum of its titration steps")
                )
        uncapped_amounts.append(uncapped_amount)
        out.append(PhaseFigures(number, phase, quantity(start, "h"), quantity(stop, "h"), amount, rate, tuple(pieces)))
        start = stop
    amounts = [ph.amount for ph in out]
    total = summed(amounts, "mg")
    if trace is not None and len(amounts) > 1:
        trace.append(Step("total_dose", tuple(amounts), ("+",) * (len(amounts) - 1), total))
    last = [piece for ph in out for piece in ph.pieces]
    runs_to_end = bool(last) and math.isclose(last[-1][1], end, rel_tol=1e-12, abs_tol=1e-12)
    rate_at_end = to(last[-1][2], "mg/h") if runs_to_end else quantity(0.0 * ones, "mg/h")
    uncapped_at_end = to(uncapped_pieces[-1][2], "mg/h") if runs_to_end else rate_at_end
    return tuple(out), rate_at_end, uncapped_at_end, total, summed(uncapped_amounts, "mg"), binds_any


def _fixed_or_per_kg(
    trace: Trace, figure: str, fixed: Quantity | None, per_kg: Quantity | None, weight: Quantity, unit: str, number: int
) -> Quantity:
    """A phase's figure in ``unit``: its fixed value for every patient, or its value per kg x weight [kg].

    A value per kg written in mcg or per minute (10 mcg/kg/min) is worked in two steps, as a key works it:
    x weight [kg] = 698.53 mcg/min, then x 60 min/h and / 1,000 mcg/mg = 41.912 mg/h. The figure itself is
    the one product of the value per kg and the weight, in ``unit``, whatever the steps show."""
    if fixed is None:
        assert per_kg is not None
        result = product(per_kg, weight, unit)
        if trace is not None:
            trace.extend(_per_patient_steps(figure, per_kg, weight, result))
        return result
    value = _for_every(fixed, weight, unit)
    if trace is not None:
        trace.append(Step(figure, (fixed,), (), value, f"phase {number}: the same for every patient"))
    return value


def _per_patient_steps(figure: str, per_kg: Quantity, weight: Quantity, result: Quantity) -> list[Step]:
    """The steps of ``per_kg x weight = result``: one, or, where the value per kg is in mcg or per minute, the
    product in its own units, then x 60 min/h and / 1,000 mcg/mg, each factor written as the keys write it."""
    per_patient = reduced_product(per_kg, weight)
    units = dict(per_patient.unit_items())
    factors: list[Quantity] = []
    operators: list[str] = []
    if units.get("minute") == -1:
        factors.append(Q_(float(Q_(1.0, "h").to("min").magnitude), "min/h"))  # 60 min/h, from the registry
        operators.append("x")
    if units.get("microgram") == 1:
        factors.append(Q_(float(Q_(1.0, "mg").to("mcg").magnitude), "mcg/mg"))  # 1,000 mcg/mg
        operators.append("/")
    if not factors:
        return [Step(figure, (per_kg, weight), ("x",), result)]
    return [
        Step(figure, (per_kg, weight), ("x",), per_patient),
        Step(figure, (per_patient, *factors), tuple(operators), result),
    ]


def _titration(
    phase: TitrationPhase, start: float, stop: float, ones: Any, cap: Quantity | None
) -> tuple[list[tuple[float, float, Quantity]], list[tuple[float, float, Quantity]]]:
    """The stretches of a titration, capped and uncapped: ``start_rate + k x step`` in its k-th interval, held at
    ``max_rate`` once reached, the last stretch ending at ``stop``."""
    every = float(magnitude_in(phase.every, "h"))
    first, step, top = (float(magnitude_in(q, "mg/h")) for q in (phase.start_rate, phase.step, phase.max_rate))
    raw: list[tuple[float, float, Quantity]] = []
    k, t = 0, start
    while t < stop - 1e-12:
        value = min(first + k * step, top)
        held = value >= top
        t1 = stop if held else min(start + (k + 1) * every, stop)
        raw.append((t, t1, quantity(value * ones, "mg/h")))
        if len(raw) > MAX_TITRATION_STEPS:
            raise RegimenError(
                f"a titration of more than {MAX_TITRATION_STEPS} steps; give a larger step or interval", field="regimen"
            )
        k, t = k + 1, t1
    capped = [(t0, t1, _capped(r, cap)[0]) for t0, t1, r in raw]
    return capped, raw


def _piece_sum(pieces: list[tuple[float, float, Quantity]], ones: Any) -> Quantity:
    """The dose of constant-rate stretches [mg] = sum of rate [mg/h] x length [h]."""
    doses = [product(rate, quantity(t1 - t0, "h"), "mg") for t0, t1, rate in pieces]
    return summed([quantity(0.0 * ones, "mg"), *doses], "mg")
