"""The numbers that charts show, computed once below every writer: rate by weight (with where each cap starts
to bind and where two regimens cross), cumulative dose over a session, one regimen's schedule, and plasma
concentration on a grid fine enough for its peaks.

Every number comes from the engine (:func:`dosecalc.dosing.calculate`, :func:`dosecalc.schedules.build_schedule`,
:func:`dosecalc.pk.simulate` and :func:`dosecalc.pk.chart_concentration`); :mod:`dosecalc.render.charts`
(matplotlib) and :mod:`dosecalc.render.figures` (SVG) only draw what is here. Arrays are plain floats in the unit
their name gives (``kg``, ``h``, ``mg/h``, ``mg``, ``ng/mL``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .dosing import Plan, calculate
from .schedules import build_schedule
from .units import Q_, Quantity

#: Time step of the curves drawn from schedules.
CHART_STEP = Q_(5.0, "min")


class Crossing(NamedTuple):
    weight: Quantity  # kg
    rate: Quantity  # mg/h
    between: tuple[str, str]


class Curve(NamedTuple):
    """One line of a chart: its label and its points (``x`` and ``y`` as plain floats)."""

    label: str
    x: Any
    y: Any


class RateLine(NamedTuple):
    """One regimen's rate (mg/h) at each weight of the grid, its cap (mg/h) and the weight (kg) from which the
    cap binds, when it does inside the range."""

    regimen: str
    rate_mg_h: Any
    cap_mg_h: float | None
    cap_binds_from_kg: float | None


class RateByWeight(NamedTuple):
    """What the rate-by-weight chart shows: a weight grid (kg), a line per regimen, their crossings, and the
    patient's weight (kg) with each regimen's rate (mg/h) there, when a patient is marked."""

    weights_kg: Any
    lines: list[RateLine]
    crossings: list[Crossing]
    patient_kg: float | None
    patient_rates_mg_h: list[float]


def rate_at(plan: Plan, kg: float) -> float:
    """The plan's rate (mg/h) for a patient of ``kg``."""
    return float(calculate(plan, Q_(kg, "kg")).rate.to("mg/h").magnitude)


def crossings(plans: Sequence[Plan], low: float, high: float) -> list[Crossing]:
    """Weights (kg) where two regimens give the same rate, found on a fine grid and refined by bisection
    on the engine's own figures. Rates equal but for rounding (0.6 mg/kg/h and 10 mcg/kg/min, within a relative
    1e-12, as :func:`_same_line` takes them) are the same line, never a crossing."""
    grid = np.linspace(low, high, 2001)
    rates = [calculate(plan, Q_(grid, "kg")).rate.to("mg/h").magnitude for plan in plans]
    found: list[Crossing] = []
    for i in range(len(plans)):
        for j in range(i + 1, len(plans)):
            gap = np.where(np.isclose(rates[i], rates[j], rtol=1e-12, atol=0.0), 0.0, rates[i] - rates[j])
            sign = np.sign(gap)
            # equal at one weight of the grid, one above and the other below on either side: they cross there
            # (equal over a stretch, as two lines at one cap, is no point where they cross)
            weights = [float(grid[k]) for k in np.flatnonzero((sign[1:-1] == 0) & (sign[:-2] * sign[2:] < 0)) + 1]
            for k in np.flatnonzero(sign[:-1] * sign[1:] < 0):
                a, b = float(grid[k]), float(grid[k + 1])
                for _ in range(60):
                    middle = (a + b) / 2
                    diff = rate_at(plans[i], middle) - rate_at(plans[j], middle)
                    if np.sign(diff) == np.sign(gap[k]):
                        a = middle
                    else:
                        b = middle
                weights.append((a + b) / 2)
            pair = (plans[i].card.id, plans[j].card.id)
            found.extend(Crossing(Q_(kg, "kg"), Q_(rate_at(plans[i], kg), "mg/h"), pair) for kg in sorted(weights))
    return found


def cap_start(plan: Plan, low: float, high: float) -> Quantity | None:
    """The weight (kg) from which the plan's cap binds, by bisection on the engine's uncapped rate;
    None when it does not bind inside the range or binds throughout."""
    if plan.cap is None:
        return None

    def binds(kg: float) -> bool:
        return bool(calculate(plan, Q_(kg, "kg")).cap_binds)

    if binds(low) or not binds(high):
        return None
    a, b = low, high
    for _ in range(60):
        middle = (a + b) / 2
        a, b = (a, middle) if binds(middle) else (middle, b)
    return Q_((a + b) / 2, "kg")


def rate_by_weight(
    plans: Sequence[Plan], low: float = 40.0, high: float = 150.0, patient: Quantity | None = None
) -> RateByWeight:
    """Rate (mg/h) of each regimen from ``low`` to ``high`` kg on a 221-point grid, with caps, where each starts
    to bind and the crossings; the patient's weight and rates when a patient is given."""
    weights = np.linspace(low, high, 221)
    lines: list[RateLine] = []
    distinct: list[Plan] = []
    for plan in plans:
        figures = calculate(plan, Q_(weights, "kg"))
        cap = None if plan.cap is None else float(plan.cap.to("mg/h").magnitude)
        start = cap_start(plan, low, high) if plan.cap is not None else None
        line = RateLine(
            plan.card.id, figures.rate.to("mg/h").magnitude, cap, None if start is None else float(start.magnitude)
        )
        same = next((i for i, known in enumerate(lines) if _same_line(known, line)), None)
        if same is None:
            lines.append(line)
            distinct.append(plan)
        else:  # one line drawn over another would hide it: one line, named for both
            lines[same] = lines[same]._replace(regimen=f"{lines[same].regimen} = {line.regimen}")
    kg = None if patient is None else float(patient.to("kg").magnitude)
    rates = [] if kg is None else [rate_at(plan, kg) for plan in distinct]
    return RateByWeight(weights, lines, crossings(distinct, low, high), kg, rates)


def _same_line(a: RateLine, b: RateLine) -> bool:
    return (
        a.cap_mg_h == b.cap_mg_h
        and a.cap_binds_from_kg == b.cap_binds_from_kg
        and bool(np.allclose(a.rate_mg_h, b.rate_mg_h, rtol=1e-12, atol=0.0))
    )


def _from_zero(label: str, hours: Any, doses: Any) -> Curve:
    """A cumulative curve that starts at 0 mg: a bolus given at the start shows as a jump at 0 h."""
    if len(doses) and doses[0] > 0:
        return Curve(label, np.concatenate(([0.0], hours)), np.concatenate(([0.0], doses)))
    return Curve(label, hours, doses)


def cumulative(plans: Sequence[Plan], weight: Quantity, step: Quantity = CHART_STEP) -> list[Curve]:
    """Cumulative dose (mg) against time (h) over one session of each regimen, from 0 mg."""
    curves = []
    for plan in plans:
        schedule = build_schedule(calculate(plan, weight), step)
        hours = schedule.time.to("h").magnitude
        curves.append(_from_zero(plan.card.id, hours, schedule.cumulative_dose.to("mg").magnitude))
    return curves


def by_length(curves: Sequence[Curve], ratio: float = 4.0) -> list[list[Curve]]:
    """Curves grouped so that within a group the longest lasts at most ``ratio`` times the shortest: a 4-day
    infusion drawn beside 4-hour ones would squeeze them into a corner, so it gets a panel of its own."""
    groups: list[list[Curve]] = []
    for curve in sorted(curves, key=lambda c: float(c.x[-1])):
        if groups and float(curve.x[-1]) <= ratio * float(groups[-1][0].x[-1]):
            groups[-1].append(curve)
        else:
            groups.append([curve])
    order = {curve.label: index for index, curve in enumerate(curves)}
    return [sorted(group, key=lambda c: order[c.label]) for group in groups]


class Bolus(NamedTuple):
    """A dose given at once: when (h from the start) and how much (mg)."""

    hours: float
    mg: float


def schedule(plan: Plan, weight: Quantity, step: Quantity = CHART_STEP) -> tuple[Curve, Curve, list[Bolus]]:
    """One regimen over its infusion: rate (mg/h) and cumulative dose (mg, from 0) against time (h), and the
    doses given at once (a bolus has no rate to draw)."""
    figures = calculate(plan, weight)
    found = build_schedule(figures, step)
    hours = found.time.to("h").magnitude
    boluses = [
        Bolus(float(phase.start.to("h").magnitude), float(phase.amount.to("mg").magnitude))
        for phase in figures.phases
        if phase.at_once
    ]
    return (
        Curve(plan.card.id, hours, found.rate.to("mg/h").magnitude),
        _from_zero(plan.card.id, hours, found.cumulative_dose.to("mg").magnitude),
        boluses,
    )


def concentration(runs: Sequence[Any]) -> list[Curve]:
    """Predicted plasma concentration (ng/mL) against time (h) of each simulated regimen, on a grid of its own,
    fine enough for the curve's shape and holding every session's start and end, whatever the step of the
    simulation's table: joining 6-hourly rows would cut the peaks off."""
    from .pk import chart_concentration

    curves = []
    for run in runs:
        end = float(run.simulation.time.to("h").magnitude[-1])
        breaks, _ = run.course.pieces()
        hours = np.union1d(np.linspace(0.0, end, 1201), breaks[breaks / 60.0 <= end] / 60.0)
        curves.append(
            Curve(run.figures.regimen, hours, chart_concentration(run.model, run.figures.weight, run.course, hours))
        )
    return curves
