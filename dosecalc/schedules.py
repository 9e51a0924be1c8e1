"""Time schedules: cumulative dose (and volume) at each step of one infusion.

The rate is constant through an infusion, so at elapsed time t: cumulative dose [mg] = rate [mg/h] x t [h];
with a concentration, cumulative volume [mL] = cumulative dose / concentration [mg/mL], and the pump rate
[mL/h] and drip rate [gtt/min] are those of the dose table. The last row is the end of the infusion exactly,
even when the step does not divide the duration, and its cumulative dose is the session's total dose.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .dosing import DoseFigures
from .errors import QuantityError
from .units import Q_, Quantity

#: Most rows a schedule may have; a finer step is refused rather than printed for minutes.
MAX_ROWS = 10_000
#: The steps a default is chosen from (minutes): a clock's round numbers.
_ROUND_STEPS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440)


def default_step(span: Quantity, shortest: Quantity, rows: int) -> Quantity:
    """The step of a table over ``span`` when none is given: the shortest round step (5, 15, 30 min, 1, 2, 4 h...)
    that is at least ``shortest`` and gives at most about ``rows`` rows, so that a 4-day infusion is not
    printed every 15 minutes (385 rows) while a 4-hour one keeps its 15-minute rows."""
    least = max(float(shortest.to("min").magnitude), float(span.to("min").magnitude) / rows)
    minutes = next((step for step in _ROUND_STEPS if step >= least), _ROUND_STEPS[-1])
    return Q_(float(minutes), "min")


class Schedule(NamedTuple):
    """A schedule as array quantities: one element per row, the first row being the start (t = 0)."""

    figures: DoseFigures
    step: Quantity
    time: Quantity
    rate: Quantity
    step_dose: Quantity
    cumulative_dose: Quantity
    cumulative_dose_per_kg: Quantity
    pump_rate: Quantity | None
    cumulative_volume: Quantity | None
    drip_rate: Quantity | None = None

    @property
    def rows(self) -> int:
        return len(self.time)


def step_count(duration: Quantity, step: Quantity) -> int:
    """Number of steps after the start: ceil(duration / step), where a ratio within 1e-9 of a whole
    number counts as that number (so 4 h in 15 min steps is 16 steps, not 17)."""
    ratio = float((duration / step).to("").magnitude)
    nearest = round(ratio)
    return max(1, nearest if math.isclose(ratio, nearest, rel_tol=1e-9) else math.ceil(ratio))


def check_rows(duration: Quantity, step: Quantity) -> int:
    """The steps of a schedule of one rate over ``duration`` (:func:`step_count`), or a refusal of ``step`` when
    they make more than :data:`MAX_ROWS` rows. Needs only the duration, so it is checked with the other
    arguments, before any figure is computed."""
    duration = duration.to("h")
    count = step_count(duration, step)
    if count + 1 > MAX_ROWS:
        raise QuantityError(
            f"gives {count + 1:,} rows for {duration.magnitude:g} h; the most is {MAX_ROWS:,}, so choose a larger step",
            field="step",
        )
    return count


def build_schedule(figures: DoseFigures, step: Quantity) -> Schedule:
    """Rows at 0, step, 2 x step, ... and at the end of the infusion (and, for a phased regimen, at every
    phase boundary)."""
    if figures.phases:
        return _phased_schedule(figures, step)
    duration = figures.duration.to("h")
    count = check_rows(duration, step)
    step_h = float(step.to("h").magnitude)
    hours = np.minimum(np.arange(count + 1, dtype=float) * step_h, duration.magnitude)
    hours[-1] = duration.magnitude
    time = Q_(hours, "h")
    rate = figures.rate.to("mg/h")
    cumulative = (rate * time).to("mg")
    cumulative.magnitude[-1] = figures.total_dose.to("mg").magnitude  # exactly the session total
    step_dose = Q_(np.diff(cumulative.magnitude, prepend=0.0), "mg")
    ones = np.ones_like(hours)
    pump_rate = cumulative_volume = drip_rate = None
    if figures.pump_rate is not None and figures.concentration is not None:
        pump_rate = figures.pump_rate.to("mL/h") * ones
        cumulative_volume = (cumulative / figures.concentration).to("mL")
    if figures.drip_rate is not None:
        drip_rate = figures.drip_rate.to("gtt/min") * ones
    return Schedule(
        figures=figures,
        step=step,
        time=time,
        rate=rate * ones,
        step_dose=step_dose,
        cumulative_dose=cumulative,
        cumulative_dose_per_kg=(cumulative / figures.weight).to("mg/kg"),
        pump_rate=pump_rate,
        cumulative_volume=cumulative_volume,
        drip_rate=drip_rate,
    )


def _phased_schedule(figures: DoseFigures, step: Quantity) -> Schedule:
    """A phased regimen's schedule: rows on the step's grid and at every phase boundary.

    At elapsed time t [h]: cumulative dose [mg] = the boluses given at once by t (a bolus at t counts at t) +
    the sum over constant-rate stretches (t0, t1, rate) of rate [mg/h] x the part of (t0, t1) before t; the rate
    of a row is the rate running from t on (at the end, the rate that ran up to it). So the cumulative dose is
    continuous across boundaries between stretches, jumps by a bolus's amount at its time, and ends on the
    session's total."""
    duration = float(figures.duration.to("h").magnitude)
    count = step_count(figures.duration.to("h"), step)
    step_h = float(step.to("h").magnitude)
    pieces = [(t0, t1, float(rate.to("mg/h").magnitude)) for ph in figures.phases for t0, t1, rate in ph.pieces]
    boluses = [(float(ph.start.to("h").magnitude), float(ph.amount.to("mg").magnitude)) for ph in figures.phases]
    boluses = [b for b, ph in zip(boluses, figures.phases, strict=True) if ph.at_once]
    bounds = {t for piece in pieces for t in piece[:2]} | {t for t, _ in boluses}
    grid = np.minimum(np.arange(count + 1, dtype=float) * step_h, duration)
    hours = np.union1d(grid, np.array(sorted(t for t in bounds if 0.0 <= t <= duration), dtype=float))
    hours = np.union1d(hours, [duration])
    if len(hours) > MAX_ROWS:
        raise QuantityError(
            f"gives {len(hours):,} rows for {duration:g} h; the most is {MAX_ROWS:,}, so choose a larger step",
            field="step",
        )
    cumulative = np.zeros_like(hours)
    rate = np.zeros_like(hours)
    for t0, t1, r in pieces:
        cumulative += r * np.clip(hours - t0, 0.0, t1 - t0)
        rate += np.where((hours >= t0) & (hours < t1), r, 0.0)
    for t, amount in boluses:
        cumulative += np.where(hours >= t, amount, 0.0)
    ending = [r for t0, t1, r in pieces if np.isclose(t1, duration, rtol=1e-12, atol=1e-12)]
    rate[-1] = ending[-1] if ending else 0.0
    cumulative[-1] = float(figures.total_dose.to("mg").magnitude)  # exactly the session total
    cumulative_q = Q_(cumulative, "mg")
    pump_rate = cumulative_volume = drip_rate = None
    if figures.concentration is not None:
        pump_rate = (Q_(rate, "mg/h") / figures.concentration).to("mL/h")
        cumulative_volume = (cumulative_q / figures.concentration).to("mL")
        if figures.drip_rate is not None and figures.plan.drop_factor is not None:
            drip_rate = (pump_rate * figures.plan.drop_factor).to("gtt/min")  # mL/h x gtt/mL / 60 min/h
    return Schedule(
        figures=figures,
        step=step,
        time=Q_(hours, "h"),
        rate=Q_(rate, "mg/h"),
        step_dose=Q_(np.diff(cumulative, prepend=0.0), "mg"),
        cumulative_dose=cumulative_q,
        cumulative_dose_per_kg=(cumulative_q / figures.weight).to("mg/kg"),
        pump_rate=pump_rate,
        cumulative_volume=cumulative_volume,
        drip_rate=drip_rate,
    )
