"""The printable handout: one self-contained HTML file (inline CSS and SVG charts, nothing fetched).

Its tables use the same cells as the Markdown output, so every number equals the JSON output rounded by
the display rules; its charts come from :mod:`dosecalc.plots`. Rendered with a jinja2 template
(``templates/report.html``) with autoescaping on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import DISCLAIMER, display, output, plots
from .dosing import DoseFigures, Patient, Plan
from .errors import DoseCalcError
from .regimens import Card, documented_dose
from .schedule import build_schedule
from .units import Quantity

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:
        raise DoseCalcError("the handout needs jinja2: pip install 'dosecalc[report]'", field="report") from None
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )


def _card(card: Card) -> dict[str, Any]:
    summary = (
        f"{card.indication}. {card.kind}: {display.documented_dose_text(documented_dose(card), card.kind)} over "
        f"{display.duration(card.duration)}{' (minimum)' if card.minimum_duration is not None else ''}; "
        f"{card.sessions} session(s) in the documented course"
    )
    if card.max_rate is not None:
        summary += f"; rate capped at {display.show(card.max_rate, 'mg/h')}"
    if card.preparation is not None:
        prep = card.preparation
        summary += f"; documented preparation {display.show(prep.amount, 'mg')} in {display.show(prep.volume, 'mL')}"
    return {"id": card.id, "title": card.title, "summary": summary + ".", "sources": card.sources, "notes": card.notes}


def render(
    rows: Sequence[DoseFigures],
    plans: Sequence[Plan],
    patient: Patient,
    step: Quantity,
    simulation: Sequence[Any] = (),
) -> str:
    """The handout as HTML text."""
    columns = output.present_columns(rows)
    schedules = []
    for row in rows:
        schedule = build_schedule(row, step)
        headers, body = output.schedule_cells(schedule)
        schedules.append(
            {
                "regimen": row.plan.card.id,
                "title": f"{row.plan.card.id}: {row.plan.card.title}",
                "headers": headers,
                "rows": body,
            }
        )
    charts = [
        {
            "svg": plots.inline_svg(plots.rate_vs_weight(plans)),
            "caption": "Rate by weight, 40 to 150 kg: caps and the weights where two regimens give the same rate "
            "are marked.",
        },
        {
            "svg": plots.inline_svg(plots.cumulative(plans, patient.weight)),
            "caption": "Cumulative dose over one session for this patient.",
        },
    ]
    if simulation:
        charts.append(
            {
                "svg": plots.inline_svg(plots.concentration_chart(simulation)),
                "caption": f"Predicted plasma concentration under the {simulation[0].model.id} model: a "
                "population estimate for teaching, not a prediction for this patient.",
            }
        )
    steps = [
        {"regimen": row.plan.card.id, "lines": [display.step_text(s) for s in row.steps]} for row in rows if row.steps
    ]
    template = _environment().get_template("report.html")
    return str(
        template.render(
            disclaimer=DISCLAIMER,
            patient_line=output.patient_line(patient),
            dose_headers=["Regimen", *(f"{c.header} ({c.unit})" for c in columns)],
            dose_rows=[output.dose_cells(row, columns) for row in rows],
            notes=output.numbered_notes(rows),
            charts=charts,
            schedules=schedules,
            steps=steps,
            cards=[_card(row.plan.card) for row in rows],
        )
    )
