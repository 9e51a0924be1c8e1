"""Exercise sets: reproducible dosage-calculation problems from the regimen cards, with answer keys.

A problem's **level** is the number of factors in its dimensional-analysis chain (a multiplication or a
division by a quantity with units; a comparison with a cap or a rounding is not a factor):

* level 1, one factor: a dose from a fixed rate (rate x time), the rate of a fixed total (total / time), a
  dose from mg/kg (x weight), a weight-based rate in mg/h (the cap binding or not), a concentration from a
  preparation (mg / mL), a pump rate or a volume from a strength, a rate in mg/min, the time a bag lasts
  (volume / pump rate), a course total of a fixed total;
* level 2, two factors: a weight-based dose per session, the rate of a weight-based total, a pump rate of
  a total or a weight-based rate, a volume from a fixed rate, mg/kg/h in mcg/kg/min, a dose over minutes,
  a course total of a fixed rate, an order in mg/min to mL/h;
* level 3, three or more: pounds to kilograms to mg/h to mL/h (and to gtt/min), course totals of a
  weight-based regimen, a pump rate in mL/h back to mcg/kg/min, an order in mcg/kg/min to mL/h.

A phased card (a bolus, then an infusion) gives its own kinds: the bolus dose from mg/kg (level 1), the
infusion's rate per kg (10 mcg/kg/min as written) in mg/h (level 2: x kg, then x 60 min/h / 1000 mcg/mg in one
conversion step) and in mL/h from a strength (level 3), and the session's total across its phases (level 3:
the bolus + the infusion's rate x its time, from pounds). Their answers are the phases' figures from
:func:`dosecalc.dosing.calculate`. The kinds that describe a regimen by one documented dose are not made from
a phased card.

Each level draws its kinds of problem from a deck: the kinds the cards allow, shuffled by the seed and
drawn in order, a fresh shuffle each time the deck runs out, so every kind comes up as often as any other
(within one). Problem N depends only on the seed and N, never on the count. The sheets of a set (variants
for a learning platform, a class's sheets) share the deal, so problem N is the same kind on each, their
numbers drawn from each sheet's own seed, and (for variants) no question repeated at a position.

Every figure of a card (rate, dose, pump rate, volume, drip rate, course total) and its worked steps come
from :func:`dosecalc.dosing.calculate` with ``explain=True``; other figures (unit conversions, pounds under
the 2.2 convention, the time a bag lasts) are computed by pint on quantities, each step recorded as it is
done. The same seed gives the same set, byte for byte: ``random.Random`` seeded with text, and nothing
machine-dependent.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple

from ..dosing import RATE_KINDS, REFERENCE_WEIGHT, DoseFigures, Step, WhatIf, calculate, make_plan
from ..errors import DoseCalcError
from ..regimens import BolusPhase, Card, InfusionPhase, PhasedCard, documented_dose
from ..units import (
    Q_,
    Concentration,
    Quantity,
    magnitude_in,
    parse_concentration,
    product,
    quantity,
    quotient,
    reduced_product,
    to,
)
from ..wording import numbers, words
from .sheets import Convention, check_kinds, places_of

PREPARATIONS = ("100 mg in 100 mL", "500 mg in 500 mL", "80 mg in 500 mL", "100 mg in 50 mL", "200 mg in 100 mL")
STRENGTHS = ("1 mg/mL", "2 mg/mL", "0.5 mg/mL", "0.16 mg/mL")
DROP_FACTORS = (10, 15, 20, 60)
#: Amounts (mg) and volumes (mL) a concentration problem makes a preparation of.
_AMOUNTS = (50, 80, 100, 200, 250, 500)
_VOLUMES = (20, 50, 100, 250, 500)
#: Bag volumes (mL) for the time a bag lasts.
BAGS = (50, 100, 250, 500, 1000)
#: Orders in mg/min for the order-to-pump-rate problem.
ORDERS = ("0.25", "0.3", "0.5", "0.75", "1", "1.5", "2")
#: Orders in mcg/kg/min for the order-to-pump-rate problem.
MCG_ORDERS = ("1", "2", "2.5", "3", "4", "5", "6")
#: Weights are chosen in this range (kg), on both sides of a cap that binds inside it.
_LIGHTEST, _HEAVIEST = 45.0, 120.0
#: How many times a kind of problem is drawn again when its answer rounds to zero or falls outside its range.
_DRAWS = 20
#: The answers (as the sheet rounds them) a problem asked in a unit may have, both ends included: a gravity
#: drip rate from 5 to 100 gtt/min. A teaching choice, not a sourced figure: a drip of 1 or 2 gtt/min is no
#: rate anyone sets a gravity line to (a drop every 30 to 60 s, and a slow drip clots or stops), and above about
#: 100 gtt/min the drops run together and cannot be counted in the drip chamber; nursing texts give the drop
#: factors (macrodrip 10, 15 or 20 gtt/mL, microdrip 60 gtt/mL) and the formula, not these bounds.
ANSWER_RANGES: dict[str, tuple[float, float]] = {"gtt/min": (5.0, 100.0)}
#: How many times a kind of problem is drawn again when its question is another variant's at the same position.
_SAME_DRAWS = 200

# Which figures each figure is computed from: the chain of steps behind an answer.
_INPUTS: dict[str, tuple[str, ...]] = {
    "weight": (),
    "planned_total": ("weight",),
    "rate": ("weight", "planned_total"),
    "cap": ("rate",),
    "total_dose": ("rate", "cap", "planned_total"),
    "concentration": (),
    "pump_rate": ("rate", "cap", "concentration"),
    "volume": ("total_dose", "concentration"),
    "drip_rate": ("pump_rate",),
    "course_total_dose": ("total_dose",),
}


class Problem(NamedTuple):
    """One problem of a sheet, with its key: the exact answer, the answer rounded by the sheet's rule, the
    worked steps, and the values the common errors give (for diagnosing a wrong answer)."""

    number: int
    level: int
    kind: str  # what is asked, e.g. "pump-rate": problems of a kind are alike across sheets
    regimen: str | None  # the card the problem is made from, if any
    question: str
    figure: str
    unit: str  # the unit asked, one of dosecalc.teaching.sheets.ANSWER_UNITS
    exact: float
    answer: float
    step: Decimal  # the sheet's rounding step for this answer: Decimal("0.1")
    factors: int
    steps: tuple[str, ...]
    inputs: dict[str, object]  # what the problem gives, for re-deriving the answer another way
    errors: tuple[tuple[str, float], ...] = ()  # (the error in words, the exact value that error gives)

    @property
    def places(self) -> int:
        """Decimal places of the rounding step (0 for whole numbers)."""
        return places_of(self.step)


def rounded(value: float, places: int) -> float:
    """An answer rounded by the sheet's rule (half up, :func:`dosecalc.wording.numbers.round_half_up`)."""
    return float(numbers.round_half_up(value, places))


# ---- the pieces of a problem ---------------------------------------------------------------------------------

Line = Step | str  # a worked step: recorded arithmetic, or a line in words (a weight rounded before use)


class _Weight(NamedTuple):
    """A patient's weight as the problem gives it and as the calculation uses it."""

    text: str  # as written in the question: "154 lb", "80.5 kg"
    kg: Quantity  # used in the calculation (rounded first when the convention says so)
    steps: tuple[Line, ...]  # the conversion from pounds, and the rounding
    pounds: float | None  # the weight in lb, when it is given in lb
    unrounded: Quantity  # the converted weight before any rounding
    slips: tuple[tuple[str, Quantity], ...] = ()  # the weights the common slips of the pound rule give, in words


class _Made(NamedTuple):
    """What a kind of problem makes: the question, the exact answer and its steps, and the common errors."""

    regimen: str | None
    question: str
    figure: str
    unit: str
    exact: Quantity
    steps: list[Line]
    inputs: dict[str, object]
    errors: list[tuple[str, Quantity]]
    concentration: Concentration | None = None


class _Draw(NamedTuple):
    """What a kind of problem is made from: the random source, the chosen card and the sheet's rules."""

    rng: random.Random
    card: Card | None
    convention: Convention
    level: int


def _in(q: Quantity, unit: str) -> float:
    return float(magnitude_in(q, unit))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _cap_threshold(card: Card, duration: Quantity) -> Quantity | None:
    """The weight above which the card's cap binds, when its rate grows with weight."""
    if card.max_rate is None or card.kind not in ("weight-based-rate", "weight-based-total"):
        return None
    if card.kind == "weight-based-rate":
        threshold: Quantity = (card.max_rate / documented_dose(card)).to("kg")
    else:
        threshold = (card.max_rate * duration / documented_dose(card)).to("kg")
    return threshold


def _weight(draw: _Draw, card: Card, duration: Quantity, pounds: bool) -> _Weight:
    """A weight in the problem's range, on a side of the card's cap chosen at random when the cap binds
    inside the range; in pounds (converted by the sheet's convention) or in kg."""
    rng, convention = draw.rng, draw.convention
    low, high = _LIGHTEST, _HEAVIEST
    threshold = _cap_threshold(card, duration)
    if threshold is not None and low + 5 < _in(threshold, "kg") < high - 5:
        cut = _in(threshold, "kg")
        low, high = (cut + 1, high) if rng.random() < 0.5 else (low, cut - 1)
    if not pounds:
        kg = rng.randint(math.ceil(low * 10), math.floor(high * 10)) / 10
        weight = quantity(kg, "kg")
        return _Weight(f"{numbers.number(kg, 1)} kg", weight, (), None, weight)
    lb = rng.randint(math.ceil(_in(quantity(low, "kg"), "lb")), math.floor(_in(quantity(high, "kg"), "lb")))
    given = quantity(float(lb), "lb")
    if convention.pound_factor is None:
        factor = _factor("lb", "kg")  # 0.45359237 kg/lb, from the registry
        converted = product(given, factor, "kg")
        steps: list[Line] = [Step("weight", (given, factor), ("x",), converted)]
    else:
        course = quantity(float(convention.pound_factor), "lb/kg")
        converted = quotient(given, course, "kg")
        steps = [Step("weight", (given, course), ("/",), converted)]
    used = converted
    if convention.round_weight:
        places = convention.places("kg")
        used = quantity(rounded(_in(converted, "kg"), places), "kg")
        steps.append(
            f"weight rounded to {numbers.number(float(convention.step('kg')), places)} kg before it is used: "
            f"{numbers.intermediate(_in(converted, 'kg'), 'kg')} kg \u2248 {numbers.number(_in(used, 'kg'), places)} kg"
        )
    return _Weight(f"{lb} lb", used, tuple(steps), float(lb), converted, _pound_slips(given, convention))


#: The sheet's pound rule in words, by :attr:`Convention.pound`.
_POUND_RULES = {"exact": "1 lb = 0.45359237 kg", "2.2": "2.2 lb = 1 kg"}


def _pound_slips(given: Quantity, convention: Convention) -> tuple[tuple[str, Quantity], ...]:
    """The weights a student gets from ``given`` pounds by the slips of the pound rule, each named with the
    sheet's rule: the other rule used (2.2 for the exact pound, or the exact pound for 2.2), and the conversion
    done the wrong way (pounds x 2.2, or pounds / 0.45359237), rounded to 0.1 kg as the sheet rounds weights."""
    lb = _in(given, "lb")
    exact = _in(_factor("lb", "kg"), "kg/lb")  # 0.45359237 kg/lb, from the registry
    rule = f"the sheet's pound rule: {_POUND_RULES[convention.pound]}"
    if convention.pound_factor is None:
        slips = [
            (f"the weight converted with 2.2 lb = 1 kg, not exactly ({rule})", lb / 2.2),
            (f"the pounds divided by 0.45359237 instead of multiplied ({rule})", lb / exact),
        ]
    else:
        factor = float(convention.pound_factor)
        slips = [
            (f"the weight converted with the exact pound, 1 lb = 0.45359237 kg ({rule})", lb * exact),
            (f"the pounds multiplied by {factor:g} instead of divided ({rule})", lb * factor),
        ]
    places = convention.places("kg")
    return tuple((words, quantity(rounded(kg, places) if convention.round_weight else kg, "kg")) for words, kg in slips)


@functools.cache
def _factor(old: str, new: str) -> Quantity:
    """The conversion factor from ``old`` to ``new`` as a quantity in new/old (1000 mcg/mg, 60 min/h),
    taken from the registry (once for each pair: the quantity is never changed in place)."""
    return Q_(float(Q_(1.0, old).to(new).magnitude), f"{new}/{old}")


def _duration(rng: random.Random, card: Card) -> Quantity:
    """The documented duration, or a what-if of whole hours the card allows."""
    documented = _in(card.duration, "h")
    low = 1.0 if card.minimum_duration is None else _in(card.minimum_duration, "h")
    choices = [documented] + [float(h) for h in range(1, 9) if h >= low and h != documented]
    return quantity(rng.choice(choices), "h")


def _regimen(card: Card, duration: Quantity, length: str | None = None) -> str:
    """The regimen by its dose and the what-if: ``0.35 mg/kg/h for 4 h, the rate capped at 25 mg/h``."""
    dose = numbers.documented_dose_text(documented_dose(card), card.kind)
    how = "for" if card.kind in RATE_KINDS else "spread evenly over"
    text = f"{dose} {how} {length or numbers.duration(duration)}"
    if card.max_rate is not None:
        text += f", the rate capped at {numbers.show(card.max_rate, 'mg/h')}"
    return text


def _chain(steps: Sequence[Step], figure: str) -> list[Step]:
    """The steps behind ``figure``, in the order they were done."""
    inputs = dict(_INPUTS)
    if any(step.figure == "total_dose" and not step.operators for step in steps):
        inputs["total_dose"] = ("planned_total", "cap")  # the planned total itself, spread evenly
    present = {step.figure for step in steps}
    wanted: set[str] = set()
    todo = [figure, "cap"] if figure == "rate" else [figure]
    while todo:
        name = todo.pop()
        if name not in wanted and name in present:
            wanted.add(name)
            todo.extend(inputs.get(name, ()))
    return [step for step in steps if step.figure in wanted]


_FIGURE_STEPS = {"planned_total_dose": "planned_total"}


class _Regimen:
    """A card's regimen for one problem: the what-if and the weight (for a weight-based card)."""

    def __init__(self, card: Card, what_if: WhatIf, weight: _Weight | None, minutes: float | None = None) -> None:
        self.card, self.what_if, self.weight = card, what_if, weight
        self.minutes = minutes  # the duration as the question gives it, when it gives it in minutes
        self.kg = REFERENCE_WEIGHT if weight is None else weight.kg
        self._figures = calculate(make_plan(card, what_if), self.kg, explain=True)

    def figures(self, kg: Quantity | None = None, *, no_cap: bool = False) -> DoseFigures:
        """The figures of the regimen, or of the regimen with a common error made (another weight, no cap):
        those without their steps, which no key shows (the same figures: the steps only record them)."""
        if kg is None and not no_cap:
            return self._figures
        what_if = self.what_if._replace(no_cap=no_cap) if no_cap else self.what_if
        return calculate(make_plan(self.card, what_if), self.kg if kg is None else kg)

    def value(self, figure: str, unit: str, kg: Quantity | None = None, *, no_cap: bool = False) -> Quantity:
        return to(getattr(self.figures(kg, no_cap=no_cap), figure), unit)

    def steps(self, figure: str) -> list[Line]:
        chain = _chain(self.figures().steps, _FIGURE_STEPS.get(figure, figure))
        if self.minutes is not None and self.what_if.duration is not None:
            chain = [_in_minutes(step, self.what_if.duration, self.minutes) for step in chain]
        return [*(self.weight.steps if self.weight is not None else ()), *chain]

    def common_errors(self, figure: str, unit: str) -> list[tuple[str, Quantity]]:
        """The cap ignored (when it binds) and the weight in pounds taken as kilograms."""
        errors = []
        if self.figures().cap_binds:
            errors.append(("the rate cap ignored", self.value(figure, unit, no_cap=True)))
        weight = self.weight
        if weight is not None and weight.pounds is not None:
            errors.append(
                ("the weight in pounds used as kilograms", self.value(figure, unit, quantity(weight.pounds, "kg")))
            )
            if weight.unrounded != weight.kg:
                errors.append(("the weight not rounded before it is used", self.value(figure, unit, weight.unrounded)))
            errors += [(words, self.value(figure, unit, kg)) for words, kg in weight.slips]
        return errors

    def made(self, question: str, figure: str, unit: str, errors: list[tuple[str, Quantity]]) -> _Made:
        """A problem asking ``figure`` of this regimen in ``unit``: its value and steps from the calculation,
        the common errors of a regimen (the cap, pounds) and then ``errors``."""
        return _Made(
            self.card.id,
            question,
            figure,
            unit,
            self.value(figure, unit),
            self.steps(figure),
            self.inputs(),
            [*self.common_errors(figure, unit), *errors],
            self.what_if.concentration,
        )

    def inputs(self, **extra: object) -> dict[str, object]:
        what_if = self.what_if
        concentration = what_if.concentration
        return {
            "weight": None if self.weight is None else self.weight.text,
            "duration_h": _in(what_if.duration, "h") if what_if.duration is not None else None,
            "concentration": None if concentration is None else _concentration_text(concentration),
            "drop_factor": None if what_if.drop_factor is None else round(_in(what_if.drop_factor, "gtt/mL")),
            "sessions": what_if.sessions,
            **extra,
        }


def _in_minutes(step: Step, duration: Quantity, minutes: float) -> Step:
    """``step`` with the duration in hours (0.6667 h, a rounded figure no one is given) written as the question
    gives it, in minutes, and converted in the same step: ``49.85 mg ÷ 40 min × 60 min/h``; one step, one
    factor, as the phased infusions convert mcg/kg/min."""
    hours, per_hour = _in(duration, "h"), _factor("h", "min")
    given = quantity(minutes, "min")
    terms, operators = [step.terms[0]], []
    for operator, term in zip(step.operators, step.terms[1:], strict=True):
        if operator in ("x", "/") and term.units == _HOUR.units and math.isclose(_in(term, "h"), hours, rel_tol=1e-12):
            terms += [given, per_hour]
            operators += [operator, "/" if operator == "x" else "x"]
        else:
            terms.append(term)
            operators.append(operator)
    return step._replace(terms=tuple(terms), operators=tuple(operators))


_HOUR = quantity(1.0, "h")


def _concentration_text(concentration: Concentration) -> str:
    if concentration.amount is not None and concentration.volume is not None:
        return f"{numbers.show(concentration.amount, 'mg')} in {numbers.show(concentration.volume, 'mL')}"
    return f"{numbers.significant(_in(concentration.value, 'mg/mL'))} mg/mL"


def _setup(
    draw: _Draw, *, pounds: bool = False, duration: Quantity | None = None, **what_if: object
) -> tuple[_Regimen, str]:
    """The card's regimen for a problem and the words that give it, as a documented regimen, never as an order:
    ``For a patient weighing 80 kg, the regimen gives 0.35 mg/kg/h for 4 h, the rate capped at 25 mg/h``."""
    assert draw.card is not None
    card = draw.card
    length = duration if duration is not None else _duration(draw.rng, card)
    weighs = card.kind in ("weight-based-rate", "weight-based-total")
    weight = _weight(draw, card, length, pounds) if weighs else None
    minutes = _in(length, "min")
    in_minutes = float(numbers.round_half_up(minutes, 0)) if minutes % 60 else None
    regimen = _Regimen(card, WhatIf(duration=length, **what_if), weight, in_minutes)  # type: ignore[arg-type]
    who = f"For a patient weighing {weight.text}, the regimen gives" if weight is not None else "The regimen gives"
    length_text = f"{numbers.number(minutes, 0)} min" if minutes % 60 else None
    return regimen, f"{who} {_regimen(card, length, length_text)}"


def _strength(draw: _Draw) -> Concentration:
    return _concentration_of(draw.rng.choice(STRENGTHS))


#: A strength or preparation of the tables above, read once (its quantities are never changed in place).
_concentration_of = functools.cache(parse_concentration)


def _of(q: Quantity, unit: str) -> Quantity:
    """The number of ``q`` read as if it were in ``unit``: a figure given instead of the one asked."""
    return quantity(float(q.magnitude), unit)


# ---- kinds of problem ----------------------------------------------------------------------------------------


def _asking(question: str, figure: str, unit: str, instead: str, error: str) -> Callable[[_Draw], _Made]:
    """A maker of problems that ask one figure of a regimen, whose common error is giving another figure
    (``instead``, in its canonical unit) in its place."""

    def make(draw: _Draw) -> _Made:
        regimen, given = _setup(draw)
        other = _of(getattr(regimen.figures(), instead), unit)
        return regimen.made(f"{given}. {question}", figure, unit, [(error, other)])

    return make


#: A dose per session: rate x time (fixed rate), or mg/kg/h x kg x h (weight-based rate).
_dose = _asking(
    "What dose is given in the session, in mg?", "total_dose", "mg", "rate", "the rate given instead of the dose"
)
#: The dose the regimen gives in a session from mg/kg: mg/kg x kg.
_dose_from_mg_kg = _asking(
    "What total dose is given in the session, in mg?",
    "planned_total_dose",
    "mg",
    "uncapped_rate",
    "divided by the time (a rate, not a dose)",
)
#: The rate of a total: total / time, or mg/kg x kg / time.
_rate_of_total = _asking(
    "At what rate does the infusion run, in mg/h?",
    "rate",
    "mg/h",
    "planned_total_dose",
    "the total given instead of the rate",
)
#: The rate of a weight-based rate: mg/kg/h x kg, the cap binding or not.
_rate_of_weight = _asking(
    "At what rate does the infusion run, in mg/h?",
    "rate",
    "mg/h",
    "total_dose",
    "the dose of the session given instead of the rate",
)


def _through_strength(question: str, figure: str, unit: str, amount: str, instead: str) -> Callable[[_Draw], _Made]:
    """A maker of problems that divide a figure of a regimen (``amount``: the rate, the dose) by a strength
    the draw chooses (pounds to kg first at level 3); common errors: the amount itself given, and the
    strength multiplied rather than divided."""

    def make(draw: _Draw) -> _Made:
        strength = _strength(draw)
        regimen, given = _setup(draw, pounds=draw.level == 3, concentration=strength)
        base = getattr(regimen.figures(), amount)
        times = base * to(strength.value, "mg/mL")
        return regimen.made(
            f"{given}, from a solution of {_concentration_text(strength)}. {question}",
            figure,
            unit,
            [(instead, _of(base, unit)), ("multiplied by the concentration instead of dividing", _of(times, unit))],
        )

    return make


#: A pump rate: rate / concentration (after a total, weight or pounds step at higher levels).
_pump_rate = _through_strength(
    "What is the pump rate, in mL/h?", "pump_rate", "mL/h", "rate", "the rate in mg/h given instead of the pump rate"
)
#: The volume of a session: dose / concentration (after rate x time for a fixed rate).
_volume = _through_strength(
    "What volume is infused in the session, in mL?",
    "volume",
    "mL",
    "total_dose",
    "the dose in mg given instead of the volume",
)


def _course_total(draw: _Draw) -> _Made:
    """The total over a course: the dose of a session x sessions (after pounds and weight at level 3)."""
    assert draw.card is not None
    sessions = draw.card.sessions if draw.card.sessions > 1 else draw.rng.randint(2, 10)
    regimen, given = _setup(draw, pounds=draw.level == 3, sessions=sessions)
    return regimen.made(
        f"{given} at each session; the course is {_plural(sessions, 'session')}. What is the total dose over the "
        "whole course, in mg?",
        "course_total_dose",
        "mg",
        [("the dose of one session given instead of the course total", regimen.value("total_dose", "mg"))],
    )


def _drip_rate(draw: _Draw) -> _Made:
    """A gravity drip rate: pounds to kg (weight-based), the rate, a preparation, the pump rate, x gtt/mL,
    per minute."""
    preparation = _concentration_of(draw.rng.choice(PREPARATIONS))
    drop_factor = draw.rng.choice(DROP_FACTORS)
    regimen, given = _setup(
        draw, pounds=True, concentration=preparation, drop_factor=quantity(float(drop_factor), "gtt/mL")
    )
    pump = regimen.value("pump_rate", "mL/h")
    return regimen.made(
        f"{given}, from a preparation of {_concentration_text(preparation)} through a gravity set of "
        f"{drop_factor} gtt/mL. What is the drip rate, in gtt/min?",
        "drip_rate",
        "gtt/min",
        [("the pump rate in mL/h given instead of the drip rate", _of(pump, "gtt/min"))],
    )


def _worked(start: Quantity, *moves: tuple[str, str, Quantity, str]) -> tuple[Quantity, list[Line]]:
    """``start`` carried through ``moves``, each (figure, "x" or "/", a quantity, the unit of the result) and
    recorded as a step: ``_worked(Q_(22, "mg/h"), ("rate", "/", _factor("h", "min"), "mg/min"))``."""
    value, steps = start, list[Line]()
    for figure, operator, term, unit in moves:
        result = product(value, term, unit) if operator == "x" else quotient(value, term, unit)
        steps.append(Step(figure, (value, term), (operator,), result))
        value = result
    return value, steps


def _dose_over_minutes(draw: _Draw) -> _Made:
    """A dose over a time given in minutes: min / 60 min/h, then rate x time."""
    assert draw.card is not None
    card = draw.card
    low = 30 if card.minimum_duration is None else math.ceil(_in(card.minimum_duration, "min"))
    minutes = draw.rng.choice([m for m in range(max(low, 30), max(481, low + 121), 15) if m % 60])
    hours, to_hours = _worked(quantity(float(minutes), "min"), ("duration", "/", _factor("h", "min"), "h"))
    regimen, given = _setup(draw, duration=hours)
    regimen.minutes = None  # converted in a step of its own, the first of this kind's two factors
    as_hours = product(regimen.value("rate", "mg/h"), quantity(float(minutes), "h"), "mg")
    made = regimen.made(
        f"{given}. What dose is given in the session, in mg?",
        "total_dose",
        "mg",
        [("the minutes taken as hours", as_hours)],
    )
    return made._replace(steps=[*to_hours, *made.steps], inputs=regimen.inputs(duration_min=minutes))


def _mg_per_min(draw: _Draw) -> _Made:
    """A rate in mg/min: mg/h / 60 min/h."""
    regimen, given = _setup(draw)
    _, per_minute = _worked(regimen.value("rate", "mg/h"), ("rate", "/", _factor("h", "min"), "mg/min"))
    made = regimen.made(f"{given}. What is the rate, in mg/min?", "rate", "mg/min", [])
    return made._replace(steps=[*made.steps, *per_minute])


def _mcg_kg_min(draw: _Draw) -> _Made:
    """A weight-based rate in mcg/kg/min: mg/kg/h x 1000 mcg/mg / 60 min/h."""
    assert draw.card is not None
    dose = to(documented_dose(draw.card), "mg/kg/h")
    _, steps = _worked(
        dose,
        ("rate_per_kg", "x", _factor("mg", "mcg"), "mcg/kg/h"),
        ("rate_per_kg", "/", _factor("h", "min"), "mcg/kg/min"),
    )
    return _Made(
        draw.card.id,
        f"The regimen gives {numbers.documented_dose_text(dose, draw.card.kind)}. What is that rate, in mcg/kg/min?",
        "rate_per_kg",
        "mcg/kg/min",
        to(dose, "mcg/kg/min"),
        steps,
        {"rate_per_kg": _in(dose, "mg/kg/h")},
        [("the rate in mg/kg/h given unchanged", _of(dose, "mcg/kg/min"))],
    )


def _mcg_kg_min_from_pump(draw: _Draw) -> _Made:
    """A pump rate back to mcg/kg/min: mL/h x mg/mL = mg/h; / kg; x 1000 mcg/mg; / 60 min/h. The pump rate
    is the regimen's, as the pump shows it (rounded by the sheet's rule)."""
    strength = _strength(draw)
    regimen, _ = _setup(draw, concentration=strength)
    places = draw.convention.places("mL/h")
    pump = quantity(rounded(_in(regimen.value("pump_rate", "mL/h"), "mL/h"), places), "mL/h")
    conc = to(strength.value, "mg/mL")
    assert regimen.weight is not None
    kg = regimen.weight.kg
    _, steps = _worked(
        pump,
        ("rate", "x", conc, "mg/h"),
        ("rate_per_kg", "/", kg, "mg/kg/h"),
        ("rate_per_kg", "x", _factor("mg", "mcg"), "mcg/kg/h"),
        ("rate_per_kg", "/", _factor("h", "min"), "mcg/kg/min"),
    )
    return _Made(
        regimen.card.id,
        f"A patient weighing {regimen.weight.text} is on an infusion of a {_concentration_text(strength)} solution "
        f"running at {numbers.number(_in(pump, 'mL/h'), places)} mL/h. What dose is the patient receiving, in "
        "mcg/kg/min?",
        "rate_per_kg",
        "mcg/kg/min",
        (pump * conc / kg).to("mcg/kg/min"),
        steps,
        {
            "weight": regimen.weight.text,
            "concentration": _concentration_text(strength),
            "pump_rate_ml_h": _in(pump, "mL/h"),
        },
        [("the weight left out (mcg/min, not mcg/kg/min)", _of((pump * conc).to("mcg/min"), "mcg/kg/min"))],
    )


def _order_to_pump_rate(draw: _Draw, order: Quantity, per_patient: tuple[str, ...], given: str) -> _Made:
    """An order (mg/min, or mcg/kg/min for a weight) to a pump rate, from a strength the draw chooses."""
    strength = _strength(draw)
    conc = to(strength.value, "mg/mL")
    moves: list[tuple[str, str, Quantity, str]] = []
    errors: list[tuple[str, Quantity]] = []
    inputs: dict[str, object] = {"concentration": _concentration_text(strength)}
    if per_patient:
        weight = quantity(float(per_patient[0]), "kg")
        moves += [("rate", "x", weight, "mcg/min"), ("rate", "/", _factor("mg", "mcg"), "mg/min")]
        errors.append(("the weight left out (per kg, not for this patient)", _of((order / conc).to("mL/kg/h"), "mL/h")))
        inputs |= {"order_mcg_kg_min": _in(order, "mcg/kg/min"), "weight": f"{per_patient[0]} kg"}
    else:
        inputs |= {"order_mg_min": _in(order, "mg/min")}
    moves += [("rate", "x", _factor("h", "min"), "mg/h"), ("pump_rate", "/", conc, "mL/h")]
    pump, steps = _worked(order, *moves)
    per_hour = pump * conc
    errors.append(("multiplied by the concentration instead of dividing", _of(per_hour * conc, "mL/h")))
    return _Made(
        None,
        f"{given} from a solution of {_concentration_text(strength)}. What is the pump rate, in mL/h?",
        "pump_rate",
        "mL/h",
        pump,
        steps,
        inputs,
        errors,
        strength,
    )


def _pump_rate_from_order(draw: _Draw) -> _Made:
    """An order in mg/min to a pump rate: mg/min x 60 min/h / mg/mL."""
    order = draw.rng.choice(ORDERS)
    given = f"The regimen gives an infusion of {order} mg/min"
    return _order_to_pump_rate(draw, quantity(float(order), "mg/min"), (), given)


def _pump_rate_from_mcg_kg_min(draw: _Draw) -> _Made:
    """A dose in mcg/kg/min to a pump rate: x kg = mcg/min; / 1000 mcg/mg; x 60 min/h; / mg/mL."""
    order = draw.rng.choice(MCG_ORDERS)
    kg = numbers.number(draw.rng.randint(int(_LIGHTEST * 10), int(_HEAVIEST * 10)) / 10, 1)
    given = f"For a patient weighing {kg} kg, the regimen gives {order} mcg/kg/min"
    return _order_to_pump_rate(draw, quantity(float(order), "mcg/kg/min"), (kg,), given)


def _quotient(
    question: str, figure: str, unit: str, top: Quantity, bottom: Quantity, inputs: dict[str, object], upside_down: str
) -> _Made:
    """A one-division problem (a concentration, the time a bag lasts), with the division upside down as
    its common error."""
    value, steps = _worked(top, (figure, "/", bottom, unit))
    return _Made(None, question, figure, unit, value, steps, inputs, [(upside_down, _of(bottom / top, unit))])


def _concentration(draw: _Draw) -> _Made:
    """A concentration from a preparation: mg / mL."""
    pairs = [(a, v) for a in _AMOUNTS for v in _VOLUMES if 0.1 <= a / v <= 10]
    amount, volume = draw.rng.choice(pairs)
    return _quotient(
        f"A bag is made up with {amount} mg of the drug in {volume} mL. What is its concentration, in mg/mL?",
        "concentration",
        "mg/mL",
        quantity(float(amount), "mg"),
        quantity(float(volume), "mL"),
        {"amount_mg": amount, "volume_ml": volume},
        "divided the wrong way up (mL per mg)",
    )


def _time_to_infuse(draw: _Draw) -> _Made:
    """The time a bag lasts: volume / pump rate, in hours."""
    rng = draw.rng
    bag = rng.choice(BAGS)
    pump = rng.randint(bag // 20 + 1, bag // 2) if bag > 50 else rng.randint(5, 40)
    return _quotient(
        f"A {bag} mL bag runs at {pump} mL/h. How long does it take to infuse, in h?",
        "duration",
        "h",
        quantity(float(bag), "mL"),
        quantity(float(pump), "mL/h"),
        {"bag_ml": bag, "pump_rate_ml_h": pump},
        "divided the wrong way up (pump rate / volume)",
    )


# ---- phased cards: a bolus, then an infusion -------------------------------------------------------------


def _phase_numbers(card: Card, kind: type) -> list[int]:
    """The numbers (from 1) of a phased card's phases of ``kind`` whose dose or rate is per kg."""
    if not isinstance(card, PhasedCard):
        return []
    if kind is BolusPhase:
        return [n for n, p in enumerate(card.phases, 1) if isinstance(p, BolusPhase) and p.dose_per_kg is not None]
    return [n for n, p in enumerate(card.phases, 1) if isinstance(p, InfusionPhase) and p.rate_per_kg is not None]


def _converted_infusions(card: Card) -> list[int]:
    """The per-kg infusions written in a unit other than mg/kg/h (``10 mcg/kg/min``): their rate in mg/h takes a
    conversion step beside the weight, as the levels of the infusion problems count on."""
    if not isinstance(card, PhasedCard):
        return []
    return [
        n
        for n, p in enumerate(card.phases, 1)
        if isinstance(p, InfusionPhase) and p.rate_per_kg is not None and p.rate_per_kg.units != _MG_KG_H.units
    ]


_MG_KG_H = quantity(1.0, "mg/kg/h")


def _in_micrograms(rate: Quantity | None) -> bool:
    """A rate written in mcg (``10 mcg/kg/min``): the one a student may read as mg."""
    return rate is not None and dict(rate.unit_items()).get("microgram") == 1


def _bolus_then_infusion(card: Card) -> bool:
    """A phased card of boluses and infusions only (a titration's total is not a sum a student can check)."""
    return isinstance(card, PhasedCard) and all(isinstance(p, BolusPhase | InfusionPhase) for p in card.phases)


class _Phased(NamedTuple):
    """A phased card's regimen for one problem: the figures of its phases for the patient, and the words."""

    card: PhasedCard
    weight: _Weight
    what_if: WhatIf
    figures: DoseFigures
    given: str

    def made(
        self,
        question: str,
        asked: tuple[str, str, Quantity],
        steps: Sequence[Line],
        phase: int,
        errors: list[tuple[str, Quantity]],
        concentration: Concentration | None = None,
    ) -> _Made:
        """A problem asking ``asked`` (figure, unit, exact value) of phase ``phase`` (0: the whole session),
        after the words that give the regimen and the weight's steps."""
        figure, unit, exact = asked
        duration = self.what_if.duration
        inputs: dict[str, object] = {
            "weight": self.weight.text,
            "duration_h": None if duration is None else _in(duration, "h"),
            "phase": phase,
        }
        if concentration is not None:
            inputs["concentration"] = _concentration_text(concentration)
        steps = [*self.weight.steps, *steps]
        return _Made(
            self.card.id, f"{self.given}. {question}", figure, unit, exact, steps, inputs, errors, concentration
        )


def _phased(draw: _Draw, *, pounds: bool = False, **what_if: object) -> _Phased:
    """The card's phases for a patient of a drawn weight over a drawn session length: ``For a patient weighing
    72.4 kg, the regimen gives a bolus of 0.5 mg/kg at once, then an infusion of 10 mcg/kg/min to the end of the
    session; the session lasts 3 h``."""
    card = draw.card
    assert isinstance(card, PhasedCard)
    length = _duration(draw.rng, card)
    weight = _weight(draw, card, length, pounds)
    plan = WhatIf(duration=length, **what_if)  # type: ignore[arg-type]
    figures = calculate(make_plan(card, plan), weight.kg, explain=True)
    given = (
        f"For a patient weighing {weight.text}, the regimen gives {numbers.card_dose_text(card, prose=True)}; the "
        f"session lasts {numbers.duration(length)}"
    )
    return _Phased(card, weight, plan, figures, given)


def _bolus_dose(draw: _Draw) -> _Made:
    """A bolus dose from mg/kg: mg/kg x kg, the figure the calculation gives for that phase."""
    regimen = _phased(draw)
    number = draw.rng.choice(_phase_numbers(regimen.card, BolusPhase))
    phase = regimen.figures.phases[number - 1]
    bolus = next(
        step
        for step in regimen.figures.steps
        if step.figure == "bolus" and math.isclose(_in(step.result, "mg"), _in(phase.amount, "mg"), rel_tol=1e-12)
    )
    unchanged = _of(phase.phase.dose_per_kg, "mg")
    asked = ("bolus_dose", "mg", to(phase.amount, "mg"))
    return regimen.made(
        "What is the bolus dose, in mg?", asked, [bolus], number, [("the dose per kg given unchanged", unchanged)]
    )


def _infusion_steps(regimen: _Phased, number: int) -> tuple[Quantity, list[Line]]:
    """An infusion's rate per kg for this patient in mg/h: x kg, then x 60 min/h and / 1000 mcg/mg where its
    unit needs them, each recorded; the answer is the calculation's rate for the phase, checked against them."""
    phase = regimen.figures.phases[number - 1]
    written: Quantity = phase.phase.rate_per_kg
    per_patient = reduced_product(written, regimen.weight.kg)
    steps: list[Line] = [Step("rate", (written, regimen.weight.kg), ("x",), per_patient)]
    terms: list[Quantity] = [per_patient]
    operators: list[str] = []
    units = dict(per_patient.unit_items())
    if units.get("minute") == -1:
        terms.append(_factor("h", "min"))
        operators.append("x")
    if units.get("microgram") == 1:
        terms.append(_factor("mg", "mcg"))
        operators.append("/")
    result = to(per_patient, "mg/h")
    if operators:
        steps.append(Step("rate", tuple(terms), tuple(operators), result))
    assert phase.rate is not None and math.isclose(_in(phase.rate, "mg/h"), _in(result, "mg/h"), rel_tol=1e-9)
    return to(phase.rate, "mg/h"), steps


def _infusion(draw: _Draw, regimen: _Phased) -> tuple[int, Quantity, list[Line], list[tuple[str, Quantity]]]:
    """An infusion phase drawn from the card, its rate in mg/h and steps, and the errors of the conversion:
    mcg taken as mg, the weight left out."""
    number = draw.rng.choice(_converted_infusions(regimen.card))
    rate, steps = _infusion_steps(regimen, number)
    written: Quantity = regimen.figures.phases[number - 1].phase.rate_per_kg
    errors: list[tuple[str, Quantity]] = []
    if _in_micrograms(written):
        errors.append(("mcg taken as mg (1000 times too much)", rate * 1000.0))
    errors.append(("the weight left out (per kg, not for this patient)", (written * quantity(1.0, "kg")).to("mg/h")))
    return number, rate, steps, errors


def _infusion_rate(draw: _Draw) -> _Made:
    """An infusion's rate per kg (mcg/kg/min as written) for this patient in mg/h: x kg, x 60 min/h, / 1000."""
    regimen = _phased(draw)
    number, rate, steps, errors = _infusion(draw, regimen)
    return regimen.made("At what rate does the infusion run, in mg/h?", ("rate", "mg/h", rate), steps, number, errors)


def _infusion_pump_rate(draw: _Draw) -> _Made:
    """The infusion's pump rate: its rate in mg/h (as above), / a strength the draw chooses."""
    strength = _strength(draw)
    regimen = _phased(draw, concentration=strength)
    number, rate, steps, errors = _infusion(draw, regimen)
    conc = to(strength.value, "mg/mL")
    pump, divided = _worked(rate, ("pump_rate", "/", conc, "mL/h"))
    question = (
        f"The infusion is made up as a solution of {_concentration_text(strength)}. What is its pump rate, in mL/h?"
    )
    errors = [
        *((text, quotient(value, conc, "mL/h")) for text, value in errors),
        ("the rate in mg/h given instead of the pump rate", _of(rate, "mL/h")),
        ("multiplied by the concentration instead of dividing", _of(rate * conc, "mL/h")),
    ]
    return regimen.made(question, ("pump_rate", "mL/h", pump), [*steps, *divided], number, errors, strength)


def _session_total(draw: _Draw) -> _Made:
    """The dose of a session across its phases: each bolus (mg/kg x kg) + each infusion's rate x its time, as
    the calculation traces it (pounds to kg first at level 3)."""
    regimen = _phased(draw, pounds=draw.level == 3)
    figures = regimen.figures
    infusions = iter(_phase_numbers(regimen.card, InfusionPhase))
    steps: list[Line] = []
    for step in figures.steps:
        if step.figure == "rate":  # a rate per kg: shown converted step by step, as the infusion-rate problems do
            if dict(step.terms[0].unit_items()).get("kilogram") == -1:  # its first step (x kg), not its conversion
                steps += _infusion_steps(regimen, next(infusions))[1]
        elif step.figure in ("bolus", "phase_dose", "total_dose"):
            steps.append(step)
    boluses = sum((p.amount for p in figures.phases if p.kind == "bolus"), quantity(0.0, "mg"))
    errors = [("the bolus left out of the total", (figures.total_dose - boluses).to("mg"))]
    in_mcg = [p.amount for p in figures.phases if p.kind == "infusion" and _in_micrograms(p.phase.rate_per_kg)]
    if in_mcg:  # the infusions written in mcg read as mg: each of their amounts 1000 times over
        extra = sum(in_mcg, quantity(0.0, "mg")) * 999.0
        errors.append(("mcg taken as mg in the infusion (1000 times too much)", (figures.total_dose + extra).to("mg")))
    last_rate = figures.phases[-1].rate
    if last_rate is not None:
        errors.append(("the infusion's rate in mg/h given instead of the total", _of(to(last_rate, "mg/h"), "mg")))
    if regimen.weight.pounds is not None:
        as_kg = calculate(make_plan(regimen.card, regimen.what_if), quantity(regimen.weight.pounds, "kg"))
        errors.append(("the weight in pounds used as kilograms", to(as_kg.total_dose, "mg")))
        for words, kg in regimen.weight.slips:
            slip = calculate(make_plan(regimen.card, regimen.what_if), kg)
            errors.append((words, to(slip.total_dose, "mg")))
    question = "What is the total dose of the session, bolus and infusion together, in mg?"
    return regimen.made(question, ("total_dose", "mg", to(figures.total_dose, "mg")), steps, 0, errors)


# ---- the kinds, their levels, and the cards each can be made from ------------------------------------------


class Kind(NamedTuple):
    """A kind of problem at a level: its stable id, the cards it can be made from, and its maker."""

    id: str
    level: int
    allows: Callable[[Card], bool] | None  # None: made without a card
    make: Callable[[_Draw], _Made]


def _kinds(*names: str) -> Callable[[Card], bool]:
    return lambda card: card.kind in names


def _uncapped_total(card: Card) -> bool:
    return card.kind == "fixed-total" and card.max_rate is None


KINDS: tuple[Kind, ...] = (
    Kind("dose", 1, _kinds("fixed-rate"), _dose),
    Kind("rate", 1, _kinds("fixed-total"), _rate_of_total),
    Kind("dose-from-mg-kg", 1, lambda card: card.kind == "weight-based-total", _dose_from_mg_kg),
    Kind("rate-from-mg-kg-h", 1, _kinds("weight-based-rate"), _rate_of_weight),
    Kind("concentration", 1, None, _concentration),
    Kind("pump-rate", 1, _kinds("fixed-rate"), _pump_rate),
    Kind("volume", 1, _uncapped_total, _volume),
    Kind("mg-per-min", 1, _kinds("fixed-rate"), _mg_per_min),
    Kind("time-to-infuse", 1, None, _time_to_infuse),
    Kind("course-total", 1, _uncapped_total, _course_total),
    Kind("dose", 2, _kinds("weight-based-rate"), _dose),
    Kind("rate", 2, _kinds("weight-based-total"), _rate_of_total),
    Kind("pump-rate", 2, lambda card: _uncapped_total(card) or card.kind == "weight-based-rate", _pump_rate),
    Kind("volume", 2, _kinds("fixed-rate"), _volume),
    Kind("mcg-kg-min", 2, _kinds("weight-based-rate"), _mcg_kg_min),
    Kind("dose-over-minutes", 2, _kinds("fixed-rate"), _dose_over_minutes),
    Kind("course-total", 2, _kinds("fixed-rate"), _course_total),
    Kind("pump-rate-from-mg-min", 2, None, _pump_rate_from_order),
    Kind("drip-rate", 3, _kinds(*RATE_KINDS, "fixed-total", "weight-based-total"), _drip_rate),
    Kind("pump-rate-from-lb", 3, _kinds("weight-based-rate", "weight-based-total"), _pump_rate),
    Kind("course-total", 3, _kinds("weight-based-rate", "weight-based-total"), _course_total),
    Kind("mcg-kg-min-from-pump-rate", 3, _kinds("weight-based-rate"), _mcg_kg_min_from_pump),
    Kind("pump-rate-from-mcg-kg-min", 3, None, _pump_rate_from_mcg_kg_min),
    Kind("bolus-dose", 1, lambda card: bool(_phase_numbers(card, BolusPhase)), _bolus_dose),
    Kind("infusion-rate", 2, lambda card: bool(_converted_infusions(card)), _infusion_rate),
    Kind("infusion-pump-rate", 3, lambda card: bool(_converted_infusions(card)), _infusion_pump_rate),
    Kind("session-total", 3, _bolus_then_infusion, _session_total),
)


check_kinds((kind.id, kind.level, kind.make.__name__) for kind in KINDS)


def deck(cards: Sequence[Card], level: int) -> list[Kind]:
    """The kinds of problem at ``level`` that ``cards`` allow, in the table's order (none without cards: a
    sheet is made from cards, even where some of its problems need none)."""
    if not cards:
        return []
    return [kind for kind in KINDS if kind.level == level and (kind.allows is None or any(map(kind.allows, cards)))]


def _kind(kinds: tuple[Kind, ...], seed: int, level: int, index: int) -> Kind:
    """The ``index``-th kind drawn at ``level`` (from 0) from the level's deck ``kinds``: decks shuffled by the
    seed, drawn in order."""
    cycle, place = divmod(index, len(kinds))
    return _shuffled(kinds, seed, level, cycle)[place]


@functools.lru_cache(maxsize=64)
def _shuffled(kinds: tuple[Kind, ...], seed: int, level: int, cycle: int) -> tuple[Kind, ...]:
    """The deck's ``cycle``-th shuffle (from 0) by the seed: kept, as the positions of a cycle share it."""
    shuffled = list(kinds)
    random.Random(f"dosecalc deck {seed} {level} {cycle}").shuffle(shuffled)
    return tuple(shuffled)


# ---- one problem, and a sheet -------------------------------------------------------------------------------


def _method_line(step: Step, method: str, concentration: Concentration, computed: frozenset[tuple[str, str]]) -> str:
    """A pump-rate or volume step by the formula method (D/H x Q) or by ratio and proportion."""
    name = words.FIGURE_NAMES.get(step.figure, step.figure)
    if concentration.amount is not None and concentration.volume is not None:
        have, volume = concentration.amount, concentration.volume
    else:
        have, volume = quantity(_in(concentration.value, "mg/mL"), "mg"), quantity(1.0, "mL")
    want = words.step_term(step.terms[0], step.figure, computed)
    h, q = words.step_term(have, step.figure), words.step_term(volume, step.figure)
    result = words.step_text(step, computed, tables=False).rsplit(" = ", 1)[1]
    if method == "formula":
        return f"{name}: ({want} \u00f7 {h}) \u00d7 {q} = {result}"
    return f"{name}: {h} : {q} = {want} : x {words.unit_label(step.result)}, x = {result}"


def _lines(steps: Sequence[Line], method: str, concentration: Concentration | None) -> tuple[str, ...]:
    """The worked steps in words, the pump-rate and volume steps by the sheet's method."""
    computed: set[tuple[str, str]] = set()
    lines = []
    for step in steps:
        if isinstance(step, str):
            lines.append(step)
            continue
        if method != "dimensional" and concentration is not None and step.figure in ("pump_rate", "volume"):
            lines.append(_method_line(step, method, concentration, frozenset(computed)))
        else:
            lines.append(words.step_text(step, frozenset(computed), tables=False))
        computed.add(words.step_key(step.result))
    return tuple(lines)


def _draw(
    kind: Kind, rng: random.Random, cards: Sequence[Card], level: int, convention: Convention, taken: set[str]
) -> _Made | None:
    """A problem of ``kind`` from ``rng``: drawn again (the card too) while its answer rounds to nothing (a slow
    infusion through a 10 gtt/mL set: 0.28 gtt/min, "0 gtt/min", asks nothing a sheet can mark) or falls
    outside the range of its unit (:data:`ANSWER_RANGES`: a gravity drip of 2 gtt/min), or its question is one
    another sheet of the set already has at this position; ``None`` when the kind gives none within its
    draws."""
    allows = kind.allows
    allowed = [] if allows is None else [card for card in cards if allows(card)]
    unfit = same = 0
    while unfit < _DRAWS and same < _SAME_DRAWS:
        card = None if allows is None else rng.choice(allowed)
        made = kind.make(_Draw(rng, card, convention, level))
        answer = rounded(_in(made.exact, made.unit), convention.places(made.unit))
        low, high = ANSWER_RANGES.get(made.unit, (0.0, math.inf))
        if answer <= 0 or not low <= answer <= high:
            unfit += 1
        elif made.question in taken:
            same += 1
        else:
            return made
    return None


def _position(
    cards: Sequence[Card],
    kinds: tuple[Kind, ...],
    deal: int,
    seeds: Sequence[int],
    number: int,
    level: int,
    index: int,
    convention: Convention,
    field: str,
) -> list[tuple[Kind, _Made]]:
    """Problem ``number`` of each sheet of a set (one seed a sheet), all of one kind: the kind dealt by
    ``deal``, each sheet's numbers drawn from its own seed, no two questions alike. When the kind gives no
    problem for some sheet (every draw rounds to nothing, or repeats another sheet's), the level's other kinds
    are tried in turn for every sheet, each sheet's random stream going on, so problem N stays the same for
    any count. ``kinds`` is the level's deck (:func:`deck`). Raises :class:`DoseCalcError` when the cards give
    nothing else."""
    first = _kind(kinds, deal, level, index)
    rngs = [random.Random(f"dosecalc problem {seed} {number}") for seed in seeds]
    at = kinds.index(first)
    for kind in (*kinds[at:], *kinds[:at]):
        made: list[tuple[Kind, _Made]] = []
        taken: set[str] = set()
        for rng in rngs:
            one = _draw(kind, rng, cards, level, convention, taken)
            if one is None:
                break
            taken.add(one.question)
            made.append((kind, one))
        else:
            return made
    if len(seeds) == 1:
        low, high = ANSWER_RANGES["gtt/min"]
        raise DoseCalcError(
            f"problem {number} of seed {deal}: every problem of level {level} these cards give rounds to 0 at the "
            f"sheet's step (or is a drip rate outside {low:g} to {high:g} gtt/min); give cards of larger doses, or "
            "another level",
            field="regimens_dir",
        )
    raise DoseCalcError(
        f"problem {number}: no kind of problem of level {level} these cards give has {len(seeds)} different "
        "questions, one for each variant; fewer variants, another level, or more cards",
        field=field,
    )


def _problem(kind: Kind, made: _Made, number: int, level: int, convention: Convention) -> Problem:
    unit, places = made.unit, convention.places(made.unit)
    exact = _in(made.exact, unit)
    answer = rounded(exact, places)
    errors: list[tuple[str, float]] = []
    for text, value in made.errors:
        wrong = _in(value, unit)
        if rounded(wrong, places) != answer and all(rounded(wrong, places) != rounded(v, places) for _, v in errors):
            errors.append((text, wrong))
    factors = sum(1 for step in made.steps if isinstance(step, Step) and set(step.operators) & {"x", "/"})
    lines = _lines(made.steps, convention.method, made.concentration)
    return Problem(
        number,
        level,
        kind.id,
        made.regimen,
        made.question,
        made.figure,
        unit,
        exact,
        answer,
        convention.step(unit),
        factors,
        (*lines, *_final(lines, exact, unit, convention.step(unit))),
        made.inputs,
        tuple(errors),
    )


def levels(cards: Sequence[Card]) -> list[int]:
    """The levels the cards allow: those with at least one kind of problem."""
    return [level for level in (1, 2, 3) if deck(cards, level)]


def generate(cards: Sequence[Card], count: int, seed: int, level: int | None, convention: Convention) -> list[Problem]:
    """``count`` problems for ``seed``; without a level, the levels the cards allow in turn (1, 2, 3).

    Raises :class:`DoseCalcError` (field ``level``) when no card allows a problem of the level asked."""
    return generate_set(cards, count, seed, [seed], level, convention)[0]


def generate_set(
    cards: Sequence[Card],
    count: int,
    deal: int,
    seeds: Sequence[int],
    level: int | None,
    convention: Convention,
    *,
    field: str = "variants",
) -> list[list[Problem]]:
    """The sheets of a set, one for each of ``seeds``, as R/exams makes variants: problem N is the same kind
    (the same template, the same level) on every sheet, dealt by ``deal``; its numbers come from each sheet's
    own seed, and no two sheets have the same question at a position. With one seed equal to ``deal``, the
    sheet :func:`generate` makes.

    Raises :class:`DoseCalcError` (field ``level``) when no card allows a problem of the level asked, or
    (``field``) when the cards give too few different problems for so many sheets."""
    return [word(sheet, convention) for sheet in draw_set(cards, count, deal, seeds, level, convention, field=field)]


class Drawn(NamedTuple):
    """A problem drawn but not yet written out: its kind, what its maker made, its number and level."""

    kind: Kind
    made: _Made
    number: int
    level: int


def word(drawn: Sequence[Drawn], convention: Convention) -> list[Problem]:
    """The problems of one sheet of :func:`draw_set`, written out: the answers rounded by the sheet's rule, the
    worked steps in words, the common errors that give another answer. Nothing here can fail or draw a random
    number, so a sheet's problems may be written out when first read (a page that shows only the sheets' codes
    never writes them), and are the same whenever they are."""
    return [_problem(one.kind, one.made, one.number, one.level, convention) for one in drawn]


def draw_set(
    cards: Sequence[Card],
    count: int,
    deal: int,
    seeds: Sequence[int],
    level: int | None,
    convention: Convention,
    *,
    field: str = "variants",
) -> list[list[Drawn]]:
    """The problems of the sheets :func:`generate_set` makes, drawn (every check that can refuse the set is
    made here) but not written out: :func:`word` writes each sheet's."""
    if level is not None and not deck(cards, level):
        card_kinds = ", ".join(sorted({card.kind for card in cards})) or "none"
        raise DoseCalcError(
            f"no problem of level {level} can be made from these cards (kinds: {card_kinds}); "
            "give cards of another kind, or another level",
            field="level",
        )
    allowed = [level] if level is not None else levels(cards)
    if not allowed:
        raise DoseCalcError("no problem can be made without regimen cards", field="level")
    decks = {at: tuple(deck(cards, at)) for at in allowed}
    columns = []
    for number in range(1, count + 1):
        at = allowed[(number - 1) % len(allowed)]
        index = (number - 1) // len(allowed)
        made = _position(cards, decks[at], deal, seeds, number, at, index, convention, field)
        columns.append([Drawn(kind, one, number, at) for kind, one in made])
    return [[column[sheet] for column in columns] for sheet in range(len(seeds))]


#: Answers that are no amount of a drug (a time, a weight) are written to the place asked, a trailing zero and
#: all: "3.0 h" where 0.1 h is asked. The rule of no trailing zero guards a dose (5.0 mg read as 50 mg); a key
#: asked to 0.1 h shows that place, as the student is asked to write it. Doses, rates, volumes, strengths and
#: drips keep the rule: "23 mg", which equals 23.0 mg at the asked place.
TO_THE_PLACE = frozenset({"h", "kg"})


def answer_number(value: float, unit: str, places: int) -> str:
    """An answer's number as the key writes it: rounded half up to ``places``, with no trailing zero, but written
    to that place for a unit of :data:`TO_THE_PLACE` (``3.0`` h)."""
    if unit in TO_THE_PLACE:
        return f"{numbers.round_half_up(value, places):,f}"
    return numbers.number(value, places)


def answer_text(problem: Problem) -> str:
    """The key's answer as a person reads it: ``10.9 mL/h``, ``3.0 h``."""
    return f"{answer_number(problem.answer, problem.unit, problem.places)} {problem.unit}"


def _final(lines: Sequence[str], exact: float, unit: str, step: Decimal) -> tuple[str, ...]:
    """The last step of a key: the answer rounded half up to the sheet's own place for its unit, as the key
    writes it (``answer, rounded half up to 1 mL/h: 90.84 mL/h ≈ 91 mL/h``); none when the exact answer needs
    no rounding and the last step already ends with it so written (``= 132 mL``, a binding cap's ``(25 mg/h)``)."""
    places = places_of(step)
    shown = f"{answer_number(exact, unit, places)} {unit}"
    at = f"{format(step.normalize(), 'f')} {unit}"
    key = numbers.round_half_up(exact, places)
    if Decimal(f"{exact:.12g}") == key:
        if lines and lines[-1].endswith((f"= {shown}", f"({shown})")):
            return ()
        return (f"answer, written to {at}: {shown}",)
    return (f"answer, rounded half up to {at}: {_carried(exact, unit, key, places)} {unit} \u2248 {shown}",)


def _carried(exact: float, unit: str, key: Decimal, places: int) -> str:
    """The exact answer as the steps show a figure on the way, with more places where that figure would round
    to another answer than the exact value does (2.7449 h, not 2.745 h, where 2.7 h is the key) or would show
    no rounding at all (4.004 gtt/min, not 4 gtt/min)."""
    first = numbers.intermediate(exact, unit) if numbers.has_rule(unit) else numbers.number(exact, 4)
    for shown in (first, *(numbers.number(exact, more) for more in range(places + 1, 13))):
        value = Decimal(shown.replace(",", ""))
        if value != key and numbers.round_half_up(float(value), places) == key:
            return shown
    return numbers.number(exact, 12)
