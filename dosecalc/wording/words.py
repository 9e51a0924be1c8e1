"""Words for people: the notes under a row and the worked steps, in dosecalc's display conventions.

Notes say what a reader must know about a figure (a what-if, a binding cap, the preparation used, the
card's own caveats); worked steps show the factor-label chain recorded by :func:`dosecalc.dosing.calculate`.
Both name no command-line option: the same words serve the command line, a notebook and the web page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..dosing import LIMIT_UNITS, DoseFigures, PhaseFigures, Plan, PlanCache, Step
from ..regimens import Card
from ..units import Quantity, magnitude_in
from . import numbers
from .numbers import clock, duration, has_rule, intermediate, number, rounded, show

#: Said under every schedule shown to people: students add up the rounded steps.
#: Where a terminal table that left columns out to fit sends its reader.
EVERY_COLUMN = "a wider terminal, or the Markdown format, shows every column"

ROUNDED_FOR_DISPLAY = (
    "Figures are rounded for display from unrounded values, so a cumulative figure may differ from the sum of "
    "the rounded figures above it."
)


def counted(count: int, noun: str) -> str:
    """``1 problem``, ``2 problems``, ``1,000 problems``: a count with its noun, singular for one.

    >>> counted(1, "problem"), counted(0, "variant"), counted(1200, "problem")
    ('1 problem', '0 variants', '1,200 problems')
    """
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def row_notes(figures: DoseFigures, brief: bool = False) -> list[str]:
    """What a reader must know about one row: what-ifs, a binding cap, the preparation used, and the
    card's own notes (including where its sources disagree), in full or, with ``brief``, each card note in its
    one-line form. For one patient (scalar figures)."""
    plan, card = figures.plan, figures.plan.card
    what_ifs, preparation, no_pump, briefs, fulls = _PLAN_NOTES.get(plan, lambda: _plan_notes(plan))
    notes = list(what_ifs)
    if figures.cap_binds and plan.cap is not None:
        note = (
            f"The {show(plan.cap, 'mg/h')} cap binds: uncapped rate {_beside(figures.uncapped_rate, plan.cap)} mg/h, "
            f"so the rate is {show(figures.rate, 'mg/h')}."
        )
        if card.kind in ("fixed-total", "weight-based-total"):
            needed = (figures.planned_total_dose / plan.cap).to("h")
            note += (
                f" The planned {show(figures.planned_total_dose, 'mg')} is not reached in {duration(plan.duration)};"
                f" at the cap it would take {duration(needed)}."
            )
        notes.append(note)
    notes.extend(preparation)
    conc = plan.concentration
    if (
        conc is not None
        and conc.volume is not None
        and figures.volume is not None
        and float(magnitude_in(figures.volume, "mL")) > float(magnitude_in(conc.volume, "mL")) * (1 + 1e-12)
    ):
        notes.append(
            f"One session needs {show(figures.volume, 'mL')}, more than one {show(conc.volume, 'mL')} preparation."
        )
    notes.extend(no_pump)
    notes.extend(slow_notes(figures))
    notes.extend(phase_notes(figures))
    notes.extend(limit_notes(figures, brief))
    if figures.outside_population and card.population is not None:
        notes.append(population_note(figures))
    notes.extend(briefs if brief else fulls)
    return notes


def _plan_notes(plan: Plan) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
    """The notes of :func:`row_notes` that depend on the plan alone, worked out once per plan: the what-ifs, the
    card's preparation used, no pump figures, and the card's own notes in brief and in full."""
    card = plan.card
    what_ifs: list[str] = []
    if plan.duration_is_what_if:
        what_ifs.append(f"What-if duration {duration(plan.duration)} (documented: {duration(card.duration)}).")
    if plan.sessions_is_what_if:
        what_ifs.append(f"What-if course of {plan.sessions} session(s) (documented: {card.sessions}).")
    if plan.what_if.no_cap and card.max_rate is not None:
        what_ifs.append(f"What-if: no rate cap; the card caps the rate at {show(card.max_rate, 'mg/h')}.")
    elif plan.what_if.max_rate is not None:
        card_cap = show(card.max_rate, "mg/h") if card.max_rate is not None else "none"
        what_ifs.append(f"What-if rate cap {show(plan.what_if.max_rate, 'mg/h')} (card's cap: {card_cap}).")
    conc = plan.concentration
    preparation = []
    if conc is not None and plan.concentration_from_card and conc.amount is not None and conc.volume is not None:
        preparation.append(
            f"Pump figures use the card's documented preparation: {show(conc.amount, 'mg')} in "
            f"{show(conc.volume, 'mL')} ({show(conc.value, 'mg/mL')})."
        )
    no_pump = []
    if conc is None and plan.drop_factor is not None:
        no_pump.append("No pump or drip figures: no concentration given and the card documents no preparation.")
    return what_ifs, preparation, no_pump, [note.short for note in card.notes], [note.text for note in card.notes]


_PLAN_NOTES: PlanCache[tuple[list[str], list[str], list[str], list[str], list[str]]] = PlanCache()
_PHASE_HEADS: PlanCache[tuple[str, ...]] = PlanCache()


def slow_notes(figures: DoseFigures) -> list[str]:
    """A pump rate below 1 mL/h or a drip rate below one drop a minute, said in words, so that a figure shown
    to 0.01 is not read as a rounding slip: ``0.44 gtt/min is below one drop a minute (one drop every 2.3
    min)``. For one patient (scalar figures)."""
    notes = []
    pump, drip = figures.pump_rate, figures.drip_rate
    if pump is not None and 0 < float(magnitude_in(pump, "mL/h")) < 1:
        notes.append(f"The pump rate, {show(pump, 'mL/h')}, is below 1 mL/h: shown to 0.01 mL/h, not 0.1.")
    if drip is not None and 0 < (per_min := float(magnitude_in(drip, "gtt/min"))) < 1:
        every = number(1 / per_min, 1)
        notes.append(
            f"The drip rate, {show(drip, 'gtt/min')}, is below one drop a minute (one drop every {every} min): "
            "shown to 0.01 gtt/min, not as whole drops."
        )
    return notes


def phase_notes(figures: DoseFigures) -> list[str]:
    """A phased regimen's phases, one line each, and its total: ``Phase 1 (0:00): bolus 0.5 mg/kg at once: 35 mg``.
    For one patient."""
    if not figures.phases:
        return []
    lines = []
    heads = _PHASE_HEADS.get(figures.plan, lambda: tuple(_phase_head(ph) for ph in figures.phases))
    for head, ph in zip(heads, figures.phases, strict=True):
        text = f"{head}{show(ph.amount, 'mg')}"
        if ph.rate is not None and ph.kind != "titration":
            text += f" at {show(ph.rate, 'mg/h')}"
        elif ph.kind == "titration":
            text += f", ending at {show(ph.rate, 'mg/h')}"  # type: ignore[arg-type]
        lines.append(text + ".")
    amounts = " + ".join(show(ph.amount, "mg") for ph in figures.phases)
    lines.append(f"Dose per session: {amounts} = {show(figures.total_dose, 'mg')} (the sum of its phases).")
    return lines


def _phase_head(ph: PhaseFigures) -> str:
    """The start of a phase's line, which depends on the plan alone: ``Phase 1 (0:00): bolus 0.5 mg/kg at once: ``."""
    start, end = (clock(float(magnitude_in(q, "h"))) for q in (ph.start, ph.end))
    when = start if ph.at_once else f"{start} to {end}"
    return f"Phase {ph.number} ({when}): {numbers.phase_text(ph.phase)}: "


def phase_summary(phase: PhaseFigures) -> str:
    """A phase's figures for one patient in a few words: ``bolus 35 mg at once``, ``42 mg/h for 3 h``."""
    length = duration(phase.end - phase.start)
    if phase.kind == "bolus":
        how = "at once" if phase.at_once else f"over {length}"
        return f"bolus {show(phase.amount, 'mg')} {how}"
    if phase.kind == "titration":
        return f"titration to {show(phase.rate, 'mg/h')} over {length}"  # type: ignore[arg-type]
    return f"{show(phase.rate, 'mg/h')} for {length}"  # type: ignore[arg-type]


def limit_notes(figures: DoseFigures, brief: bool = False) -> list[str]:
    """Each drug limit the figures cross (a soft limit: the figure stands, with its source); in brief, the
    figure and the limit on one line, the source left to the full notes (as the card's own notes are)."""
    drug = figures.plan.drug
    notes = []
    for crossing in figures.crossings:
        limit = crossing.limit
        unit = LIMIT_UNITS[limit.figure]
        where = "" if crossing.phase is None else f" in phase {crossing.phase}"
        note = (
            f"Above a {limit.level} limit for {drug.name if drug else 'this drug'}: the {limit.words}{where} is "
            f"{_significant(crossing.value, unit)} {unit}, above {show(limit.above, unit)}"
        )
        source = f' ({_first_author(limit.source.citation)}: "{limit.source.says}")'
        notes.append(f"{note}{'' if brief else source}.")
    return notes


def population_note(figures: DoseFigures) -> str:
    """The patient is outside the population the card's sources studied (a what-if, not a refusal)."""
    population = figures.plan.card.population
    assert population is not None
    kg = show(figures.weight, "kg")
    lightest, heaviest = population.lightest, population.max_weight
    if lightest is not None and figures.weight < lightest:
        bound = f"lighter than {show(lightest, 'kg')}"
        if population.min_weight is None:
            bound += (
                ", the lightest weight dosecalc treats as adult-sized (a teaching convention, not from the sources)"
            )
        else:
            bound += ", the lightest weight the sources studied"
    else:
        bound = f"heavier than {show(heaviest, 'kg')}, the heaviest weight the sources studied"  # type: ignore[arg-type]
    return (
        f"Outside the population studied: {population.studied}. This patient ({kg}) is {bound}; the figures are "
        "a what-if the sources do not describe."
    )


def _first_author(citation: str) -> str:
    """``Cohen SP et al.`` from a citation that lists its authors first, else the citation up to its first period."""
    head = citation.split(".")[0]
    return f"{head.split(',')[0]} et al." if "," in head else head


def _significant(q: Quantity, unit: str) -> str:
    return numbers.significant(float(magnitude_in(q, unit)))


def _beside(value: Quantity, other: Quantity) -> str:
    """``value`` in mg/h, shown with as many decimals as it takes to differ from ``other`` (at least the
    display rule's one): 25.0005 beside a 25 mg/h cap, where 0.1 would show 25 and 25."""
    a, b = float(magnitude_in(value, "mg/h")), float(magnitude_in(other, "mg/h"))
    for places in range(1, 10):
        if number(a, places) != number(b, places):
            return number(a, places)
    return number(a, 10)


_SYMBOLS = {
    "kilogram": "kg",
    "gram": "g",
    "pound": "lb",
    "milligram": "mg",
    "microgram": "mcg",
    "nanogram": "ng",
    "hour": "h",
    "minute": "min",
    "second": "s",
    "day": "d",
    "milliliter": "mL",
    "liter": "L",
    "drop": "gtt",
}
_BELOW_ORDER = {"kg": 0, "lb": 0, "g": 0, "mg": 0, "mL": 1, "L": 1, "d": 2, "h": 2, "min": 2, "s": 2}

#: What each traced figure is called in a worked step.
FIGURE_NAMES = {
    "weight": "weight",
    "rate": "rate",
    "planned_total": "planned total",
    "cap": "rate cap",
    "total_dose": "dose per session",
    "concentration": "concentration",
    "pump_rate": "pump rate",
    "volume": "volume per session",
    "drip_rate": "drip rate",
    "rate_per_kg": "rate per kg",
    "total_dose_per_kg": "dose per kg",
    "course_total_dose": "course total",
    "bolus": "bolus dose",
    "bolus_rate": "bolus rate",
    "phase_dose": "dose in the phase",
}


def unit_label(q: Quantity) -> str:
    """The unit of a quantity the way dosecalc writes it: ``mg/kg/h``, ``gtt/min``, ``kg/lb``."""
    units = q._units
    label = _LABELS.get(units)
    if label is None:
        label = _LABELS[units] = _label(q)
    return label


#: The label of each pint unit seen, as :func:`unit_label` writes it: worked out once for each.
_LABELS: dict[Any, str] = {}


def _label(q: Quantity) -> str:
    items = [(name, round(float(power))) for name, power in q.unit_items()]  # type: ignore[arg-type]
    above = [_SYMBOLS[name] for name, power in items if power > 0 for _ in range(power)]
    below = sorted(
        (_SYMBOLS[name] for name, power in items if power < 0 for _ in range(-power)),
        key=lambda symbol: _BELOW_ORDER.get(symbol, 3),
    )
    return "/".join(["·".join(above) or "1", *below]) if below else "·".join(above)


#: Said with every list of worked steps: how their figures are shown.
STEPS_PRECISION = (
    "Figures on the way are shown to two places more than the tables (more where needed, so that rounding one "
    "gives the table's figure); each figure the tables show is also given as they round it."
)

#: The figures a dose table shows, rounded by the display rules, when a step computes them.
TABLE_FIGURES = frozenset(
    {
        "weight",
        "rate",
        "rate_per_kg",
        "total_dose",
        "total_dose_per_kg",
        "course_total_dose",
        "concentration",
        "pump_rate",
        "volume",
        "drip_rate",
    }
)

_Key = tuple[str, str]


def step_key(q: Quantity) -> _Key:
    return (f"{float(q.magnitude):.12g}", unit_label(q))


def step_number(value: float, unit: str = "", exact: bool = True) -> str:
    """A number in a worked step: a given figure exactly when it is short (0.45359237, 60, 154), anything
    else at the steps' precision for its unit (:func:`dosecalc.wording.numbers.intermediate`)."""
    text = repr(float(value))
    if exact and len(text.rstrip("0").rstrip(".")) <= 11 and "e" not in text:
        return number(value, 10)
    return intermediate(value, unit)


def step_term(q: Quantity, figure: str, computed: frozenset[_Key] = frozenset()) -> str:
    """A term of a step with its unit; a figure computed by an earlier step at the steps' precision."""
    unit = unit_label(q)
    shown = step_number(float(q.magnitude), unit, exact=step_key(q) not in computed)
    if not unit:
        if figure == "course_total_dose":
            return f"{shown} session{'' if float(q.magnitude) == 1 else 's'}"
        return shown
    return f"{shown} {unit}"


def _result(step: Step, tables: bool = True) -> str:
    """A step's result at the steps' precision and, for a figure the tables show (unless ``tables`` is false),
    as they round it."""
    unit = unit_label(step.result)
    value = float(step.result.magnitude)
    shown = f"{intermediate(value, unit)} {unit}".rstrip()
    if not tables:
        return shown
    if step.figure in TABLE_FIGURES and has_rule(unit) and rounded(value, unit) != intermediate(value, unit):
        shown += f", rounded {rounded(value, unit)} {unit}"
    return shown


def step_lines(steps: Sequence[Step]) -> list[str]:
    """The worked steps in words and units, each figure computed earlier shown at the steps' precision."""
    computed: set[_Key] = set()
    lines = []
    for step in steps:
        lines.append(step_text(step, frozenset(computed)))
        computed.add(step_key(step.result))
    return lines


def step_text(step: Step, computed: frozenset[_Key] = frozenset(), *, tables: bool = True) -> str:
    """One worked step in words and units: ``rate: 0.35 mg/kg/h x 69.853 kg = 24.449 mg/h, rounded 24.4 mg/h``.
    ``computed`` holds the figures of earlier steps (shown at the steps' precision, not as given). Without
    ``tables`` the result is not also given as the tables round it: a sheet's steps round only the final
    answer, to the sheet's own place (``rate: ... = 24.449 mg/h``)."""
    symbols = {"x": "\u00d7", "/": "\u00f7", ">": ">", "<=": "\u2264", "+": "+"}
    parts = [step_term(step.terms[0], step.figure, computed)] if step.terms else []
    for operator, term in zip(step.operators, step.terms[1:], strict=True):
        parts += [symbols[operator], step_term(term, step.figure, computed)]
    name = FIGURE_NAMES.get(step.figure, step.figure)
    if step.figure == "cap":
        text = f"{name}: {' '.join(parts)}: {step.comment} ({_result(step, tables)})"
    elif not step.operators:
        text = f"{name}: {step_term(step.result, step.figure)} ({step.comment})"
    else:
        text = f"{name}: {' '.join(parts)} = {_result(step, tables)}"
        if step.comment:
            text += f" ({step.comment})"
    return text


def regimens_heading(cards: Sequence[Card]) -> str:
    """The heading of a page of regimens, after the drugs present: ``Ketamine infusion regimens``; with several
    drugs, ``Infusion regimens (ketamine, lidocaine)``; one card naming no drug goes by its own title."""
    drugs = list(dict.fromkeys(card.drug for card in cards if card.drug is not None))
    if len(cards) == 1 and not drugs:
        return cards[0].title
    if len(drugs) == 1 and all(card.drug is not None for card in cards):
        return f"{drugs[0][:1].upper()}{drugs[0][1:]} infusion regimens"
    return "Infusion regimens" + (f" ({', '.join(drugs)})" if drugs else "")
