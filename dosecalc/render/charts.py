"""Charts for teaching: rate against weight, cumulative dose, one regimen's schedule, plasma concentration.

Every plotted number is computed below, by :mod:`dosecalc.curves` from the engine's own figures; this module
only draws, on matplotlib figures of its own (no pyplot state). matplotlib is the
optional plot extra (``pip install '.[plot]'`` in dosecalc's source folder). Colours are the Okabe-Ito palette
(safe for colour-blind readers) and each line also has its own dash pattern and marker, so the charts read in
grey print too.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

from .. import curves
from ..curves import CHART_STEP
from ..dosing import Plan
from ..units import Q_, Quantity
from ..wording import DISCLAIMER
from ..wording.numbers import show

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1)), (0, (1, 3)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
CHART_KINDS = ("rate-vs-weight", "cumulative", "schedule")


def _figure(rows: int = 1, height: float = 4.2, **options: Any) -> tuple[Any, Any]:
    """A new matplotlib figure and its axes: a ``Figure`` of its own, not pyplot's, so that no global
    state is kept and a notebook can draw a chart as often as it likes."""
    from ..extras import require

    require("plot")
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update({"svg.hashsalt": "dosecalc", "svg.fonttype": "none", "font.size": 9})
    figure = Figure(figsize=(7, height))
    return figure, figure.subplots(rows, 1, **options)


def _style(index: int) -> dict[str, Any]:
    return {
        "color": COLOURS[index % len(COLOURS)],
        "linestyle": DASHES[index % len(DASHES)],
        "marker": MARKERS[index % len(MARKERS)],
        "markevery": 0.1,
        "markersize": 4,
        "linewidth": 1.6,
    }


def _drugs(plans: Sequence[Plan]) -> str:
    """What a chart of these regimens is of, after the drugs present (:func:`words.regimens_heading`)."""
    from ..wording.words import regimens_heading

    return regimens_heading([plan.card for plan in plans])


def _label(fig: Any, ax: Any, xlabel: str, ylabel: str, title: str) -> Any:
    """Axis labels (with units), title, grid and legend of a one-panel chart; then :func:`_finish`."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    _finish(fig)
    return fig


def _finish(fig: Any, bottom: float = 0.03) -> None:
    """The disclaimer at the foot of the figure, and the panels laid out above ``bottom`` (a fraction)."""
    fig.text(0.5, 0.005, DISCLAIMER, ha="center", va="bottom", fontsize=7, style="italic")
    fig.tight_layout(rect=(0, bottom, 1, 1))


def show_mg(mg: float) -> str:
    """A dose in mg as the tables show it."""
    return show(Q_(mg, "mg"), "mg")


def rate_vs_weight(
    plans: Sequence[Plan], low: float = 40.0, high: float = 150.0, patient: Quantity | None = None
) -> Any:
    """Rate (mg/h) of each regimen from ``low`` to ``high`` kg, with caps and crossings marked, and the patient's
    weight and rates when a patient is given (the numbers: :func:`dosecalc.curves.rate_by_weight`). Regimens
    whose lines coincide share one line, named for each; crossings are numbered on the chart and listed under
    it, so that no two labels sit on each other."""
    data = curves.rate_by_weight(plans, low, high, patient)
    weights = data.weights_kg
    fig, ax = _figure(height=4.6)
    for index, line in enumerate(data.lines):
        ax.plot(weights, line.rate_mg_h, label=line.regimen, **_style(index))
        if line.cap_mg_h is not None:
            cap = line.cap_mg_h
            ax.axhline(cap, color=COLOURS[index % len(COLOURS)], linewidth=0.8, linestyle=":")
            ax.annotate(
                f"cap {cap:g} mg/h ({line.regimen})", (low, cap), textcoords="offset points", xytext=(4, 3), fontsize=7
            )
            if line.cap_binds_from_kg is not None:
                kg = line.cap_binds_from_kg
                ax.plot([kg], [cap], marker="|", color="black", markersize=12, linestyle="none", gid="cap-binds")
                ax.annotate(
                    f"binds from {kg:.1f} kg", (kg, cap), textcoords="offset points", xytext=(4, -11), fontsize=7
                )
    listed = []
    for number, crossing in enumerate(data.crossings, 1):
        kg, rate = float(crossing.weight.magnitude), float(crossing.rate.magnitude)
        ax.plot([kg], [rate], marker="x", color="black", markersize=8, linestyle="none", gid="crossing")
        ax.annotate(str(number), (kg, rate), textcoords="offset points", xytext=(3, 3), fontsize=7, weight="bold")
        listed.append(f"{number}: {kg:.1f} kg ({crossing.between[0]}, {crossing.between[1]})")
    if data.patient_kg is not None:
        kg = data.patient_kg
        ax.axvline(kg, color="black", linewidth=0.8, linestyle="--", gid="patient")
        for rate in data.patient_rates_mg_h:
            ax.plot([kg], [rate], marker="o", color="black", markersize=5, linestyle="none", gid="patient")
        ax.annotate(
            f"patient {kg:.1f} kg",
            (kg, 1),
            xycoords=("data", "axes fraction"),
            textcoords="offset points",
            xytext=(4, -10),
            fontsize=7,
        )
    ax.set_xlabel("Patient weight (kg)")
    ax.set_ylabel("Infusion rate (mg/h)")
    ax.set_title(f"{_drugs(plans)}: rate by weight")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    below = textwrap.wrap("Equal rates (x): " + "; ".join(listed), 150) if listed else []
    if below:
        fig.text(0.01, 0.035, "\n".join(below), ha="left", va="bottom", fontsize=6.5)
    _finish(fig, bottom=0.03 + 0.03 * len(below))
    return fig


def cumulative(plans: Sequence[Plan], weight: Quantity, step: Quantity = CHART_STEP) -> Any:
    """Cumulative dose (mg) against time (h) over one session of each regimen. Regimens of very different
    lengths (a 4-day infusion beside 4-hour ones) get panels of their own, so that none is squeezed into a
    corner: :func:`dosecalc.curves.by_length`."""
    found = curves.cumulative(plans, weight, step)
    groups = curves.by_length(found)
    fig, axes = _figure(len(groups), 4.2 if len(groups) == 1 else 2.9 * len(groups) + 0.6, squeeze=False)
    styles = {curve.label: _style(index) for index, curve in enumerate(found)}
    for ax, group in zip(axes[:, 0], groups, strict=True):
        for curve in group:
            ax.plot(curve.x, curve.y, label=curve.label, **styles[curve.label])
        ax.set_ylabel("Cumulative dose (mg)")
        ax.set_xlim(0, max(float(curve.x[-1]) for curve in group))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[-1, 0].set_xlabel("Time from the start of the infusion (h)")
    axes[0, 0].set_title(f"{_drugs(plans)}: cumulative dose, one session, {show(weight, 'kg')}")
    _finish(fig)
    return fig


def schedule_chart(plan: Plan, weight: Quantity, step: Quantity = CHART_STEP) -> Any:
    """One regimen: rate (mg/h) and cumulative dose (mg) over the infusion, in two panels; a bolus is marked on
    both (it has no rate: it is a jump in the dose)."""
    rate, dose, boluses = curves.schedule(plan, weight, step)
    fig, (top, bottom) = _figure(2, 5.2, sharex=True)
    top.step(rate.x, rate.y, where="post", **_style(0))
    top.set_ylabel("Rate (mg/h)")
    top.set_ylim(bottom=0)
    bottom.plot(dose.x, dose.y, **_style(1))
    bottom.set_ylabel("Cumulative dose (mg)")
    bottom.set_ylim(bottom=0)
    bottom.set_xlabel("Time from the start of the infusion (h)")
    for bolus in boluses:
        for ax in (top, bottom):
            ax.axvline(bolus.hours, color="black", linewidth=1.2, linestyle="-.", gid="bolus")
        top.annotate(
            f"bolus {show_mg(bolus.mg)} at once",
            (bolus.hours, 0.5),
            xycoords=("data", "axes fraction"),
            textcoords="offset points",
            xytext=(5, 0),
            fontsize=8,
        )
    top.set_title(f"{plan.card.id}, {show(weight, 'kg')}")
    end = float(rate.x[-1])
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.set_xlim(-0.03 * end if boluses else 0, end)  # a bolus at 0 h is not hidden by the axis
    _finish(fig)
    return fig


def concentration_chart(runs: Sequence[Any]) -> Any:
    """Predicted plasma concentration (ng/mL) against time (h) for each simulated regimen, the time axis ending
    where the figures end."""
    fig, ax = _figure()
    found = curves.concentration(runs)
    for index, curve in enumerate(found):
        ax.plot(curve.x, curve.y, label=curve.label, **_style(index))
    ax.set_xlim(0, max(float(curve.x[-1]) for curve in found))
    title = f"Predicted plasma concentration ({runs[0].model.id} model, a population estimate)"
    return _label(fig, ax, "Time from the start of the first session (h)", "Plasma concentration (ng/mL)", title)


def chart_bytes(fig: Any, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes (SVG without dates or other varying metadata)."""
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    fig.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    return buffer.getvalue()
