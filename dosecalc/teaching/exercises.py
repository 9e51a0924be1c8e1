"""Exercise sets: reproducible dosage-calculation problems from the regimen cards, with answer keys.

Problems are graded by the number of factors in their dimensional-analysis chain:

* level 1, one factor: the dose of a session from a fixed rate (rate x time), or the rate of a fixed
  total (total / time);
* level 2, two factors: a weight-based rate to a dose per session (mg/kg/h x kg x h), or any rate to a
  pump rate (mg/h / mg/mL, after a weight or total step);
* level 3, three or more: pounds to kilograms to mg/h to mL/h to gtt/min, or course totals.

Every answer and its worked steps come from :func:`dosecalc.dosing.calculate` with ``explain=True``;
the only arithmetic here is the course's pound convention (exact, or 2.2 lb/kg) and the final rounding.
The same seed gives the same set, byte for byte: ``random.Random(seed)`` and nothing machine-dependent.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from ..dosing import Step, WhatIf, calculate, make_plan
from ..errors import DoseCalcError
from ..regimens import Card, documented_dose
from ..render import numbers, words
from ..units import Q_, Quantity, parse_concentration
from .sheets import Convention

PREPARATIONS = ("100 mg in 100 mL", "500 mg in 500 mL", "80 mg in 500 mL", "100 mg in 50 mL", "200 mg in 100 mL")
STRENGTHS = ("1 mg/mL", "2 mg/mL", "0.5 mg/mL", "0.16 mg/mL")
DROP_FACTORS = (10, 15, 20, 60)

# Which figures each figure is computed from: the chain of steps behind an answer.
_INPUTS = {
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
_UNITS = {
    "total_dose": "mg",
    "rate": "mg/h",
    "pump_rate": "mL/h",
    "volume": "mL",
    "drip_rate": "gtt/min",
    "course_total_dose": "mg",
}
_ASKS = {
    "total_dose": "the dose in one session",
    "rate": "the infusion rate",
    "pump_rate": "the pump rate",
    "volume": "the volume infused in one session",
    "drip_rate": "the drip rate of a gravity set",
    "course_total_dose": "the total dose over the whole course",
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
        return max(0, -int(self.step.normalize().as_tuple().exponent))


def rounded(value: float, places: int) -> float:
    """An answer rounded by the sheet's rule (half up, :func:`dosecalc.render.numbers.round_half_up`)."""
    return float(numbers.round_half_up(value, places))


def _chain(steps: Sequence[Step], figure: str) -> list[Step]:
    """The steps behind ``figure``, in the order they were done."""
    wanted: set[str] = set()
    todo = [figure]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(_INPUTS.get(name, ()))
    return [step for step in steps if step.figure in wanted]


def _weight(rng: random.Random, in_pounds: bool, convention: Convention) -> tuple[str, Quantity, list[str]]:
    """A weight as written in the problem, in kg for the calculation, and its conversion step."""
    if not in_pounds:
        kg = rng.randint(450, 1200) / 10
        return f"{numbers.number(kg, 1)} kg", Q_(kg, "kg"), []
    lb = rng.randint(99, 265)
    if convention.pound_factor is not None:
        kg = lb / 2.2
        return f"{lb} lb", Q_(kg, "kg"), [f"weight: {lb} lb \u00f7 2.2 lb/kg = {numbers.intermediate(kg, 'kg')} kg"]
    return f"{lb} lb", Q_(lb, "lb"), []  # converted, with its step, by the calculation itself


def _cards(cards: Sequence[Card], kinds: Sequence[str]) -> list[Card]:
    return [card for card in cards if card.kind in kinds]


def _duration(rng: random.Random, card: Card) -> Quantity:
    """The documented duration, or a what-if of whole hours the card allows."""
    documented = float(card.duration.to("h").magnitude)
    low = 1.0 if card.minimum_duration is None else float(card.minimum_duration.to("h").magnitude)
    choices = [documented] + [float(h) for h in range(1, 9) if h >= low and h != documented]
    return Q_(rng.choice(choices), "h")


def _describe(card: Card, duration: Quantity) -> str:
    dose = numbers.documented_dose_text(documented_dose(card), card.kind)
    how = "for" if card.kind in ("fixed-rate", "weight-based-rate") else "spread evenly over"
    text = f"regimen {card.id} ({dose} {how} {numbers.duration(duration)}"
    if card.max_rate is not None:
        text += f", the rate capped at {numbers.show(card.max_rate, 'mg/h')}"
    return text + ")"


def _problem(rng: random.Random, number: int, level: int, cards: Sequence[Card], convention: Convention) -> Problem:
    fixed = _cards(cards, ("fixed-rate", "fixed-total"))
    weighted = _cards(cards, ("weight-based-rate", "weight-based-total"))
    pool = {1: fixed, 2: cards, 3: cards}[level]
    if not pool:
        raise DoseCalcError("level 1 needs a fixed-rate or fixed-total card", field="level")
    card = rng.choice(pool)
    duration = _duration(rng, card)
    weighs = card in weighted  # the patient's weight matters only to weight-based cards
    weight_text, weight, pre_steps = _weight(rng, weighs and level == 3, convention)
    concentration: str | None = None
    drop_factor: int | None = None
    sessions: int | None = None
    if level == 1:
        figure = "total_dose" if card.kind == "fixed-rate" else "rate"
    elif level == 2:
        figure = {
            "fixed-rate": "volume",
            "fixed-total": "pump_rate",
            "weight-based-rate": rng.choice(["total_dose", "pump_rate"]),
            "weight-based-total": "rate",
        }[card.kind]
        if figure in ("volume", "pump_rate"):
            concentration = rng.choice(STRENGTHS)
    elif weighs and rng.random() < 0.5:
        figure = "course_total_dose"
        sessions = card.sessions
    else:
        figure = "drip_rate"
        concentration = rng.choice(PREPARATIONS)
        drop_factor = rng.choice(DROP_FACTORS)
    what_if = WhatIf(
        duration=duration,
        concentration=None if concentration is None else parse_concentration(concentration),
        drop_factor=None if drop_factor is None else Q_(float(drop_factor), "gtt/mL"),
        sessions=sessions,
    )
    figures = calculate(make_plan(card, what_if), weight, explain=True)
    chain = _chain(figures.steps, figure)
    exact = float(getattr(figures, figure).to(_UNITS[figure]).magnitude)
    unit = _UNITS[figure]
    step = convention.step(unit)
    given = [f"a patient weighing {weight_text}" if weighs else None, _describe(card, duration)]
    if concentration is not None:
        given.append(f"a drug concentration of {concentration}")
    if drop_factor is not None:
        given.append(f"a gravity set of {drop_factor} gtt/mL")
    if sessions is not None:
        given.append(f"a course of {sessions} session(s)")
    question = "Given " + "; ".join(g for g in given if g) + f": what is {_ASKS[figure]} in {unit}?"
    step_texts = tuple(pre_steps + words.step_lines(chain))
    factors = sum(1 for text in step_texts if "\u00d7" in text or "\u00f7" in text)
    inputs: dict[str, object] = {
        "weight": weight_text if weighs else None,
        "duration_h": float(duration.to("h").magnitude),
        "concentration": concentration,
        "drop_factor": drop_factor,
        "sessions": sessions,
    }
    answer = rounded(exact, convention.places(unit))
    errors: list[tuple[str, float]] = []
    return Problem(
        number,
        level,
        figure.replace("_", "-"),
        card.id,
        question,
        figure,
        unit,
        exact,
        answer,
        step,
        factors,
        step_texts,
        inputs,
        tuple(errors),
    )


def generate(cards: Sequence[Card], count: int, seed: int, level: int | None, convention: Convention) -> list[Problem]:
    """``count`` problems for ``seed``; without a level, levels cycle 1, 2, 3 (2, 3 for weight-based cards only)."""
    rng = random.Random(seed)
    # Mixed sets cycle through the levels the cards allow: level 1 needs a fixed-rate or fixed-total card.
    levels = [1, 2, 3] if _cards(cards, ("fixed-rate", "fixed-total")) else [2, 3]
    return [
        _problem(rng, number, level if level is not None else levels[(number - 1) % len(levels)], cards, convention)
        for number in range(1, count + 1)
    ]


def answer_text(problem: Problem) -> str:
    """The key's answer as a person reads it: ``10.9 mL/h``."""
    return f"{numbers.number(problem.answer, problem.places)} {problem.unit}"
