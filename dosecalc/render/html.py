"""HTML for people: the printable handout, worksheets, and the tables Jupyter shows for a result.

Every page is self-contained (inline CSS and SVG, nothing fetched) and carries the disclaimer. Card and user
text is escaped: the handout's jinja2 template autoescapes, and every other page goes through ``escape``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import DISCLAIMER
from ..columns import DOSE_COLUMNS
from ..regimens import Card, documented_dose
from . import charts, numbers, text, words
from .data import present

if TYPE_CHECKING:
    from ..dosing import DoseFigures
    from ..units import Quantity

if TYPE_CHECKING:
    from ..results import (
        CardDetail,
        CardList,
        DoseTable,
        Handout,
        Marks,
        Result,
        ScheduleTable,
        Sheet,
        Sheets,
        SimulationTable,
    )

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> Any:
    from ..extras import require

    require("report")
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )


def _card(card: Card) -> dict[str, Any]:
    summary = (
        f"{card.indication}. {card.kind}: {numbers.documented_dose_text(documented_dose(card), card.kind)} over "
        f"{numbers.duration(card.duration)}{' (minimum)' if card.minimum_duration is not None else ''}; "
        f"{card.sessions} session(s) in the documented course"
    )
    if card.max_rate is not None:
        summary += f"; rate capped at {numbers.show(card.max_rate, 'mg/h')}"
    if card.preparation is not None:
        prep = card.preparation
        summary += f"; documented preparation {numbers.show(prep.amount, 'mg')} in {numbers.show(prep.volume, 'mL')}"
    return {
        "id": card.id,
        "title": card.title,
        "summary": summary + ".",
        "sources": card.sources,
        "notes": [n.text for n in card.notes],
    }


def handout_html(
    table: DoseTable,
    schedules: Sequence[ScheduleTable],
    simulation: SimulationTable | None = None,
) -> str:
    """The handout as HTML text: the table for one patient, each regimen's schedule, charts, the cards."""
    rows = table.rows
    plans = [row.plan for row in rows]
    columns = present(DOSE_COLUMNS, rows)
    schedule_parts = []
    for schedule in schedules:
        headers, body = text.schedule_cells(schedule)
        card = schedule.schedule.figures.plan.card
        schedule_parts.append(
            {"regimen": card.id, "title": f"{card.id}: {card.title}", "headers": headers, "rows": body}
        )
    figures = [
        {
            "svg": charts.inline_svg(charts.rate_vs_weight(plans, patient=_in_range(table.patient.weight))),
            "caption": "Rate by weight, 40 to 150 kg: caps, the weights where two regimens give the same rate, "
            "and this patient (dashed line) are marked.",
        },
        {
            "svg": charts.inline_svg(charts.cumulative(plans, table.patient.weight)),
            "caption": "Cumulative dose over one session for this patient.",
        },
    ]
    if simulation is not None:
        figures.append(
            {
                "svg": charts.inline_svg(charts.concentration_chart(simulation.runs)),
                "caption": f"Predicted plasma concentration under the {simulation.runs[0].model.id} model: a "
                "population estimate for teaching, not a prediction for this patient.",
            }
        )
    steps = [{"regimen": row.regimen, "lines": words.step_lines(row.steps)} for row in rows if row.steps]
    template = _environment().get_template("report.html")
    return str(
        template.render(
            disclaimer=DISCLAIMER,
            patient_line=text.patient_line(table.patient),
            dose_headers=text.dose_headers(columns),
            dose_rows=[text.dose_cells(row, columns) for row in rows],
            notes=text.numbered_notes(rows),
            charts=figures,
            schedules=schedule_parts,
            steps=steps,
            steps_precision=words.STEPS_PRECISION,
            rounding_note=words.ROUNDED_FOR_DISPLAY,
            cards=[_card(row.plan.card) for row in rows],
        )
    )


def _in_range(weight: Quantity, low: float = 40.0, high: float = 150.0) -> Quantity | None:
    """The patient's weight when it falls on the handout's rate-by-weight chart (40 to 150 kg)."""
    return weight if low <= float(weight.to("kg").magnitude) <= high else None


def handout_text(result: Handout) -> str:
    return result.html


# --------------------------------------------------------------------------------------- Jupyter tables


def notebook_html(result: Result) -> str:
    """What Jupyter shows for a result: a fragment as it is, or a whole page (the handout, a worksheet) in a
    frame of its own, so that its styles cannot restyle the notebook."""
    page = result.as_text("html")
    if not page.lstrip().lower().startswith("<!doctype"):
        return page
    style = "width:100%;height:40rem;border:1px solid #999"
    return f'<iframe srcdoc="{escape(page, quote=True)}" style="{style}"></iframe>'


def _table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    right = text.numeric_columns(headers, body)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td style="text-align:{"right" if right[i] else "left"}">{escape(c)}</td>' for i, c in enumerate(row)
        )
        + "</tr>"
        for row in body
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _page(*parts: str) -> str:
    """A fragment for Jupyter: the disclaimer first, then the parts."""
    return f"<div><p><strong>{escape(DISCLAIMER)}</strong></p>{''.join(parts)}</div>"


def _steps(rows: Sequence[DoseFigures]) -> str:
    """The worked steps of the rows that have them, one numbered list per regimen."""
    blocks = [
        f"<p>{escape(row.regimen)}:</p><ol>"
        + "".join(f"<li>{escape(line)}</li>" for line in words.step_lines(row.steps))
        for row in rows
        if row.steps
    ]
    heading = f"<p>Worked steps. {escape(words.STEPS_PRECISION)}</p>"
    return "" if not blocks else heading + "</ol>".join(blocks) + "</ol>"


def _lines(lines: Sequence[str]) -> str:
    return "<br>".join(escape(line) for line in lines)


def _notes(notes: Sequence[str], brief: bool = False) -> str:
    if not notes:
        return ""
    heading = escape(text.notes_heading(brief))
    return f"<p>{heading}</p><ol>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ol>"


def dose_html(result: DoseTable) -> str:
    parts = []
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        parts.append(f"<p>{escape(text.patient_line(patient))}</p>")
        parts.append(_table(text.dose_headers(columns), [text.dose_cells(row, columns) for row in rows]))
        parts.append(_notes(text.numbered_notes(rows, result.brief), result.brief))
        parts.append(_steps(rows))
    return _page(*parts)


def schedule_html(result: ScheduleTable) -> str:
    headers, body = text.schedule_cells(result)
    notes = words.row_notes(result.schedule.figures, result.brief)
    title = f"<p>{_lines(text.schedule_title(result).splitlines())}</p>"
    rounded = f"<p>{escape(words.ROUNDED_FOR_DISPLAY)}</p>"
    steps = _steps([result.schedule.figures])
    return _page(title, _table(headers, body), rounded, _notes(notes, result.brief), steps)


def simulation_html(result: SimulationTable) -> str:
    headers, body = text.simulation_cells(result)
    title = _lines(text.simulation_title(result))
    return _page(f"<p>{title}</p>", _table(headers, body), _notes(text.simulation_notes_all(result)))


def cards_html(result: CardList) -> str:
    return _page(_table(text.CARD_HEADERS, [text.card_summary(c) for c in result]))


def card_html(result: CardDetail) -> str:
    return _page(f"<pre>{escape(chr(10).join(text.card_lines(result.card)))}</pre>")


def marks_html(result: Marks) -> str:
    headers, body = text.marks_body(result)
    return _page(f"<p><strong>{escape(text.score_line(result))}</strong></p>" + _table(headers, body))


# --------------------------------------------------------------------------------------- worksheets


def sheet_html(result: Sheet) -> str:
    """The worksheet or answer key as one HTML page (inline CSS, nothing fetched)."""
    from ..teaching.exercises import answer_text

    problems, seed, convention, answers = result.problems, result.seed, result.convention, result.is_key

    title = "Answer key" if answers else "Worksheet"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>dosecalc {title.lower()} (seed {seed})</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5}"
        ".disclaimer{border:2px solid #333;padding:.5rem;font-weight:bold}li{margin:.6rem 0}"
        ".answer{font-weight:bold}.steps{color:#333}@media print{body{margin:1cm}}</style>",
        "</head><body>",
        f"<h1>Infusion dosage calculations: {escape(title.lower())}</h1>",
        f'<p class="disclaimer">{escape(DISCLAIMER)}</p>',
        f"<p>Seed {seed}; {len(problems)} problems.</p><ul>",
        *[f"<li>{escape(line)}</li>" for line in convention.lines(p.unit for p in problems)],
        "</ul><ol>",
    ]
    for p in problems:
        parts.append(f"<li>(level {p.level}) {escape(p.question)}")
        if answers:
            parts.append(f'<p class="answer">Answer: {escape(answer_text(p))}</p><ul class="steps">')
            parts += [f"<li>{escape(step)}</li>" for step in p.steps]
            parts.append("</ul>")
        parts.append("</li>")
    parts += ["</ol>", f'<p class="disclaimer">{escape(DISCLAIMER)}</p>', "</body></html>"]
    return "\n".join(parts) + "\n"


def class_sheets_html(result: Sheets) -> str:
    """A class's sheets as one page that prints one student per page."""
    return sheets_html(list(result.sheets))


def sheets_html(sheets: Sequence[Sheet]) -> str:
    """Several sheets in one HTML file, each starting a new printed page."""
    pages = []
    for index, sheet in enumerate(sheets):
        page = sheet_html(sheet)
        body = page[page.index("<body>") + len("<body>") : page.rindex("</body>")]
        style = ' style="break-before:page"' if index else ""
        pages.append(f"<section{style}><h2>{escape(sheet.student or '')}</h2>{body}</section>")
    first = sheet_html(sheets[0]) if sheets else "<html><head></head><body></body></html>"
    head = first[: first.index("<body>") + len("<body>")]
    return head + "\n".join(pages) + "</body></html>\n"
