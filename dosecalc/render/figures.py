"""The handout's charts as SVG: rate by weight, cumulative dose over one session, predicted plasma
concentration. The numbers are :mod:`dosecalc.curves`' (the same as the ``plot`` command's matplotlib charts in
:mod:`dosecalc.render.charts` draw); the words on them are written here, with figures shown by the display
rules (:mod:`dosecalc.wording.numbers`); :mod:`dosecalc.render.svg` draws. Every chart carries the disclaimer,
so that a chart copied out of the handout still says what it is.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from .. import curves
from ..dosing import Plan
from ..units import Quantity
from ..wording import DISCLAIMER
from ..wording.numbers import rounded, show
from ..wording.words import regimens_heading
from . import svg

#: The weights the rate chart spans (kg): adults, as the handout's patients are.
LOW_KG, HIGH_KG = 40.0, 150.0
TIME_FROM_START = "Time from the start of the infusion (h)"


def _kg(value: float) -> str:
    return f"{rounded(value, 'kg')} kg"


def rate_by_weight(plans: Sequence[Plan], patient: Quantity | None = None) -> str:
    """Rate (mg/h) of each regimen from 40 to 150 kg, each cap (dotted, in its line's colour) with the weight
    from which it binds (a tick), the weights where two regimens give the same rate (numbered crosses, listed
    under the chart) and, when given, the patient's weight (a dashed line) and rates (dots)."""
    data = curves.rate_by_weight(plans, LOW_KG, HIGH_KG, patient)
    series, rules, marks = [], [], []
    for index, line in enumerate(data.lines):
        series.append(svg.Series(line.regimen, data.weights_kg.tolist(), line.rate_mg_h.tolist(), index))
        if line.cap_mg_h is not None:
            cap = line.cap_mg_h
            label = f"cap {rounded(cap, 'mg/h')} mg/h ({line.regimen})"
            rules.append(svg.Rule(label, y=cap, style=index, ident=f"rate-cap-{index + 1}"))
            if line.cap_binds_from_kg is not None:
                kg = line.cap_binds_from_kg
                marks.append(svg.Mark(kg, cap, "|", f"binds from {_kg(kg)}", ident=f"rate-cap-binds-{index + 1}"))
    listed = []
    for number, crossing in enumerate(data.crossings, 1):
        kg, rate = float(crossing.weight.magnitude), float(crossing.rate.magnitude)
        marks.append(svg.Mark(kg, rate, "x", str(number), ident=f"rate-crossing-{number}"))
        listed.append(f"{number}: {_kg(kg)} ({crossing.between[0]}, {crossing.between[1]})")
    if data.patient_kg is not None:
        rules.append(svg.Rule(f"patient {_kg(data.patient_kg)}", x=data.patient_kg, ident="rate-patient"))
        marks.extend(
            svg.Mark(data.patient_kg, rate, "o", ident=f"rate-patient-{number}")
            for number, rate in enumerate(data.patient_rates_mg_h, 1)
        )
    notes = textwrap.wrap("Equal rates (x): " + "; ".join(listed), svg.NOTE_WIDTH) if listed else []
    panel = svg.Panel(series, "Infusion rate (mg/h)", rules, marks, x_low=LOW_KG, x_exact=True, height=300)
    title = f"{regimens_heading([plan.card for plan in plans])}: rate by weight"
    return svg.figure([panel], "Patient weight (kg)", title, "rate-chart", [*notes, DISCLAIMER])


def cumulative(plans: Sequence[Plan], weight: Quantity) -> str:
    """Cumulative dose (mg) against time (h) over one session of each regimen; regimens of very different
    lengths get panels of their own (:func:`dosecalc.curves.by_length`), each regimen keeping its colour."""
    panels = _by_length(curves.cumulative(plans, weight), "Cumulative dose (mg)")
    title = f"{regimens_heading([plan.card for plan in plans])}: cumulative dose, one session, {show(weight, 'kg')}"
    return svg.figure(panels, TIME_FROM_START, title, "dose-chart", [DISCLAIMER])


def concentration(runs: Sequence[Any]) -> str:
    """Predicted plasma concentration (ng/mL) against time (h) of each simulated regimen, on the fine grid of
    :func:`dosecalc.curves.concentration` (every session's start and end among its points, so no peak is cut). The
    simulations share one time axis (they run to the same end), so they share one panel."""
    found = curves.concentration(runs)
    title = f"Predicted plasma concentration ({runs[0].model.id} model, a population estimate)"
    series = [svg.Series(c.label, c.x.tolist(), c.y.tolist(), index) for index, c in enumerate(found)]
    panels = [svg.Panel(series, "Plasma concentration (ng/mL)", height=280)]
    return svg.figure(
        panels, "Time from the start of the first session (h)", title, "concentration-chart", [DISCLAIMER]
    )


def _by_length(found: Sequence[curves.Curve], y_label: str) -> list[svg.Panel]:
    """A panel for each group of curves of like length (:func:`dosecalc.curves.by_length`), each curve keeping
    its colour from its place among them all."""
    styles = {curve.label: index for index, curve in enumerate(found)}
    groups = curves.by_length(found)
    height = 280 if len(groups) == 1 else 200
    return [
        svg.Panel(
            [svg.Series(c.label, c.x.tolist(), c.y.tolist(), styles[c.label]) for c in group], y_label, height=height
        )
        for group in groups
    ]
