"""Text for people: terminal tables (rich), plain text and Markdown, each with the disclaimer.

Figures are rounded by :mod:`.numbers`; card and user text is placed in rich ``Text`` objects (never read
as markup) and has ``|`` escaped in Markdown tables.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import DISCLAIMER
from ..columns import DOSE_COLUMNS, Column
from ..regimens import Card, documented_dose
from . import numbers, words
from .data import present, schedule_columns, simulation_notes

if TYPE_CHECKING:
    from ..dosing import DoseFigures, Patient
    from ..pk import Run
    from ..results import CardDetail, CardList, DoseTable, Marks, ScheduleTable, Sheet, SimulationTable


def draw(renderable: Any, *, width: int | None = None, color: bool = False) -> str:
    """A rich renderable drawn as text ``width`` characters wide (default 140), without colour unless asked."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or 140,
        force_terminal=color,
        color_system="auto" if color else None,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    console.print(renderable)
    return buffer.getvalue()


def patient_line(patient: Patient) -> str:
    kg = numbers.show(patient.weight, "kg")
    if patient.is_reference:
        return f"Patient: {kg} (reference adult: no weight given)"
    given = " ".join(str(patient.given).split())
    same = given.replace(" ", "") == kg.replace(" ", "")
    return f"Patient: {kg}" if same else f"Patient: {given} = {kg}"


# --------------------------------------------------------------------------------------- dose tables


def dose_cells(row: DoseFigures, columns: Sequence[Column]) -> list[str]:
    """A table row for people: the regimen, then each figure rounded for display."""
    cells = [row.regimen]
    for column in columns:
        q = getattr(row, column.key)
        if column.key == "rate" and row.cap_binds:
            cells.append(f"{numbers.magnitude(q, column.unit)} (cap)")
        elif column.key == "course_total_dose":
            cells.append(f"{numbers.magnitude(q, column.unit)} ({row.sessions} x)")
        else:
            cells.append("-" if q is None else numbers.magnitude(q, column.unit))
    return cells


def dose_headers(columns: Sequence[Column], separator: str = " ") -> list[str]:
    return ["Regimen", *(f"{c.header}{separator}({c.unit})" for c in columns)]


def numbered_notes(rows: Sequence[DoseFigures], brief: bool = False) -> list[str]:
    """Each row's notes, prefixed by its regimen (in brief: each card note in its one-line form)."""
    return [f"{row.regimen}: {note}" for row in rows for note in words.row_notes(row, brief)]


def notes_heading(brief: bool) -> str:
    return "Notes in brief (each card gives the full text, with its sources):" if brief else "Notes:"


def _markdown_notes(notes: Sequence[str], brief: bool) -> list[str]:
    if not notes:
        return []
    return ["", notes_heading(brief), ""] + [f"{n}. {_md_escape(note)}" for n, note in enumerate(notes, 1)]


def _steps_lines(rows: Sequence[DoseFigures], schedule: bool = False) -> list[str]:
    lines = []
    for row in rows:
        if not row.steps:
            continue
        lines.append(f"{row.regimen}:")
        lines += [f"  {number}. {line}" for number, line in enumerate(words.step_lines(row.steps), 1)]
        if schedule:
            rate = words.step_term(row.rate, "rate", frozenset({words.step_key(row.rate)}))
            lines.append(
                f"  {len(row.steps) + 1}. cumulative dose at elapsed time t: {rate}"
                " \u00d7 t (the last row is the dose per session)"
            )
    return lines


def dose_markdown(result: DoseTable) -> str:
    lines = [f"> **{DISCLAIMER}**"]
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        lines += ["", _md_escape(patient_line(patient)), ""]
        lines += _markdown_table(dose_headers(columns), [dose_cells(row, columns) for row in rows])
        lines += _markdown_notes(numbered_notes(rows, result.brief), result.brief)
        lines += _steps_markdown(rows)
    return "\n".join(lines) + "\n"


def _steps_markdown(rows: Sequence[DoseFigures], schedule: bool = False) -> list[str]:
    steps = _steps_lines(rows, schedule)
    if not steps:
        return []
    out = ["", f"Worked steps. {words.STEPS_PRECISION}", ""]
    for line in steps:
        out.append(f"**{line[:-1]}**" if not line.startswith("  ") else f"   {line.strip()}")
        if not line.startswith("  "):
            out.append("")
    return out


def dose_table(result: DoseTable) -> Any:
    """A rich renderable: the disclaimer, then for each patient the patient line, the table and the notes."""
    blocks = []
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        body = [dose_cells(r, columns) for r in rows]
        notes = numbered_notes(rows, result.brief)
        blocks.append(
            Block(patient_line(patient), dose_headers(columns, "\n"), body, notes, _steps_lines(rows), result.brief)
        )
    return _rich_blocks(blocks)


# --------------------------------------------------------------------------------------- schedules


def schedule_cells(result: ScheduleTable) -> tuple[list[str], list[list[str]]]:
    """Headers and rounded rows of a schedule: elapsed time as h:mm, then each figure."""
    schedule = result.schedule
    columns = schedule_columns(result)
    headers = ["Time (h:mm)", *(f"{c.header} ({c.unit})" for c in columns[1:])]
    body = []
    hours = schedule.time.to("h").magnitude
    for i in range(schedule.rows):
        cells = [numbers.clock(hours[i])]
        cells += [numbers.magnitude(getattr(schedule, c.key)[i], c.unit) for c in columns[1:]]
        body.append(cells)
    return headers, body


def schedule_title(result: ScheduleTable) -> str:
    schedule = result.schedule
    fig = schedule.figures
    card = fig.plan.card
    return (
        f"{card.id}: {card.title}\n{patient_line(result.patient)}; "
        f"{numbers.show(fig.rate, 'mg/h')} for {numbers.duration(fig.duration)}, "
        f"total {numbers.show(fig.total_dose, 'mg')}; step {numbers.duration(schedule.step)}"
    )


def schedule_markdown(result: ScheduleTable) -> str:
    headers, body = schedule_cells(result)
    figures = result.schedule.figures
    lines = [f"> **{DISCLAIMER}**", "", *map(_md_escape, schedule_title(result).split("\n")), ""]
    lines += _markdown_table(headers, body)
    lines += ["", words.ROUNDED_FOR_DISPLAY]
    lines += _markdown_notes(words.row_notes(figures, result.brief), result.brief)
    lines += _steps_markdown([figures], schedule=True)
    return "\n".join(lines) + "\n"


def schedule_table(result: ScheduleTable) -> Any:
    headers, body = schedule_cells(result)
    figures = result.schedule.figures
    steps = _steps_lines([figures], schedule=True)
    notes = words.row_notes(figures, result.brief)
    block = Block(schedule_title(result), headers, body, notes, steps, result.brief, words.ROUNDED_FOR_DISPLAY)
    return _rich_blocks([block])


# --------------------------------------------------------------------------------------- regimen cards

CARD_HEADERS = ["ID", "Title", "Kind", "Documented dose", "Duration", "Sessions", "Rate cap", "First source"]


def card_summary(card: Card) -> list[str]:
    """A card in one row: id, title, kind, documented dose, duration, sessions, cap, first source."""
    return [
        card.id,
        card.title,
        card.kind,
        numbers.documented_dose_text(documented_dose(card), card.kind),
        numbers.duration(card.duration) + (" (minimum)" if card.minimum_duration is not None else ""),
        str(card.sessions),
        numbers.show(card.max_rate, "mg/h") if card.max_rate is not None else "-",
        card.sources[0].citation.split(".")[0] if card.sources else "",
    ]


def cards_markdown(result: CardList) -> str:
    lines = [f"> **{DISCLAIMER}**", ""]
    lines += _markdown_table(CARD_HEADERS, [card_summary(c) for c in result])
    return "\n".join(lines) + "\n"


def cards_table(result: CardList) -> Any:
    return _rich_blocks([Block("Regimen cards", CARD_HEADERS, [card_summary(c) for c in result])])


def card_lines(card: Card) -> list[str]:
    """One card in full, as lines of plain text (no disclaimer, no file)."""
    lines = [f"{card.title}", f"id: {card.id}   kind: {card.kind}", f"Indication: {card.indication}"]
    lines.append(f"Documented dose: {numbers.documented_dose_text(documented_dose(card), card.kind)}")
    lines.append(f"Duration: {numbers.duration(card.duration)}")
    if card.minimum_duration is not None:
        lines.append(f"Minimum duration: {numbers.duration(card.minimum_duration)}")
    if card.max_rate is not None:
        lines.append(f"Rate cap: {numbers.show(card.max_rate, 'mg/h')}")
    lines.append(f"Sessions in the documented course: {card.sessions}")
    if card.preparation is not None:
        p = card.preparation
        lines.append(
            f"Documented preparation: {numbers.show(p.amount, 'mg')} in {numbers.show(p.volume, 'mL')} "
            f"({numbers.show(p.concentration, 'mg/mL')})"
        )
    lines += ["", "Sources:"]
    for number, source in enumerate(card.sources, 1):
        lines.append(f"  [{number}] {source.citation}")
        lines.append(f"      {source.says}")
        if source.link:
            lines.append(f"      {source.link}")
    if card.notes:
        lines += ["", "Notes:"] + [f"  - {note.text}" for note in card.notes]
    return lines


def card_text(result: CardDetail) -> str:
    """One card in full, for ``dosecalc show``: plain text that reads well in a terminal or a file."""
    lines = card_lines(result.card)
    lines[1] += f"   file: {result.origin}"
    return "\n".join([DISCLAIMER, "", *lines]) + "\n"


def card_markdown(result: CardDetail) -> str:
    body = "\n".join(f"    {line}" if line else "" for line in card_lines(result.card))
    return f"> **{DISCLAIMER}**\n\n{body}\n"


# --------------------------------------------------------------------------------------- simulations


def _summary_lines(run: Run) -> list[str]:
    s = run.summary
    course = run.course
    ng = "ng/mL"
    lines = [
        f"{run.figures.regimen}: {numbers.show(course.rate, 'mg/h')} for {numbers.duration(course.duration)}"
        + (f", {course.sessions} sessions every {numbers.duration(course.interval)}" if course.sessions > 1 else ""),
        f"  peak {numbers.significant(float(s.peak_concentration.to(ng).magnitude))} ng/mL at "
        f"{numbers.clock(float(s.time_of_peak.to('h').magnitude))} (h:mm)",
        "  end of each session: "
        + ", ".join(f"{numbers.significant(float(c.to(ng).magnitude))} ng/mL" for c in s.end_of_session),
    ]
    if s.trough_before_next:
        lines.append(
            "  trough before the next session: "
            + ", ".join(f"{numbers.significant(float(c.to(ng).magnitude))} ng/mL" for c in s.trough_before_next)
        )
    if s.half_time_after_end is not None:
        minutes = float(s.half_time_after_end.to("min").magnitude)
        lines.append(f"  falls by half {numbers.number(minutes, 0)} min after the end of the last infusion")
    return lines


def simulation_cells(result: SimulationTable) -> tuple[list[str], list[list[str]]]:
    runs = result.runs
    headers = ["Time (h:mm)", *(f"{run.figures.regimen} (ng/mL)" for run in runs)]
    hours = result.time.to("h").magnitude
    columns = [run.simulation.concentration.to("ng/mL").magnitude for run in runs]
    body = [
        [numbers.clock(float(h)), *(numbers.significant(float(c[i])) for c in columns)] for i, h in enumerate(hours)
    ]
    return headers, body


def simulation_title(result: SimulationTable) -> list[str]:
    title = [f"Predicted plasma concentration ({result.runs[0].model.id} model); {patient_line(result.patient)}"]
    for run in result.runs:
        title += _summary_lines(run)
    return title


def simulation_notes_all(result: SimulationTable) -> list[str]:
    return list(dict.fromkeys(note for run in result.runs for note in simulation_notes(run)))


def simulation_table(result: SimulationTable) -> Any:
    headers, body = simulation_cells(result)
    return _rich_blocks([Block("\n".join(simulation_title(result)), headers, body, simulation_notes_all(result))])


def simulation_markdown(result: SimulationTable) -> str:
    headers, body = simulation_cells(result)
    lines = [f"> **{DISCLAIMER}**", "", *(f"    {line}" for line in simulation_title(result)), ""]
    lines += _markdown_table(headers, body)
    lines += _markdown_notes(simulation_notes_all(result), brief=False)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------- teaching


def sheet_markdown(result: Sheet) -> str:
    from ..teaching.exercises import answer_text

    title = "Answer key" if result.is_key else "Worksheet"
    lines = [
        f"# Infusion dosage calculations: {title.lower()}",
        "",
        f"> **{DISCLAIMER}**",
        "",
        f"Sheet code **{result.code}** (seed {result.seed}; {len(result.problems)} problems).",
        "",
    ]
    lines += [f"- {line}" for line in result.convention.lines()] + [""]
    for p in result.problems:
        lines.append(f"{p.number}. (level {p.level}) {p.question}")
        if result.is_key:
            lines.append(f"   - **Answer: {answer_text(p)}**")
            lines += [f"   - {step}" for step in p.steps]
        lines.append("")
    return "\n".join(lines)


def marks_text(result: Marks) -> str:
    from ..teaching.exercises import answer_text

    lines = [DISCLAIMER, "", f"Seed {result.seed}: {result.score}/{len(result)} correct.", ""]
    for m in result.marks:
        status = "correct" if m.correct else "WRONG"
        lines.append(
            f"{m.problem.number}. {status}: {m.given if m.given is not None else '(no answer)'}"
            + ("" if m.correct else f" - {m.reason}")
        )
        if not m.correct:
            lines += [f"     {step}" for step in m.problem.steps]
            lines.append(f"     answer: {answer_text(m.problem)}")
    return "\n".join(lines) + "\n"


def marks_markdown(result: Marks) -> str:
    body = marks_text(result).split("\n", 2)[2]
    return f"> **{DISCLAIMER}**\n\n" + "\n".join(f"    {line}" if line else "" for line in body.splitlines()) + "\n"


# --------------------------------------------------------------------------------------- shared pieces


def _md_escape(text: str) -> str:
    """Text for a Markdown line or table cell: HTML in it is shown, never run (Jupyter and most Markdown
    viewers render raw HTML), and a ``|`` cannot end a table cell."""
    return escape(text, quote=False).replace("|", "\\|")


#: A cell that shows a number: ``1,234.5``, ``25 (cap)``, ``977.9 (10 x)``, or ``-`` for none.
_NUMBER_CELL = re.compile(r"-|[0-9][0-9,]*(?:\.[0-9]+)?(?: \(cap\)| \([0-9,]+ x\))?")


def numeric_columns(headers: Sequence[str], body: Sequence[Sequence[str]]) -> list[bool]:
    """Which columns hold numbers (aligned right); text columns, and the first column, align left."""
    return [i > 0 and bool(body) and all(_NUMBER_CELL.fullmatch(row[i]) for row in body) for i in range(len(headers))]


def _markdown_table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_escape(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---:" if right else ":---" for right in numeric_columns(headers, body)) + "|")
    lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in body]
    return lines


class Block(NamedTuple):
    """One titled table for a terminal, with what follows it."""

    title: str
    headers: Sequence[str]
    body: Sequence[Sequence[str]]
    notes: Sequence[str] = ()
    steps: Sequence[str] = ()
    brief: bool = False
    caption: str = ""  # said right under the table


def _rich_blocks(blocks: Sequence[Block]) -> Any:
    """The disclaimer, then for each block its title, table, notes and worked steps, then the disclaimer."""
    from rich.console import Group  # rich is imported only when a terminal table is drawn
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = [Text(DISCLAIMER, style="bold")]
    for title, headers, body, notes, steps, brief, caption in blocks:
        table = Table(show_lines=False, header_style="bold")
        right = numeric_columns(headers, body)
        for i, header in enumerate(headers):  # Text, not str: card and user text is never read as markup
            table.add_column(Text(header), justify="right" if right[i] else "left", overflow="fold", no_wrap=i == 0)
        for row in body:
            table.add_row(*map(Text, row))
        parts += [Text(title), table]
        if caption:
            parts.append(Text(caption))
        if notes:
            numbered = "\n".join(f"{n}. {note}" for n, note in enumerate(notes, 1))
            parts.append(Text(f"{notes_heading(brief)}\n{numbered}"))
        if steps:
            parts.append(Text(f"Worked steps. {words.STEPS_PRECISION}\n" + "\n".join(steps)))
    parts.append(Text(DISCLAIMER, style="dim"))
    return Group(*parts)
